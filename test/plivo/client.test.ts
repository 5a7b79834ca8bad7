/**
 * The Plivo client against the Plivo sandbox over real HTTP (no mocked fetch): every endpoint,
 * every error class, pagination, Retry-After, the limiter, pending rents, asynchronous mode.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PlivoAuthError,
  PlivoBadRequestError,
  PlivoNetworkError,
  PlivoNotFoundError,
  PlivoOutcomeUnknownError,
  PlivoRateLimitedError,
  PlivoResponseShapeError,
  PlivoServerError,
  PlivoTimeoutError,
} from '../../functions/lib/errors.js';
import {
  collect,
  InMemoryRateLimiter,
  parseAsyncCallback,
  PlivoCallCounter,
  PlivoClient,
  type PlivoClientOptions,
  poolUuidOf,
  readCredentials,
  staticCredentials,
  rentAnswerOfCallback,
  unlimited,
  verifyPlivoCallback,
} from '../../functions/lib/plivo/index.js';
import { startPlivoSandbox, type PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';

let sandbox: PlivoSandbox;

/** Fast retries so the error tests take milliseconds, not seconds. */
function client(options: Partial<PlivoClientOptions> = {}): PlivoClient {
  return new PlivoClient({
    authId: sandbox.authId,
    authToken: sandbox.authToken,
    baseUrl: sandbox.url,
    limiter: unlimited,
    retry: { limit: 2, backoffLimitMs: 20, maxRetryAfterMs: 2_000 },
    ...options,
  });
}

async function firstGroup(plivo: PlivoClient, countryIso: string, prefix?: string) {
  const page = await plivo.searchNumberGroups({ countryIso, ...(prefix ? { prefix } : {}), limit: 1 });
  const group = page.objects[0];
  if (!group) throw new Error(`no ${countryIso} group`);
  return group;
}

beforeAll(async () => {
  sandbox = await startPlivoSandbox({ port: 0, rateLimit: null, seed: 7 });
});
afterAll(() => sandbox.close());
afterEach(() => sandbox.setFaults([]));

describe('search and pagination', () => {
  it('walks every page lazily, at most 20 per page', async () => {
    const counter = new PlivoCallCounter();
    const plivo = client({ onAttempt: counter.record });
    const first = await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local' });
    expect(first.objects.length).toBe(20);
    expect(first.meta.total_count).toBeGreaterThan(20);
    const all = await collect(plivo.allNumberGroups({ countryIso: 'US', numberType: 'local' }));
    expect(all).toHaveLength(first.meta.total_count);
    expect(new Set(all.map((g) => g.group_id)).size).toBe(all.length);
    expect(counter.snapshot().byRoute['GET AvailableNumberGroup/']).toBe(1 + Math.ceil(all.length / 20));
  });

  it('passes the filters Plivo documents', async () => {
    const plivo = client();
    const texas = await collect(plivo.allNumberGroups({ countryIso: 'US', region: 'Texas' }));
    expect(texas.length).toBeGreaterThan(0);
    expect(texas.every((g) => /texas/i.test(g.region ?? ''))).toBe(true);
    const tollfree = await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'tollfree', prefix: '833' });
    expect(tollfree.objects.every((g) => g.number_type === 'tollfree' && g.prefix === '833')).toBe(true);
  });
});

