/**
 * `POST /webhooks/plivo` through the real local gateway, fed by the real Plivo sandbox's
 * asynchronous mode. Plivo is given a public URL that is not the gateway's own (a recording
 * proxy stands where API Gateway's domain would be), so the signature can only match when the
 * handler checks it against the configured public URL, not the Host it sees. The recorded
 * request is then replayed, tampered with and stripped of its headers.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSignatureV3, PlivoClient, readCredentials, rentAnswerOfCallback, staticCredentials, unlimited } from '../../functions/lib/plivo/index.js';
import { callbackResponse, findPlivoCallback } from '../../functions/lib/webhooks/index.js';
import { receivePlivoCallback } from '../../functions/lib/webhooks/plivo-inbound.js';
import { createPlivoWebhooksApi, plivoWebhooksApiPublicPaths, plivoWebhooksApiResources } from '../../functions/webhooks-api/api.js';
import { startLocalApiGateway, type LocalApiGateway } from '../../infra/local/api-gateway.js';
import { startPlivoSandbox, type PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { CapturingLogger } from '../api/support/capture-logger.js';
import { createTestTable } from '../support/dynamodb.js';
import { scanTable, type Table } from './support.js';

const MAIN_ACCOUNT_TOKEN = 'main-account-token-9f2c';

interface Recorded {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  answer: string;
}

let table: Table;
let sandbox: PlivoSandbox;
let gateway: LocalApiGateway;
let proxy: Server;
let publicUrl: string;
const recorded: Recorded[] = [];
const hooked: string[] = [];
const logger = new CapturingLogger('webhooks-api');

/** Sends a callback straight to the gateway (as a replaying attacker would). */
async function post(headers: Record<string, string>, body: string, query = ''): Promise<{ status: number; json: { error?: string; status?: string; apiId?: string } }> {
  const response = await fetch(`${gateway.url}/webhooks/plivo${query}`, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as { error?: string } };
}

function signed(params: Record<string, string>, options: { url?: string; token?: string; nonce?: string; header?: string } = {}) {
  const nonce = options.nonce ?? randomUUID().replaceAll('-', '');
  const signature = computeSignatureV3({ method: 'POST', url: options.url ?? publicUrl, params, nonce, authToken: options.token ?? sandbox.authToken });
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      [options.header ?? 'X-Plivo-Signature-V3']: signature,
      'X-Plivo-Signature-V3-Nonce': nonce,
    },
    body: new URLSearchParams(params).toString(),
  };
}

async function itemsOf(prefix: string): Promise<Record<string, unknown>[]> {
  return (await scanTable(table)).filter((item) => String(item.pk).startsWith(prefix));
}

beforeAll(async () => {
  table = await createTestTable();
  sandbox = await startPlivoSandbox({ port: 0, rateLimit: null, seed: 5 });
  // The public URL is the proxy's; the gateway behind it has another host and port.
  proxy = createServer();
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  publicUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/webhooks/plivo`;
  const handler = createPlivoWebhooksApi({
    db: table.db,
    tableName: table.tableName,
    credentials: staticCredentials({ authId: sandbox.authId, authToken: sandbox.authToken }),
    mainAccountAuthToken: MAIN_ACCOUNT_TOKEN,
    publicUrl,
    logger,
    onCallback: async (callback) => {
      hooked.push(callback.apiId);
    },
  });
  gateway = await startLocalApiGateway({
    port: 0,
    apiKey: 'unused-key',
    handler,
    publicPaths: plivoWebhooksApiPublicPaths,
    resources: plivoWebhooksApiResources,
    functionName: 'webhooks-api',
    logger: new CapturingLogger('local-api-gateway'),
  });
  proxy.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)) headers[name] = value;
      fetch(`${gateway.url}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body })
        .then(async (answer) => {
          const text = await answer.text();
          recorded.push({ headers: req.headers, body, status: answer.status, answer: text });
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
});

afterAll(async () => {
  await gateway.close();
  await new Promise<void>((resolve) => {
    proxy.closeAllConnections();
    proxy.close(() => resolve());
  });
  await sandbox.close();
  await table.drop();
});

