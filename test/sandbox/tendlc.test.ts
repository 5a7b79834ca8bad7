/** 10DLC Number Linking: link, settle on the sandbox clock, signed callbacks, listing fields, faults, unlink, pool guard, state file. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import plivo from 'plivo';
import { verifyPlivoCallback } from '../../functions/lib/plivo/signature.js';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, type CallbackReceiver, type Received, rent, startCallbackReceiver, startTestSandbox } from './helpers.js';

const START = Date.parse('2030-03-01T12:00:00Z');
const DELAY_MS = 60_000;
const US_LOCAL = 'country_iso=US&prefix=512';

let sandbox: PlivoSandbox;
let receiver: CallbackReceiver;
let receiverUrl: string;
let received: Received[];

beforeAll(async () => {
  sandbox = await startTestSandbox({ authToken: 'tendlc-secret', now: () => START, tendlcLinkDelayMs: DELAY_MS });
  receiver = await startCallbackReceiver('/hooks/tendlc');
  ({ url: receiverUrl, received } = receiver);
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(async () => {
  receiver.clear();
  sandbox.reset();
  expect((await admin(sandbox, 'POST', 'campaigns', { campaignId: 'CUOGHIN', usecase: 'STARTER', alias: 'ABC Campaign' })).status).toBe(201);
});

const linksPath = (rest = ''): string => `10dlc/Campaign/CUOGHIN/Number/${rest}`;
/** Moves the sandbox clock past the link delay. */
const pastDelay = (): Promise<unknown> => admin(sandbox, 'POST', 'clock', { now: new Date(START + DELAY_MS + 1).toISOString() });
const accountNumber = async (number: string): Promise<Record<string, unknown>> => (await api(sandbox, 'GET', `Number/${number}/`)).body;
const headersOf = (request: Received): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : value]));