describe('rent', () => {
  it('answers fulfilled with each number, and the numbers are in the account', async () => {
    const plivo = client();
    const group = await firstGroup(plivo, 'US', '512');
    const result = await plivo.rentFromGroup(group.group_id, { quantity: 3 });
    expect(result.status).toBe('fulfilled');
    if (result.status !== 'fulfilled') return;
    expect(result.rented).toHaveLength(3);
    expect(result.failed).toEqual([]);
    for (const number of result.rented) expect((await plivo.getAccountNumber(number)).number).toBe(number);
    const listed = await collect(plivo.allAccountNumbers({ numberStartsWith: '1512' }));
    expect(listed.map((n) => n.number)).toEqual(expect.arrayContaining(result.rented));
  });

  it('answers pending (no numbers, no id) under address regulations, keeping the details', async () => {
    const plivo = client();
    const group = await firstGroup(plivo, 'FR');
    const result = await plivo.rentFromGroup(group.group_id, { quantity: 2 });
    expect(result).toMatchObject({ status: 'pending', message: 'created' });
    if (result.status !== 'pending') return;
    expect(result.details).toMatch(/2 numbers/);
  });

  it('reports numbers that failed inside a fulfilled answer', async () => {
    const plivo = client();
    const group = await firstGroup(plivo, 'US', '415');
    sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup', numberFailureRate: 0.5 }]);
    const result = await plivo.rentFromGroup(group.group_id, { quantity: 10 });
    if (result.status !== 'fulfilled') throw new Error('expected fulfilled');
    expect(result.failed.length).toBeGreaterThan(0);
    expect(result.rented.length + result.failed.length).toBe(10);
    const owned = new Set(sandbox.snapshot().numbers.map((n) => n.number));
    expect(result.rented.every((n) => owned.has(n))).toBe(true);
    expect(result.failed.some((f) => owned.has(f.number))).toBe(false);
  });

  it('never repeats a rent whose answer was a 500 after Plivo carried it out: outcome unknown', async () => {
    const counter = new PlivoCallCounter();
    const plivo = client({ onAttempt: counter.record });
    const group = await firstGroup(plivo, 'US', '212');
    const before = sandbox.snapshot().numbers.length;
    sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup', status: 500, when: 'after', count: 1 }]);
    const error = await plivo.rentFromGroup(group.group_id, { quantity: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlivoOutcomeUnknownError);
    expect(error).toMatchObject({ status: 500, method: 'POST' });
    expect((error as Error).cause).toBeInstanceOf(PlivoServerError);
    expect(counter.snapshot().byRoute['POST AvailableNumberGroup/{group_id}/']).toBe(1);
    expect(sandbox.snapshot().numbers.length).toBe(before + 4);
  });

  it('retries a rent refused with 429 (Plivo did nothing), honouring Retry-After', async () => {
    const counter = new PlivoCallCounter();
    const plivo = client({ onAttempt: counter.record });
    const group = await firstGroup(plivo, 'US', '646');
    sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup', status: 429, count: 1, retryAfterSeconds: 1 }]);
    const started = Date.now();
    const result = await plivo.rentFromGroup(group.group_id, { quantity: 1 });
    expect(result.status).toBe('fulfilled');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(counter.snapshot()).toMatchObject({ retries: 1, byRoute: { 'POST AvailableNumberGroup/{group_id}/': 2 } });
  });

  it('turns a rent timeout into outcome unknown and a dropped connection too', async () => {
    const plivo = client({ timeoutMs: 100 });
    const group = await firstGroup(plivo, 'US', '305');
    sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup', latencyMs: 400, count: 1 }]);
    await expect(plivo.rentFromGroup(group.group_id)).rejects.toBeInstanceOf(PlivoOutcomeUnknownError);
    sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup', drop: true, count: 1 }]);
    await expect(plivo.rentFromGroup(group.group_id)).rejects.toBeInstanceOf(PlivoOutcomeUnknownError);
  });
});

describe('error classes keep Plivo api_id and message', () => {
  it('400 → PlivoBadRequestError naming the parameter', async () => {
    const error = await client()
      .searchNumberGroups({ countryIso: 'US', prefix: '12a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlivoBadRequestError);
    expect(error).toMatchObject({ status: 400, plivoMessage: expect.stringMatching(/prefix/) });
    expect((error as PlivoBadRequestError).apiId).toMatch(/\w/);
  });

  it('401 → PlivoAuthError, and the token appears nowhere in it', async () => {
    const error = await client({ authToken: 'wrong-secret-token' })
      .listAccountNumbers()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlivoAuthError);
    expect(JSON.stringify(error)).not.toContain('wrong-secret-token');
    expect(String((error as Error).stack)).not.toContain('wrong-secret-token');
    expect(String((error as Error).message)).not.toContain(Buffer.from(`${sandbox.authId}:wrong-secret-token`).toString('base64'));
  });

  it('401 → the credentials are read again once; a rent refused with the old token is sent again with the new one', async () => {
    let reads = 0;
    const source = readCredentials(async (fresh) => {
      reads += 1;
      return { authId: sandbox.authId, authToken: fresh ? sandbox.authToken : 'token-before-rotation' };
    });
    const plivo = client({ credentials: source, authId: undefined, authToken: undefined });
    const group = await firstGroup(plivo, 'US', '415');
    const rent = await plivo.rentFromGroup(group.group_id, { quantity: 1 });
    expect(rent.status).toBe('fulfilled');
    expect(reads).toBe(2);
    // The same refusal again with nothing new to read: the error stands, no third read within the floor.
    const stale = client({ credentials: staticCredentials({ authId: sandbox.authId, authToken: 'still-wrong' }), authId: undefined, authToken: undefined });
    await expect(stale.listAccountNumbers()).rejects.toBeInstanceOf(PlivoAuthError);
  });

  it('404 → PlivoNotFoundError', async () => {
    await expect(client().getAccountNumber('19999999999')).rejects.toBeInstanceOf(PlivoNotFoundError);
  });

  it('429 on a read, past the retries → PlivoRateLimitedError with retryAfterMs', async () => {
    sandbox.setFaults([{ method: 'GET', path: 'Number/', status: 429, retryAfterSeconds: 0 }]);
    const error = await client({ retry: { limit: 1, backoffLimitMs: 10 } })
      .listAccountNumbers()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlivoRateLimitedError);
    expect((error as PlivoRateLimitedError).retryAfterMs).toBe(0);
  });

  it('5xx on a read is retried, then succeeds; past the retries → PlivoServerError', async () => {
    const counter = new PlivoCallCounter();
    sandbox.setFaults([{ method: 'GET', path: 'Number/', status: 503, retryAfterSeconds: 0, count: 2 }]);
    await expect(client({ onAttempt: counter.record }).listAccountNumbers()).resolves.toHaveProperty('objects');
    expect(counter.snapshot()).toMatchObject({ total: 3, retries: 2 });
    sandbox.setFaults([{ method: 'GET', path: 'Number/', status: 500 }]);
    await expect(client().listAccountNumbers()).rejects.toBeInstanceOf(PlivoServerError);
  });

  it('a read that times out → PlivoTimeoutError; a dropped one → PlivoNetworkError', async () => {
    sandbox.setFaults([{ method: 'GET', path: 'Number/', latencyMs: 300 }]);
    await expect(client({ timeoutMs: 50 }).listAccountNumbers()).rejects.toBeInstanceOf(PlivoTimeoutError);
    sandbox.setFaults([{ method: 'GET', path: 'Number/', drop: true }]);
    await expect(client().listAccountNumbers()).rejects.toBeInstanceOf(PlivoNetworkError);
  });

  it('a body of an unknown shape → PlivoResponseShapeError', async () => {
    const odd: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ api_id: 'odd-1', meta: { limit: 20 }, objects: 'not a list' }));
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    try {
      const port = (odd.address() as AddressInfo).port;
      const error = await new PlivoClient({ authId: 'MAX', authToken: 't', baseUrl: `http://127.0.0.1:${port}`, limiter: unlimited })
        .listAccountNumbers()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlivoResponseShapeError);
      expect(error).toMatchObject({ apiId: 'odd-1' });
    } finally {
      await new Promise((resolve) => odd.close(resolve));
    }
  });
});

