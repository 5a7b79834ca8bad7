/**
 * Error shapes Plivo (or a proxy in front of it) can send, injected by fault rules, and what our
 * client makes of each over real HTTP: a typed error, never a crash.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlivoBadRequestError, PlivoRateLimitedError, PlivoServerError } from '../../functions/lib/errors.js';
import { PlivoClient, unlimited } from '../../functions/lib/plivo/index.js';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, startTestSandbox } from './helpers.js';

let sandbox: PlivoSandbox;
let plivo: PlivoClient;
beforeAll(async () => {
  sandbox = await startTestSandbox();
  plivo = new PlivoClient({
    authId: sandbox.authId,
    authToken: sandbox.authToken,
    baseUrl: sandbox.url,
    limiter: unlimited,
    retry: { limit: 0 },
    timeoutMs: 5_000,
  });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.setFaults([]));

describe('injected error bodies', () => {
  it('"error" as an object: the body says so, and the client reports it as a typed error with the message', async () => {
    sandbox.setFaults([{ method: 'GET', path: 'Number/', status: 400, errorBody: 'object' }]);
    const raw = await api(sandbox, 'GET', 'Number/');
    expect(raw.status).toBe(400);
    expect(typeof raw.body.error).toBe('object');
    const error = await plivo.listAccountNumbers({ limit: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlivoBadRequestError);
    expect((error as PlivoBadRequestError).plivoMessage).toContain('injected by a sandbox fault rule');
  });

  it('an HTML 502 from a proxy: not JSON, and the client reports a server error', async () => {
    sandbox.setFaults([{ method: 'GET', path: 'Number/', status: 502, errorBody: 'html' }]);
    const response = await fetch(`${sandbox.accountUrl}/Number/`, {
      headers: { authorization: `Basic ${Buffer.from(`${sandbox.authId}:${sandbox.authToken}`).toString('base64')}` },
    });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toContain('<h1>502 bad gateway</h1>');
    const error = await plivo.listAccountNumbers({ limit: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlivoServerError);
    expect((error as PlivoServerError).status).toBe(502);
  });

  it('a 429 without Retry-After: no header, and the client reports PlivoRateLimitedError without a wait', async () => {
    sandbox.setFaults([{ method: 'GET', path: 'Number/', status: 429, retryAfterSeconds: null }]);
    const raw = await api(sandbox, 'GET', 'Number/');
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBeNull();
    const error = await plivo.listAccountNumbers({ limit: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlivoRateLimitedError);
    expect((error as PlivoRateLimitedError).retryAfterMs).toBeUndefined();
  });

  it('keeps Retry-After on an injected 429 by default', async () => {
    sandbox.setFaults([{ method: 'GET', path: 'Number/', status: 429 }]);
    expect((await api(sandbox, 'GET', 'Number/')).headers.get('retry-after')).toBe('1');
  });

  it('refuses an unknown body shape (400)', async () => {
    expect((await admin(sandbox, 'POST', 'faults', { rules: [{ status: 500, errorBody: 'xml' }] })).status).toBe(400);
  });
});