describe('POST /webhooks/plivo', () => {
  let apiId: string;
  let original: Recorded;

  it("accepts the sandbox's signed asynchronous-mode callback once, and keeps it by api_id", async () => {
    const plivo = new PlivoClient({ authId: sandbox.authId, authToken: sandbox.authToken, baseUrl: sandbox.url, limiter: unlimited });
    const groups = await plivo.searchNumberGroups({ countryIso: 'US', limit: 1 });
    const group = groups.objects[0];
    expect(group).toBeDefined();
    const spawned = await plivo.rentFromGroupAsync(group!.group_id, { quantity: 2 }, { url: publicUrl });
    expect(spawned.message).toBe('async api spawned');
    apiId = spawned.api_id;
    expect(await findPlivoCallback({ db: table.db, tableName: table.tableName }, apiId)).toBeUndefined();
    await sandbox.callbacksIdle();

    expect(recorded).toHaveLength(1);
    original = recorded[0]!;
    expect(original.status).toBe(200);
    expect(JSON.parse(original.answer)).toEqual({ status: 'accepted', apiId });
    expect(original.headers['x-plivo-signature-v3']).toBeDefined();

    const stored = await findPlivoCallback({ db: table.db, tableName: table.tableName }, apiId);
    expect(stored).toMatchObject({ apiId, statusCode: 201, receivedAt: expect.any(String) });
    const answer = rentAnswerOfCallback({ apiId, statusCode: stored?.statusCode, response: callbackResponse(stored!) });
    expect(answer.success && answer.data.status === 'fulfilled' && answer.data.numbers.length).toBe(2);
    expect(hooked).toEqual([apiId]);
    expect(await itemsOf('PLIVO_NONCE#')).toHaveLength(1);
    const [nonce] = await itemsOf('PLIVO_NONCE#');
    expect(nonce?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 6 * 24 * 3600);
  });

  it('refuses the very same request replayed (same nonce) with 401, and stores nothing', async () => {
    const before = await scanTable(table);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(original.headers)) if (typeof value === 'string' && (name.startsWith('x-plivo') || name === 'content-type')) headers[name] = value;
    const replay = await post(headers, original.body);
    expect(replay.status).toBe(401);
    expect(replay.json.error).toMatch(/nonce was already used/);
    expect(await scanTable(table)).toEqual(before);
    expect(hooked).toHaveLength(1);
  });

  it('refuses a bad signature, a missing header, a tampered body, and a signature made for the Host the handler sees, with 401 and nothing stored', async () => {
    const before = await scanTable(table);
    const params = { api_id: randomUUID(), status_code: '201', response: '{"status":"fulfilled","numbers":[]}' };
    const good = signed(params);

    const wrongToken = signed(params, { token: 'not-the-token' });
    expect((await post(wrongToken.headers, wrongToken.body)).json.error).toBe('the signature does not match this request');

    const garbage = { ...good.headers, 'X-Plivo-Signature-V3': 'bm90IGEgc2lnbmF0dXJl' };
    expect((await post(garbage, good.body)).status).toBe(401);

    const { 'X-Plivo-Signature-V3': _dropped, ...noSignature } = good.headers;
    const unsigned = await post(noSignature, good.body);
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.error).toMatch(/^unsigned: /);
    const { 'X-Plivo-Signature-V3-Nonce': _nonce, ...noNonce } = good.headers;
    expect((await post(noNonce, good.body)).status).toBe(401);
    expect((await post({ 'content-type': 'application/x-www-form-urlencoded' }, good.body)).status).toBe(401);

    const tampered = good.body.replace(params.api_id, randomUUID());
    expect((await post(good.headers, tampered)).status).toBe(401);
    const extraQuery = await post(good.headers, good.body, '?order=other');
    expect(extraQuery.status).toBe(401);

    const forGateway = signed(params, { url: `${gateway.url}/webhooks/plivo` });
    expect((await post(forGateway.headers, forGateway.body)).status).toBe(401);

    expect(await scanTable(table)).toEqual(before);
    expect(hooked).toHaveLength(1);
    expect(logger.text()).not.toContain(sandbox.authToken);
    expect(logger.text()).not.toContain(good.headers['X-Plivo-Signature-V3']);
  });

  it('is idempotent by api_id: a freshly signed repeat answers 200 "duplicate" and changes nothing about the callback', async () => {
    const before = await findPlivoCallback({ db: table.db, tableName: table.tableName }, apiId);
    const params = Object.fromEntries(new URLSearchParams(original.body));
    const repeat = signed({ ...params, status_code: '500', response: '{"error":"other"}', api_id: apiId });
    const answer = await post(repeat.headers, repeat.body);
    expect(answer).toEqual({ status: 200, json: { status: 'duplicate', apiId } });
    expect(await findPlivoCallback({ db: table.db, tableName: table.tableName }, apiId)).toEqual(before);
    expect(await itemsOf('PLIVO_CALLBACK#')).toHaveLength(1);
    expect(hooked).toHaveLength(1);
  });

  it("accepts a subaccount's callback signed with the main account's token (-Ma-V3), and a callback URL with a query", async () => {
    const params = { api_id: randomUUID(), status_code: '201', response: '{"status":"pending","message":"created"}' };
    const ma = signed(params, { token: MAIN_ACCOUNT_TOKEN, header: 'X-Plivo-Signature-Ma-V3' });
    expect(await post(ma.headers, ma.body)).toEqual({ status: 200, json: { status: 'accepted', apiId: params.api_id } });

    const withQuery = { ...params, api_id: randomUUID() };
    const q = signed(withQuery, { url: `${publicUrl}?order=42&line=3` });
    expect((await post(q.headers, q.body, '?line=3&order=42')).status).toBe(200);
    expect(await findPlivoCallback({ db: table.db, tableName: table.tableName }, withQuery.api_id)).toMatchObject({ statusCode: 201 });
  });

  it('answers 415 to a signed body that is not a form, and 422 naming the field to a signed form that is not a callback, storing nothing', async () => {
    const before = await scanTable(table);
    const json = signed({});
    expect((await post({ ...json.headers, 'content-type': 'application/json' }, '{"api_id":"x"}')).status).toBe(415);
    const noResponse = signed({ api_id: randomUUID(), status_code: '201' });
    const missing = await post(noResponse.headers, noResponse.body);
    expect(missing.status).toBe(422);
    expect(missing.json.error).toBe('response: is required (once)');
    const notJson = signed({ api_id: randomUUID(), response: 'not json' });
    expect((await post(notJson.headers, notJson.body)).json.error).toBe('response: must be JSON');
    expect(await scanTable(table)).toEqual(before);
  });

  it('keeps a signed 10DLC link status per campaign and number (the latest wins), refuses a replay, and names the field of a bad one', async () => {
    const link = (status: string, extra: Record<string, string> = {}) =>
      signed({ event_type: 'number_linking', campaign_id: 'CUOGHIN', number: '15125550100', status, tendlc_registration_status: status === 'success' ? 'COMPLETED' : 'FAILED', ...extra });
    const first = link('failed');
    const answer = await post(first.headers, first.body);
    expect(answer).toEqual({ status: 200, json: { status: 'accepted', campaignId: 'CUOGHIN', number: '15125550100', linkStatus: 'FAILED' } });
    expect((await post(first.headers, first.body)).status).toBe(401);
    const later = link('success');
    expect((await post(later.headers, later.body)).json).toMatchObject({ linkStatus: 'COMPLETED' });
    const stored = await itemsOf('CAMPAIGN_LINK#');
    expect(stored).toEqual([expect.objectContaining({ campaignId: 'CUOGHIN', number: '15125550100', status: 'COMPLETED' })]);

    const before = await scanTable(table);
    for (const [params, error] of [
      [{ event_type: 'number_linking', number: '15125550100', status: 'success' }, 'campaign_id: is required (once): a 10DLC campaign id'],
      [{ event_type: 'number_linking', campaign_id: 'CUOGHIN', number: 'x', status: 'success' }, 'number: is required (once): a phone number in E.164 format'],
      [{ event_type: 'number_linking', campaign_id: 'CUOGHIN', number: '15125550100', status: 'maybe' }, 'status: must be success or failed (or tendlc_registration_status COMPLETED or FAILED)'],
    ] as const) {
      const bad = signed(params);
      const refused = await post(bad.headers, bad.body);
      expect(refused.status).toBe(422);
      expect(refused.json.error).toBe(error);
    }
    const unsigned = link('success');
    expect((await post({ ...unsigned.headers, 'X-Plivo-Signature-V3': 'forged' }, unsigned.body)).status).toBe(401);
    expect(await scanTable(table)).toEqual(before);
  });

  it('checks a signature that does not match once more against a refreshed token (rotated at Plivo), then at most every 30 s', async () => {
    let reads = 0;
    const credentials = readCredentials(async () => {
      reads += 1;
      return { authId: sandbox.authId, authToken: reads === 1 ? 'token-before-rotation' : 'token-after-rotation' };
    });
    const deps = { db: table.db, tableName: table.tableName, credentials, publicUrl };
    const request = (token: string) => {
      const { headers, body } = signed({ api_id: randomUUID(), response: '{}' }, { token });
      return { headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])), query: {}, body };
    };
    expect((await receivePlivoCallback(deps, request('token-after-rotation'))).kind).toBe('accepted');
    expect(reads).toBe(2);
    expect((await receivePlivoCallback(deps, request('forged'))).kind).toBe('unauthorized');
    expect((await receivePlivoCallback(deps, request('forged'))).kind).toBe('unauthorized');
    expect(reads).toBe(2);
  });

  it("answers 4xx, never 500, to form keys, query names and header names that are Object.prototype members", async () => {
    const before = await scanTable(table);
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const unsigned = await post({ 'content-type': 'application/x-www-form-urlencoded' }, `${key}=1&api_id=x`);
      expect([key, unsigned.status]).toEqual([key, 401]);
      const form = signed({ [key]: '1', api_id: randomUUID() });
      const answer = await post(form.headers, form.body);
      expect([key, answer.status < 500, answer.json]).toEqual([key, true, answer.json]);
      const query = await post(form.headers, form.body, `?${key}=1`);
      expect(['query', key, query.status, query.json]).toEqual(['query', key, query.status < 500 ? query.status : 'not 5xx', query.json]);
      const header = await post({ ...form.headers, [key === '__proto__' ? 'x-proto' : key]: 'x' }, form.body);
      expect(['header', key, header.status, header.json]).toEqual(['header', key, header.status < 500 ? header.status : 'not 5xx', header.json]);
    }
    expect(await scanTable(table)).toEqual(before);
  });
});