describe('account numbers, pools, Powerpacks', () => {
  it('updates and unrents a number; unrent again says it is already gone', async () => {
    const plivo = client();
    const group = await firstGroup(plivo, 'US', '718');
    const rent = await plivo.rentFromGroup(group.group_id, { quantity: 1 });
    if (rent.status !== 'fulfilled') throw new Error('expected fulfilled');
    const [number] = rent.rented as [string];
    await plivo.updateAccountNumber(number, { alias: 'front-desk' });
    expect((await plivo.getAccountNumber(number)).alias).toBe('front-desk');
    await expect(plivo.unrentNumber(number)).resolves.toEqual({ alreadyGone: false });
    await expect(plivo.getAccountNumber(number)).rejects.toBeInstanceOf(PlivoNotFoundError);
    await expect(plivo.unrentNumber(number)).resolves.toEqual({ alreadyGone: true });
  });

  it('creates a Powerpack, finds its pool, adds, lists with filters, gets and removes with unrent', async () => {
    const plivo = client();
    const powerpack = await plivo.createPowerpack({ name: 'client-test' });
    const pool = poolUuidOf(powerpack);
    expect((await plivo.getPowerpack(powerpack.uuid)).number_pool).toContain(pool);
    const group = await firstGroup(plivo, 'US', '312');
    const rent = await plivo.rentFromGroup(group.group_id, { quantity: 3 });
    if (rent.status !== 'fulfilled') throw new Error('expected fulfilled');
    for (const number of rent.rented) await plivo.addToPool(pool, number, { service: 'sms' });
    // A second add of the same number is refused (adds are not idempotent).
    await expect(plivo.addToPool(pool, rent.rented[0]!)).rejects.toBeInstanceOf(PlivoBadRequestError);
    const listed = await collect(plivo.allPoolNumbers(pool, { startsWith: ['312'], countryIso2: 'US', type: 'fixed', service: 'sms' }));
    expect(listed.map((n) => n.number).sort()).toEqual([...rent.rented].sort());
    expect((await plivo.getPoolNumber(pool, rent.rented[0]!)).number).toBe(rent.rented[0]);
    await plivo.removeFromPool(pool, rent.rented[0]!, { unrent: true });
    await expect(plivo.getAccountNumber(rent.rented[0]!)).rejects.toBeInstanceOf(PlivoNotFoundError);
    await plivo.removeFromPool(pool, rent.rented[1]!);
    expect((await plivo.getAccountNumber(rent.rented[1]!)).number).toBe(rent.rented[1]);
    await expect(plivo.getPoolNumber(pool, rent.rented[1]!)).rejects.toBeInstanceOf(PlivoNotFoundError);
  });

  it('handles toll-free numbers and shortcodes in a pool', async () => {
    const plivo = client();
    const pool = poolUuidOf(await plivo.createPowerpack({ name: 'tollfree-test' }));
    const group = (await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'tollfree', limit: 1 })).objects[0]!;
    const rent = await plivo.rentFromGroup(group.group_id, { quantity: 1 });
    if (rent.status !== 'fulfilled') throw new Error('expected fulfilled');
    const number = rent.rented[0]!;
    await plivo.addTollfreeToPool(pool, number, { service: 'sms' });
    expect((await plivo.getPoolTollfree(pool, number)).number).toBe(number);
    expect((await plivo.listPoolTollfree(pool)).objects.map((n) => n.number)).toEqual([number]);
    await plivo.removeTollfreeFromPool(pool, number, { unrent: true });
    await expect(plivo.getAccountNumber(number)).rejects.toBeInstanceOf(PlivoNotFoundError);

    sandbox.addShortcode(pool, '55555', 'US');
    expect((await plivo.listPoolShortcodes(pool)).objects.map((s) => s.shortcode)).toEqual(['55555']);
    expect((await plivo.getPoolShortcode(pool, '55555')).shortcode).toBe('55555');
    await plivo.removeShortcodeFromPool(pool, '55555');
    expect((await plivo.listPoolShortcodes(pool)).objects).toEqual([]);
  });
});

