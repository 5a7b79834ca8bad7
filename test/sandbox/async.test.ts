import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyPlivoCallback } from '../../functions/lib/plivo/signature.js';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { api, type CallbackReceiver, findGroup, type Received, startCallbackReceiver, startTestSandbox } from './helpers.js';

let sandbox: PlivoSandbox;
let receiver: CallbackReceiver;
let receiverUrl: string;
let received: Received[];

beforeAll(async () => {
  sandbox = await startTestSandbox({ authToken: 'callback-secret' });
  receiver = await startCallbackReceiver('/hooks/plivo');
  ({ url: receiverUrl, received } = receiver);
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.clear();
  sandbox.reset();
});

const headersOf = (request: Received): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : value]));

describe('asynchronous mode (callback_url)', () => {
  it('answers 202 at once and posts the real answer, signed, to the callback', async () => {
    const group = await findGroup(sandbox, 'country_iso=US&prefix=512');
    const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, {
      json: { quantity: 3, callback_url: receiverUrl },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ api_id: expect.any(String), message: 'async api spawned' });
    await sandbox.callbacksIdle();

    expect(received).toHaveLength(1);
    const [callback] = received;
    if (!callback) throw new Error('no callback');
    expect(callback.method).toBe('POST');
    expect(callback.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const params = Object.fromEntries(new URLSearchParams(callback.body));
    expect(params.api_id).toBe(answer.body.api_id);
    expect(params.status_code).toBe('201');
    const response = JSON.parse(params.response ?? '{}') as { api_id: string; status: string; numbers: { number: string }[] };
    expect(response.api_id).toBe(answer.body.api_id);
    expect(response.status).toBe('fulfilled');
    expect(response.numbers).toHaveLength(3);
    expect(sandbox.snapshot().numbers.map((entry) => entry.number).sort()).toEqual(response.numbers.map((entry) => entry.number).sort());

    const headers = headersOf(callback);
    expect(headers['x-plivo-signature-v3']).toBeDefined();
    expect(headers['x-plivo-signature-ma-v3']).toBe(headers['x-plivo-signature-v3']);
    expect(headers['x-plivo-signature-v3-nonce']).toMatch(/^\d{20}$/);
    expect(verifyPlivoCallback({ method: 'POST', url: receiverUrl, params, headers, authToken: 'callback-secret' })).toBe(true);
    expect(verifyPlivoCallback({ method: 'POST', url: receiverUrl, params, headers, authToken: 'other-token' })).toBe(false);
  });

  it('sends the answer as query parameters with callback_method GET, signed over the URL', async () => {
    const answer = await api(sandbox, 'GET', `Number/?limit=5&callback_url=${encodeURIComponent(receiverUrl)}&callback_method=GET`);
    expect(answer.status).toBe(202);
    await sandbox.callbacksIdle();
    const [callback] = received;
    if (!callback) throw new Error('no callback');
    expect(callback.method).toBe('GET');
    const url = new URL(callback.url, receiverUrl);
    expect(url.searchParams.get('api_id')).toBe(answer.body.api_id);
    expect(url.searchParams.get('status_code')).toBe('200');
    expect(JSON.parse(url.searchParams.get('response') ?? '{}')).toMatchObject({ objects: [], meta: { total_count: 0 } });
    expect(verifyPlivoCallback({ method: 'GET', url: url.toString(), headers: headersOf(callback), authToken: 'callback-secret' })).toBe(true);
  });

  it('delivers errors found when the operation runs (404) through the callback', async () => {
    const answer = await api(sandbox, 'DELETE', 'Number/15550001111/', { json: { callback_url: receiverUrl } });
    expect(answer.status).toBe(202);
    await sandbox.callbacksIdle();
    const params = Object.fromEntries(new URLSearchParams(received[0]?.body ?? ''));
    expect(params.status_code).toBe('404');
    expect(JSON.parse(params.response ?? '{}')).toMatchObject({ error: expect.stringContaining('15550001111') });
  });

  it('refuses bad parameters synchronously with 400, and calls nobody', async () => {
    const answer = await api(sandbox, 'GET', `AvailableNumberGroup/?callback_url=${encodeURIComponent(receiverUrl)}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('country_iso is required');
    expect((await api(sandbox, 'GET', 'Number/?callback_url=ftp://example.com/x')).body.error).toContain('callback_url');
    expect((await api(sandbox, 'GET', `Number/?callback_url=${encodeURIComponent(receiverUrl)}&callback_method=PUT`)).body.error).toContain(
      'callback_method',
    );
    await sandbox.callbacksIdle();
    expect(received).toEqual([]);
  });

  it('tries a failing callback a few times, then gives up and counts it', async () => {
    receiver.status = 500;
    await api(sandbox, 'GET', `Number/?callback_url=${encodeURIComponent(receiverUrl)}`);
    await sandbox.callbacksIdle();
    expect(received).toHaveLength(3);
    expect(sandbox.snapshot().callbacks).toMatchObject({ delivered: 0, failed: 1, inFlight: 0 });
  });
});
