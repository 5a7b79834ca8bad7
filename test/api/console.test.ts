/**
 * The console's routes through the local gateway: the page and its assets without an API key,
 * the page's security headers and cache headers; an order's timeline shaped from its execution
 * history (no input, output or task token gets through); the list of pools with a policy.
 */
import { ExecutionDoesNotExist, GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolPolicySchema } from '../../functions/lib/pools/policy.js';
import { CONSOLE_CSP } from '../../functions/orders-api/console-routes.js';
import { buildConsoleAssets } from '../../infra/console/bundle.js';
import { startApiHarness, stubStartExecution, type ApiHarness } from './support/harness.js';

let api: ApiHarness;
let bare: ApiHarness;
const assets = buildConsoleAssets();

beforeAll(async () => {
  [api, bare] = await Promise.all([startApiHarness({ console: assets }), startApiHarness()]);
});
afterAll(async () => {
  await Promise.all([api?.close(), bare?.close()]);
});

const assetPaths = (page: string) => [...page.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1] as string);

describe('GET /console', () => {
  it('answers the page without an API key, under a strict CSP, never cached, naming its script and style sheet', async () => {
    const page = await api.call('GET', '/console', { apiKey: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
    expect(CONSOLE_CSP).not.toContain('unsafe');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    // No inline script or style: every script has a src, no style attribute or element.
    expect(page.text.match(/<script\b[^>]*>/g)).toEqual([expect.stringMatching(/^<script type="module" src="\/console\/assets\/app\.[0-9a-f]{16}\.js">$/)]);
    expect(page.text).not.toMatch(/<style|style=/);
    expect(assetPaths(page.text)).toHaveLength(2);
  });

  it('serves the assets without a key, cached for a year under their content hash', async () => {
    const page = await api.call('GET', '/console', { apiKey: null });
    const [style, script] = assetPaths(page.text);
    const js = await api.call('GET', script as string, { apiKey: null });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(js.text).toBe(assets.script);
    const css = await api.call('GET', style as string, { apiKey: null });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.text).toBe(assets.style);
  });

  it('answers 404 for an asset of another build or no asset at all, and 422 for a query parameter', async () => {
    expect((await api.call('GET', '/console/assets/app.0000000000000000.js', { apiKey: null })).status).toBe(404);
    expect((await api.call('GET', '/console/assets/secrets.txt', { apiKey: null })).status).toBe(404);
    const query = await api.call('GET', '/console?debug=1', { apiKey: null });
    expect(query.status).toBe(422);
    expect(query.json).toMatchObject({ issues: [expect.objectContaining({ path: 'debug' })] });
  });

  it('answers 404, naming why, when the API was built without the console', async () => {
    const page = await bare.call('GET', '/console', { apiKey: null });
    expect(page.status).toBe(404);
    expect(page.json).toEqual({ error: 'the console is not part of this build of the API' });
  });
});

const at = (ms: number) => new Date(Date.UTC(2026, 11, 7, 4, 0, 0, ms));
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAbSecretTaskToken==';

describe('GET /orders/{orderId}/timeline', () => {
  async function placeOrder(): Promise<{ orderId: string; executionArn: string }> {
    stubStartExecution(api.sfnMock);
    const created = await api.call('POST', '/orders', { body: { poolUuid: 'pool-1', lines: [{ countryIso: 'US', numberType: 'local', quantity: 2 }] } });
    expect(created.status).toBe(202);
    return created.json as { orderId: string; executionArn: string };
  }

  it("gives the states with entered and exited times, a Map's iterations paired in order, and nothing of inputs, outputs or tokens", async () => {
    const { orderId, executionArn } = await placeOrder();
    const events: HistoryEvent[] = [
      { id: 1, timestamp: at(0), type: 'ExecutionStarted', executionStartedEventDetails: { input: JSON.stringify({ orderId }) } },
      { id: 2, timestamp: at(10), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Plan', input: '{"secret":1}' } },
      { id: 3, timestamp: at(30), type: 'TaskStateExited', stateExitedEventDetails: { name: 'Plan', output: '{}' } },
      { id: 4, timestamp: at(40), type: 'MapStateEntered', stateEnteredEventDetails: { name: 'Lines' } },
      { id: 5, timestamp: at(50), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'AwaitRegulatory', input: JSON.stringify({ taskToken: TOKEN }) } },
      { id: 6, timestamp: at(60), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'AwaitRegulatory' } },
      { id: 7, timestamp: at(65), type: 'TaskScheduled', taskScheduledEventDetails: { resource: 'invoke.waitForTaskToken', resourceType: 'lambda', region: 'us-east-1', parameters: JSON.stringify({ token: TOKEN }) } },
      { id: 8, timestamp: at(70), type: 'TaskStateExited', stateExitedEventDetails: { name: 'AwaitRegulatory' } },
      { id: 9, timestamp: at(90), type: 'TaskStateExited', stateExitedEventDetails: { name: 'AwaitRegulatory' } },
      { id: 10, timestamp: at(95), type: 'MapStateExited', stateExitedEventDetails: { name: 'Lines' } },
      { id: 11, timestamp: at(99), type: 'SucceedStateEntered', stateEnteredEventDetails: { name: 'Done' } },
      { id: 12, timestamp: at(100), type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: JSON.stringify({ taskToken: TOKEN }) } },
    ];
    api.sfnMock.on(GetExecutionHistoryCommand).resolves({ events });
    const timeline = await api.call('GET', `/orders/${orderId}/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.json).toEqual({
      orderId,
      executionArn,
      status: 'SUCCEEDED',
      startedAt: at(0).toISOString(),
      stoppedAt: at(100).toISOString(),
      truncated: false,
      states: [
        { name: 'Plan', type: 'Task', enteredAt: at(10).toISOString(), exitedAt: at(30).toISOString() },
        { name: 'Lines', type: 'Map', enteredAt: at(40).toISOString(), exitedAt: at(95).toISOString() },
        { name: 'AwaitRegulatory', type: 'Task', enteredAt: at(50).toISOString(), exitedAt: at(70).toISOString() },
        { name: 'AwaitRegulatory', type: 'Task', enteredAt: at(60).toISOString(), exitedAt: at(90).toISOString() },
        { name: 'Done', type: 'Succeed', enteredAt: at(99).toISOString() },
      ],
    });
    expect(timeline.text).not.toContain(TOKEN);
    expect(timeline.text).not.toContain('secret');
    const asked = api.sfnMock.commandCalls(GetExecutionHistoryCommand).at(-1)?.args[0].input;
    expect(asked).toMatchObject({ executionArn, includeExecutionData: false });
  });

  it('reads the history page by page, and says RUNNING while the execution has not ended', async () => {
    const { orderId } = await placeOrder();
    api.sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [{ id: 1, timestamp: at(0), type: 'ExecutionStarted' }, { id: 2, timestamp: at(5), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Plan' } }], nextToken: 'page-2' })
      .resolvesOnce({ events: [{ id: 3, timestamp: at(9), type: 'TaskStateExited', stateExitedEventDetails: { name: 'Plan' } }, { id: 4, timestamp: at(10), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Rent' } }] });
    const timeline = await api.call('GET', `/orders/${orderId}/timeline`);
    expect(timeline.json).toMatchObject({
      status: 'RUNNING',
      truncated: false,
      states: [
        { name: 'Plan', enteredAt: at(5).toISOString(), exitedAt: at(9).toISOString() },
        { name: 'Rent', enteredAt: at(10).toISOString() },
      ],
    });
    expect((timeline.json as { states: object[] }).states[1]).not.toHaveProperty('exitedAt');
    expect(api.sfnMock.commandCalls(GetExecutionHistoryCommand).at(-1)?.args[0].input).toMatchObject({ nextToken: 'page-2' });
  });

  it('answers 404 for an unknown order, and for an execution Step Functions no longer knows', async () => {
    const missing = await api.call('GET', '/orders/0b6c3c52-8a39-4d0e-9b7a-2f1f3d0c6e11/timeline');
    expect(missing.status).toBe(404);
    const { orderId } = await placeOrder();
    api.sfnMock.on(GetExecutionHistoryCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    const gone = await api.call('GET', `/orders/${orderId}/timeline`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ error: expect.stringContaining('no longer known to Step Functions') });
  });

  it('refuses query parameters (422) and a malformed order id (404)', async () => {
    const { orderId } = await placeOrder();
    expect((await api.call('GET', `/orders/${orderId}/timeline?verbose=1`)).status).toBe(422);
    expect((await api.call('GET', '/orders/not-an-id/timeline')).status).toBe(404);
  });
});

describe('GET /pools', () => {
  it('lists every pool with a policy, by uuid, with its version and rule count; a deleted policy is left out', async () => {
    const policy = (rules: number) =>
      poolPolicySchema.parse({ rules: Array.from({ length: rules }, (_, i) => ({ countryIso: 'US', numberType: 'local', prefix: String(500 + i), min: 1, target: 2, max: 3 })) });
    await api.store.pools.policies.put('pool-b', policy(2));
    await api.store.pools.policies.put('pool-a', policy(1));
    await api.store.pools.policies.put('pool-c', policy(1));
    await api.store.pools.policies.delete('pool-c');
    const list = await api.call('GET', '/pools');
    expect(list.status).toBe(200);
    expect(list.json).toEqual({
      pools: [
        { poolUuid: 'pool-a', policyVersion: 1, updatedAt: expect.any(String), rules: 1 },
        { poolUuid: 'pool-b', policyVersion: 1, updatedAt: expect.any(String), rules: 2 },
      ],
    });
    expect((await api.call('GET', '/pools', { apiKey: null })).status).toBe(401);
    expect((await api.call('GET', '/pools?limit=5')).status).toBe(422);
  });
});