describe('10DLC number linking', () => {
  it('links: PROCESSING at once, COMPLETED after the delay, with a signed callback and the account fields', async () => {
    const [first, second] = await rent(sandbox, US_LOCAL, 2);
    if (!first || !second) throw new Error('not rented');
    expect(await accountNumber(first)).toMatchObject({ tendlc_registration_status: 'UNREGISTERED', tendlc_campaign_id: null });

    const linked = await api(sandbox, 'POST', linksPath(), { json: { numbers: [`+${first}`, second], url: receiverUrl, method: 'POST' } });
    expect(linked.status).toBe(202);
    expect(linked.body).toEqual({
      api_id: expect.any(String),
      message: `Request to link ${first},${second} to campaign CUOGHIN was received and is being processed`,
    });
    expect(await accountNumber(first)).toMatchObject({ tendlc_registration_status: 'PROCESSING', tendlc_campaign_id: 'CUOGHIN' });
    expect(sandbox.snapshot().tendlc.links).toContainEqual(
      expect.objectContaining({ number: first, campaignId: 'CUOGHIN', status: 'PROCESSING', dueAtMs: START + DELAY_MS }),
    );
    const listed = await api(sandbox, 'GET', linksPath('?limit=1'));
    expect(listed.body).toMatchObject({
      campaign_id: 'CUOGHIN',
      campaign_alias: 'ABC Campaign',
      usecase: 'STARTER',
      phone_numbers: [{ number: [first, second].sort()[0], status: 'PROCESSING' }],
      meta: { limit: 1, offset: 0, total_count: 2 },
    });
    await sandbox.callbacksIdle();
    expect(received).toHaveLength(0);

    await pastDelay();
    await sandbox.callbacksIdle();
    expect((await api(sandbox, 'GET', linksPath(`${first}/`))).body).toMatchObject({ phone_numbers: [{ number: first, status: 'COMPLETED' }] });
    const filtered = await api(sandbox, 'GET', 'Number/?tendlc_campaign_id=CUOGHIN&tendlc_registration_status=registered');
    expect(filtered.body.meta).toMatchObject({ total_count: 2 });

    expect(received).toHaveLength(2);
    for (const callback of received) {
      const params = Object.fromEntries(new URLSearchParams(callback.body));
      expect(params).toMatchObject({ event_type: 'number_linking', campaign_id: 'CUOGHIN', status: 'success', tendlc_registration_status: 'COMPLETED' });
      const headers = headersOf(callback);
      expect(verifyPlivoCallback({ method: 'POST', url: receiverUrl, params, headers, authToken: 'tendlc-secret' })).toBe(true);
      expect(verifyPlivoCallback({ method: 'POST', url: receiverUrl, params, headers, authToken: 'other' })).toBe(false);
    }
    expect(received.map((callback) => new URLSearchParams(callback.body).get('number')).sort()).toEqual([first, second].sort());
  });

  it('ends FAILED for the share a numberFailureRate fault rule picks, the rest COMPLETED', async () => {
    const numbers = await rent(sandbox, US_LOCAL, 8);
    sandbox.setFaults([{ method: 'POST', path: '10dlc/', numberFailureRate: 0.5 }]);
    expect((await api(sandbox, 'POST', linksPath(), { json: { numbers, url: receiverUrl } })).status).toBe(202);
    await pastDelay();
    await sandbox.callbacksIdle();
    const statuses = ((await api(sandbox, 'GET', linksPath())).body.phone_numbers as { status: string }[]).map((entry) => entry.status);
    const failed = statuses.filter((status) => status === 'FAILED').length;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(numbers.length);
    expect(statuses.filter((status) => status === 'COMPLETED')).toHaveLength(numbers.length - failed);
    expect(received.filter((callback) => new URLSearchParams(callback.body).get('status') === 'failed')).toHaveLength(failed);
  });

  it('a FAILED link (numberFailureRate 1) can be linked again', async () => {
    const numbers = await rent(sandbox, US_LOCAL, 2);
    sandbox.setFaults([{ method: 'POST', path: '10dlc/', numberFailureRate: 1 }]);
    expect((await api(sandbox, 'POST', linksPath(), { json: { numbers, url: receiverUrl } })).status).toBe(202);
    await pastDelay();
    await sandbox.callbacksIdle();
    const listed = await api(sandbox, 'GET', linksPath());
    expect(listed.body.phone_numbers).toEqual(numbers.sort().map((number) => ({ number, status: 'FAILED' })));
    expect(await accountNumber(numbers[0] ?? '')).toMatchObject({ tendlc_registration_status: 'FAILED' });
    expect(received.map((callback) => new URLSearchParams(callback.body).get('status'))).toEqual(['failed', 'failed']);

    sandbox.setFaults([]);
    expect((await api(sandbox, 'POST', linksPath(), { json: { numbers } })).status).toBe(202);
    expect((await api(sandbox, 'GET', linksPath())).body.phone_numbers).toEqual(numbers.map((number) => ({ number, status: 'PROCESSING' })));
  });

  it('unlinks a number: the account lists it UNREGISTERED again', async () => {
    const [number] = await rent(sandbox, US_LOCAL, 1);
    if (!number) throw new Error('not rented');
    await api(sandbox, 'POST', linksPath(), { json: { numbers: [number] } });
    const unlinked = await api(sandbox, 'DELETE', linksPath(`${number}/`));
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.message).toBe(`Number ${number} was unlinked from campaign CUOGHIN`);
    expect(await accountNumber(number)).toMatchObject({ tendlc_registration_status: 'UNREGISTERED', tendlc_campaign_id: null });
    expect((await api(sandbox, 'GET', linksPath(`${number}/`))).status).toBe(404);
    expect((await api(sandbox, 'DELETE', linksPath(`${number}/`))).status).toBe(404);

    // Unrenting a linked number unlinks it too.
    await api(sandbox, 'POST', linksPath(), { json: { numbers: [number] } });
    expect((await api(sandbox, 'DELETE', `Number/${number}/`)).status).toBe(204);
    expect((await api(sandbox, 'GET', linksPath())).body.phone_numbers).toEqual([]);
  });

  it('refuses an unknown campaign (404), numbers not in the account and bad input (400), linking none', async () => {
    const [number] = await rent(sandbox, US_LOCAL, 1);
    if (!number) throw new Error('not rented');
    const unknown = await api(sandbox, 'POST', '10dlc/Campaign/CNOPE/Number/', { json: { numbers: [number] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ api_id: expect.any(String), error: 'campaign CNOPE not found' });
    expect((await api(sandbox, 'GET', '10dlc/Campaign/CNOPE/Number/')).status).toBe(404);

    const foreign = await api(sandbox, 'POST', linksPath(), { json: { numbers: [number, '+15550001111'] } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toBe('numbers: 15550001111 is not a number of this account');
    expect(await accountNumber(number)).toMatchObject({ tendlc_registration_status: 'UNREGISTERED' });

    expect((await api(sandbox, 'POST', linksPath(), { json: {} })).body.error).toMatch(/^numbers/);
    expect((await api(sandbox, 'POST', linksPath(), { json: { numbers: ['abc'] } })).body.error).toMatch(/E\.164/);
    expect((await api(sandbox, 'POST', linksPath(), { json: { numbers: [number], url: 'ftp://x' } })).body.error).toMatch(/^url/);
    expect((await admin(sandbox, 'POST', 'campaigns', { usecase: 'STARTER' })).status).toBe(400);
  });
});

describe('the official plivo SDK', () => {
  it('links, lists, gets and unlinks through client.campaign', async () => {
    const [number] = await rent(sandbox, US_LOCAL, 1);
    if (!number) throw new Error('not rented');
    const client = new plivo.Client(sandbox.authId, sandbox.authToken, { url: sandbox.accountUrl });
    const linked = await client.campaign.linkNumber('CUOGHIN', [`+${number}`], { url: receiverUrl, method: 'POST' });
    expect(linked).toMatchObject({ apiId: expect.any(String), message: expect.stringContaining(number) as string });
    await pastDelay();
    const listed = (await client.campaign.listNumber('CUOGHIN', { limit: 5 })) as Record<string, unknown>;
    expect(listed).toMatchObject({ campaignId: 'CUOGHIN', phoneNumbers: [{ number, status: 'COMPLETED' }] });
    const got = (await client.campaign.getNumber('CUOGHIN', number)) as Record<string, unknown>;
    expect(got).toMatchObject({ phoneNumbers: [{ number, status: 'COMPLETED' }] });
    expect(await client.campaign.unlinkNumber('CUOGHIN', number)).toMatchObject({ message: expect.stringContaining('unlinked') as string });
    await expect(client.campaign.getNumber('CUOGHIN', number)).rejects.toThrow(/not linked/);
  });
});

describe('--require-10dlc', () => {
  let strict: PlivoSandbox;
  beforeAll(async () => {
    strict = await startTestSandbox({ now: () => START, tendlcLinkDelayMs: DELAY_MS, require10dlc: true });
  });
  afterAll(() => strict.close());

  it('refuses a pool add of an unregistered US local number (400) and accepts a COMPLETED one', async () => {
    await admin(strict, 'POST', 'campaigns', { campaignId: 'CSTRICT', usecase: 'MIXED' });
    const [number] = await rent(strict, US_LOCAL, 1);
    if (!number) throw new Error('not rented');
    const powerpack = await api(strict, 'POST', 'Powerpack/', { json: { name: 'tendlc' } });
    const poolUuid = String(powerpack.body.number_pool).split('/')[5] ?? '';

    const refused = await api(strict, 'POST', `NumberPool/${poolUuid}/Number/${number}/`);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/not registered for 10DLC \(status UNREGISTERED\)/);

    await api(strict, 'POST', '10dlc/Campaign/CSTRICT/Number/', { json: { numbers: [number] } });
    expect((await api(strict, 'POST', `NumberPool/${poolUuid}/Number/${number}/`)).body.error).toMatch(/status PROCESSING/);
    await admin(strict, 'POST', 'clock', { now: new Date(START + DELAY_MS).toISOString() });
    expect((await api(strict, 'POST', `NumberPool/${poolUuid}/Number/${number}/`)).status).toBe(200);
  });
});

describe('state file', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'plivo-sandbox-tendlc-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('keeps campaigns and links across a restart; a link still PROCESSING settles after it', async () => {
    const file = join(directory, 'state.json');
    const first = await startTestSandbox({ stateFile: file, now: () => START, tendlcLinkDelayMs: DELAY_MS });
    await admin(first, 'POST', 'campaigns', { campaignId: 'CKEEP', usecase: 'STARTER' });
    const [number] = await rent(first, US_LOCAL, 1);
    if (!number) throw new Error('not rented');
    await api(first, 'POST', '10dlc/Campaign/CKEEP/Number/', { json: { numbers: [number] } });
    await first.close();

    const second = await startTestSandbox({ stateFile: file, now: () => START + DELAY_MS, tendlcLinkDelayMs: DELAY_MS });
    try {
      expect((await api(second, 'GET', `Number/${number}/`)).body).toMatchObject({
        tendlc_registration_status: 'COMPLETED',
        tendlc_campaign_id: 'CKEEP',
      });
      expect((await api(second, 'GET', '10dlc/Campaign/CKEEP/Number/')).body).toMatchObject({ usecase: 'STARTER', phone_numbers: [{ number }] });
    } finally {
      await second.close();
    }
  });
});

describe('on a clock that runs by itself', () => {
  it('settles a link and sends its callback once the delay is over, without any request', async () => {
    const live = await startTestSandbox({ tendlcLinkDelayMs: 50 });
    try {
      await admin(live, 'POST', 'campaigns', { campaignId: 'CLIVE', usecase: 'STARTER' });
      const [number] = await rent(live, US_LOCAL, 1);
      if (!number) throw new Error('not rented');
      receiver.clear();
      await api(live, 'POST', '10dlc/Campaign/CLIVE/Number/', { json: { numbers: [number], url: receiverUrl, method: 'GET' } });
      await expect.poll(() => received.length, { timeout: 2_000, interval: 20 }).toBe(1);
      const [callback] = received;
      if (!callback) throw new Error('no callback');
      expect(callback.method).toBe('GET');
      const url = new URL(callback.url, receiverUrl);
      expect(url.searchParams.get('status')).toBe('success');
      expect(verifyPlivoCallback({ method: 'GET', url: url.toString(), headers: headersOf(callback), authToken: live.authToken })).toBe(true);
    } finally {
      await live.close();
    }
  });
});