describe('rate limiting', () => {
  it('keeps a burst under the sandbox limit with the in-memory limiter (no 429)', async () => {
    const limited = await startPlivoSandbox({ port: 0, rateLimit: { requests: 5, windowMs: 500 }, seed: 3 });
    try {
      const plivo = new PlivoClient({
        authId: limited.authId,
        authToken: limited.authToken,
        baseUrl: limited.url,
        // The closing guard is widened to 40% of the window so that a request granted late in a
        // window still reaches the sandbox before it closes on a loaded machine (CI saw 2 × 429
        // with the default tenth, 50 ms); the windows' alignment and counts are what is tested.
        limiter: new InMemoryRateLimiter({ limit: { requests: 5, windowMs: 500 }, edgeGuardMs: 200 }),
      });
      await Promise.all(Array.from({ length: 12 }, () => plivo.listAccountNumbers({ limit: 1 })));
      const counts = limited.snapshot().requests.byRoute['GET Number/'];
      expect(counts).toEqual({ '200': 12 });
    } finally {
      await limited.close();
    }
  });

  it('without a limiter it meets 429s, retries after Retry-After, and every caller pauses', async () => {
    const limited = await startPlivoSandbox({ port: 0, rateLimit: { requests: 3, windowMs: 1_000 }, seed: 3 });
    try {
      const limiter = new InMemoryRateLimiter({ limit: { requests: 1_000, windowMs: 1_000 } });
      const plivo = new PlivoClient({ authId: limited.authId, authToken: limited.authToken, baseUrl: limited.url, limiter });
      await Promise.all(Array.from({ length: 6 }, () => plivo.listAccountNumbers({ limit: 1 })));
      const counts = limited.snapshot().requests.byRoute['GET Number/'] ?? {};
      expect(counts['200']).toBe(6);
      expect(counts['429']).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('asynchronous mode', () => {
  it('answers "async api spawned" and posts the real answer, signed, to the callback', async () => {
    const received: { url: string; headers: Record<string, string | undefined>; params: Record<string, string> }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({
          url: req.url ?? '',
          headers: req.headers as Record<string, string | undefined>,
          params: Object.fromEntries(new URLSearchParams(body)),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/plivo`;
      const plivo = client();
      const group = await firstGroup(plivo, 'US', '206');
      const spawned = await plivo.rentFromGroupAsync(group.group_id, { quantity: 2 }, { url: callbackUrl });
      expect(spawned.message).toBe('async api spawned');
      await sandbox.callbacksIdle();
      expect(received).toHaveLength(1);
      const [callback] = received as [(typeof received)[number]];
      expect(verifyPlivoCallback({ method: 'POST', url: callbackUrl, params: callback.params, headers: callback.headers, authToken: sandbox.authToken })).toBe(true);
      expect(verifyPlivoCallback({ method: 'POST', url: callbackUrl, params: callback.params, headers: callback.headers, authToken: 'other' })).toBe(false);
      const parsed = parseAsyncCallback(callback.params);
      expect(parsed?.apiId).toBe(spawned.api_id);
      const answer = rentAnswerOfCallback(parsed!);
      expect(answer.success && answer.data.status === 'fulfilled' && answer.data.numbers.length).toBe(2);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe('call counting', () => {
  it('counts every attempt where it is made, and the sandbox counts the same', async () => {
    const fresh = await startPlivoSandbox({ port: 0, rateLimit: null, seed: 11 });
    try {
      const counter = new PlivoCallCounter();
      const plivo = new PlivoClient({
        authId: fresh.authId,
        authToken: fresh.authToken,
        baseUrl: fresh.url,
        limiter: unlimited,
        retry: { limit: 3, backoffLimitMs: 5 },
        onAttempt: counter.record,
      });
      fresh.setFaults([{ method: 'GET', path: 'Number/', status: 500, count: 2 }]);
      await plivo.listAccountNumbers();
      await collect(plivo.allNumberGroups({ countryIso: 'CA' }));
      await plivo.getAccountNumber('10000000000').catch(() => undefined);
      const ours = counter.snapshot();
      const theirs = fresh.snapshot().requests;
      expect(ours.total).toBe(theirs.total);
      for (const [route, count] of Object.entries(ours.byRoute)) {
        const sandboxCount = Object.values(theirs.byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
        expect([route, sandboxCount]).toEqual([route, count]);
      }
    } finally {
      await fresh.close();
    }
  });
});
