/**
 * Pool rebalancing through the whole local stack: policies over HTTP, runs that order the deficit
 * through the order workflow, surplus reported or left alone, the cost guard, dry runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SFNClient } from '@aws-sdk/client-sfn';
import { orderRequestSchema } from '../../functions/lib/orders/model.js';
import { splitIntoOrders } from '../../functions/lib/pools/ordering.js';
import { poolPolicySchema } from '../../functions/lib/pools/policy.js';
import { METRIC } from '../../functions/lib/metrics.js';
import { rebalanceAll } from '../../functions/lib/pools/run.js';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { until } from '../support/until.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

let stack: LocalStack;
let plivo: PlivoClient;

beforeAll(async () => {
  stack = await startLocalStack({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...sharedDynamoDb(), reconcileIntervalSeconds: 0, retryPauseMs: 50, seed: 8, sandboxBehaviour: { tendlcLinkDelayMs: 200 } });
  plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

function sandbox() {
  if (!stack.sandbox) throw new Error('needs the in-process sandbox');
  return stack.sandbox;
}

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey, ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface RuleOutcome {
  inPool: number;
  inTransit: number;
  decision: string;
  quantity: number;
  wanted?: number;
  estimatedMonthly?: string;
  orderId?: string;
}
interface Run {
  runId: string;
  dryRun: boolean;
  rules: RuleOutcome[];
  orderId?: string;
  orderCreated?: boolean;
  notes: string[];
}

async function newPool(name: string): Promise<string> {
  return poolUuidOf(await plivo.createPowerpack({ name }));
}

/** Fills a pool through a normal order, and waits for it. */
async function fill(poolUuid: string, quantity: number, prefix = '512'): Promise<void> {
  const placed = await call<{ orderId: string; executionArn: string }>('POST', '/orders', {
    poolUuid,
    lines: [{ countryIso: 'US', numberType: 'local', prefix, quantity }],
  });
  expect(placed.status).toBe(202);
  await stack.stepFunctions.waitForExecution(placed.body.executionArn);
  expect((await stack.store.orders.get(placed.body.orderId)).status).toBe('COMPLETED');
}

const members = (poolUuid: string) => sandbox().snapshot().pools[poolUuid]?.members.length ?? 0;
const rule = (min: number, target: number, max: number) => ({ countryIso: 'US', numberType: 'local', prefix: '512', min, target, max });
const rebalance = (poolUuid: string, dryRun = false) => call<Run>('POST', `/pools/${poolUuid}/rebalance`, { dryRun });

describe('policies', () => {
  it.each([
    ['min above max', { rules: [rule(20, 10, 5)] }, 'rules.0.min'],
    ['overlapping rules', { rules: [rule(1, 2, 3), rule(2, 3, 4)] }, 'rules.1'],
    ['an unknown country', { rules: [{ ...rule(1, 2, 3), countryIso: 'ZZ' }] }, 'rules.0.countryIso'],
    ['a negative number', { rules: [rule(-1, 2, 3)] }, 'rules.0.min'],
    ['a 10DLC campaign on a Canadian rule', { rules: [{ ...rule(1, 2, 3), countryIso: 'CA', prefix: undefined, campaignId: 'CUOGHIN' }] }, 'rules.0.campaignId'],
    ['more than 100 rules', { rules: Array.from({ length: 101 }, (_, i) => ({ ...rule(1, 2, 3), prefix: String(100 + i) })) }, 'rules'],
  ])('refuses %s naming the field', async (_name, policy, field) => {
    const answer = await call('PUT', '/pools/pool-bad/policy', policy);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(JSON.stringify(answer.body)).toContain(field);
  });

  it('stores a version; If-Match of an older one gets 412; DELETE stops rebalancing', async () => {
    const pool = await newPool('versions');
    const first = await call<{ version: number }>('PUT', `/pools/${pool}/policy`, { rules: [rule(1, 2, 3)] });
    expect(first.status).toBe(200);
    const second = await call<{ version: number }>('PUT', `/pools/${pool}/policy`, { rules: [rule(1, 2, 4)] }, { 'if-match': `"${first.body.version}"` });
    expect(second.body.version).toBe(first.body.version + 1);
    const stale = await call('PUT', `/pools/${pool}/policy`, { rules: [rule(1, 2, 5)] }, { 'if-match': `"${first.body.version}"` });
    expect(stale.status).toBe(412);
    expect((await call<{ policy: { rules: { max: number }[] } }>('GET', `/pools/${pool}/policy`)).body.policy.rules[0]?.max).toBe(4);
    expect((await call('DELETE', `/pools/${pool}/policy`)).status).toBe(200);
    expect((await call('GET', `/pools/${pool}/policy`)).status).toBe(404);
    expect((await rebalance(pool)).status).toBe(404);
    expect((await call('DELETE', `/pools/${pool}/policy`)).status).toBe(404);
    // A policy set again continues the version count.
    const again = await call<{ version: number }>('PUT', `/pools/${pool}/policy`, { rules: [rule(1, 2, 3)] });
    expect(again.body.version).toBe(second.body.version + 1);
    await call('DELETE', `/pools/${pool}/policy`);
  });
});

describe('deficit', () => {
  it('orders 7 for a pool of 3 (min 5 / target 10), nothing while in flight, and the pool ends with 10', async () => {
    const poolUuid = await newPool('deficit');
    await fill(poolUuid, 3);
    expect((await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(5, 10, 15)] })).status).toBe(200);

    const first = await rebalance(poolUuid);
    expect(first.status).toBe(200);
    expect(first.body.rules[0]).toMatchObject({ inPool: 3, inTransit: 0, decision: 'order', quantity: 7 });
    expect(first.body.orderId).toBeDefined();
    const order = await stack.store.orders.get(first.body.orderId ?? '');
    expect(order.requested).toBe(7);
    expect(order.request.reference).toBe(`rebalance:${first.body.runId}`);

    const second = await rebalance(poolUuid);
    expect(second.body.rules[0]?.decision, JSON.stringify(second.body)).toBe('ok');
    // In flight, the 7 count as in transit; if the order already ended, they are in the pool.
    expect((second.body.rules[0]?.inPool ?? 0) + (second.body.rules[0]?.inTransit ?? 0)).toBe(10);
    expect(second.body.orderId).toBeUndefined();

    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
    expect(members(poolUuid)).toBe(10);
    const third = await rebalance(poolUuid);
    expect(third.body.rules[0]).toMatchObject({ inPool: 10, inTransit: 0, decision: 'ok', quantity: 0 });
    // Ended orders leave the pool's active list once a run has seen them ended.
    expect(await stack.store.orders.activeInPool(poolUuid)).toEqual([]);

    const runs = await call<{ runs: Run[] }>('GET', `/pools/${poolUuid}/runs`);
    expect(runs.body.runs.map((r) => r.runId)).toEqual([third.body.runId, second.body.runId, first.body.runId]);
    const one = await call<Run>('GET', `/pools/${poolUuid}/runs/${first.body.runId}`);
    expect(one.body.rules[0]).toMatchObject({ decision: 'order', quantity: 7, orderId: first.body.orderId });
  }, 60_000);

  it('a rule with a 10DLC campaign orders stock that arrives linked to it', async () => {
    const campaign = await fetch(`${sandbox().url}/__sandbox/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId: 'CPOOLS', usecase: 'MIXED' }),
    });
    expect(campaign.status).toBe(201);
    const poolUuid = await newPool('campaign-stock');
    expect((await call('PUT', `/pools/${poolUuid}/policy`, { rules: [{ ...rule(2, 3, 4), campaignId: 'CPOOLS' }] })).status).toBe(200);
    const run = await rebalance(poolUuid);
    expect(run.body.rules[0]).toMatchObject({ decision: 'order', quantity: 3 });
    const order = await stack.store.orders.get(run.body.orderId ?? '');
    expect((await stack.store.lines.list(order.orderId)).map((line) => line.spec)).toEqual([
      expect.objectContaining({ countryIso: 'US', prefix: '512', quantity: 3, campaignId: 'CPOOLS' }),
    ]);
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
    expect((await stack.store.orders.get(order.orderId)).status).toBe('COMPLETED');
    const numbers = await stack.store.numbers.list(order.orderId, 0, ['VERIFIED']);
    expect(numbers).toHaveLength(3);
    for (const { number } of numbers) expect(await plivo.getAccountNumber(number)).toMatchObject({ tendlc_campaign_id: 'CPOOLS', tendlc_registration_status: 'COMPLETED' });
  }, 60_000);

  it('two simultaneous rebalance requests create one order between them', async () => {
    const poolUuid = await newPool('simultaneous');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(2, 4, 6)] });
    const runs = await Promise.all([rebalance(poolUuid), rebalance(poolUuid)]);
    // The later run either hits the window's idempotency key (same order) or already counts the
    // first order in transit (orders nothing): one order either way.
    const orderIds = new Set(runs.map((r) => r.body.orderId).filter((id) => id !== undefined));
    expect(orderIds.size).toBe(1);
    expect(runs.map((r) => r.body.orderCreated).filter(Boolean)).toHaveLength(1);
    const order = await stack.store.orders.get([...orderIds][0] ?? '');
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
    expect(members(poolUuid)).toBe(4);
  }, 60_000);

  it('a dry run records the plan and changes nothing in the sandbox', async () => {
    const poolUuid = await newPool('dry');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(2, 4, 6)] });
    const before = sandbox().snapshot();
    const run = await rebalance(poolUuid, true);
    const after = sandbox().snapshot();
    expect(run.body).toMatchObject({ dryRun: true, rules: [{ decision: 'order', quantity: 4 }] });
    expect(run.body.orderId).toBeUndefined();
    expect(after.numbers).toEqual(before.numbers);
    expect(after.pools).toEqual(before.pools);
    expect((await call<Run>('GET', `/pools/${poolUuid}/runs/${run.body.runId}`)).body.dryRun).toBe(true);
    // GET /pools/{uuid} shows the same plan, and records nothing.
    const state = await call<Run>('GET', `/pools/${poolUuid}`);
    expect(state.body.rules[0]).toMatchObject({ decision: 'order', quantity: 4 });
    expect((await call<{ runs: Run[] }>('GET', `/pools/${poolUuid}/runs`)).body.runs).toHaveLength(1);
  });

  it('maxMonthlyIncrease below the cost: the run is capped and orders what fits', async () => {
    const poolUuid = await newPool('capped');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(5, 10, 15)], maxMonthlyIncrease: '0.00' });
    const nothing = await rebalance(poolUuid, true);
    expect(nothing.body.rules[0]).toMatchObject({ decision: 'capped', quantity: 0, wanted: 10 });
    expect(nothing.body.notes.join(' ')).toContain('maxMonthlyIncrease');

    const groups = await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local', prefix: '512', services: 'sms' });
    const rate = Math.min(...groups.objects.filter((g) => g.stock > 0).map((g) => Number(g.rental_rate)));
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(5, 10, 15)], maxMonthlyIncrease: (rate * 3.5).toFixed(5) });
    const some = await rebalance(poolUuid);
    expect(some.body.rules[0]).toMatchObject({ decision: 'capped', quantity: 3, wanted: 10 });
    const order = await stack.store.orders.get(some.body.orderId ?? '');
    expect(order.requested).toBe(3);
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  }, 60_000);
});

describe('in transit', () => {
  it('numbers of a line pending under address regulations (FR) count as in transit: no second order', async () => {
    const poolUuid = await newPool('regulatory');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [{ countryIso: 'FR', numberType: 'local', min: 2, target: 3, max: 5 }] });
    const first = await rebalance(poolUuid);
    expect(first.body.rules[0]).toMatchObject({ inPool: 0, inTransit: 0, decision: 'order', quantity: 3 });
    const orderId = first.body.orderId ?? '';
    await until('the FR order to wait on regulations', () => stack.store.orders.get(orderId), (o) => o.status === 'PENDING_REGULATORY', { timeoutMs: 20_000, intervalMs: 100 });
    const second = await rebalance(poolUuid);
    expect(second.body.rules[0]).toMatchObject({ inPool: 0, inTransit: 3, decision: 'ok' });
    expect(second.body.orderId).toBeUndefined();
    await call('DELETE', `/pools/${poolUuid}/policy`);
  }, 30_000);
});

describe('more deficit rules than one order holds', () => {
  it('splits by the order limits, deterministically: 40 lines or 100,000 numbers an order', () => {
    const sizes = (quantities: number[]) => splitIntoOrders(quantities.map((quantity) => ({ quantity }))).map((chunk) => chunk.length);
    expect(sizes(Array.from({ length: 100 }, () => 1))).toEqual([40, 40, 20]);
    expect(sizes(Array.from({ length: 11 }, () => 10_000))).toEqual([10, 1]);
    expect(sizes([])).toEqual([]);
  });

  it('a policy of 41 short rules places two orders (40 + 1 lines), each once per window', async () => {
    const poolUuid = await newPool('forty-one');
    const prefixes = ['512', '415', '213', '312'].flatMap((code) => Array.from({ length: 10 }, (_, d) => `${code}${d}`)).concat('617');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: prefixes.map((prefix) => ({ ...rule(1, 1, 2), prefix })) });
    const run = await rebalance(poolUuid);
    expect(run.status).toBe(200);
    const orderIds = (run.body as Run & { orderIds?: string[] }).orderIds ?? [];
    expect(orderIds).toHaveLength(2);
    const orders = await Promise.all(orderIds.map((id) => stack.store.orders.get(id)));
    expect(orders.map((o) => o.lineCount)).toEqual([40, 1]);
    // The same window again: the same two orders, nothing new.
    const again = await rebalance(poolUuid);
    expect(again.body.orderCreated ?? false).toBe(false);
    for (const order of orders) await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
    await call('DELETE', `/pools/${poolUuid}/policy`);
  }, 90_000);
});

describe('in transit, numbers already in the pool', () => {
  it('a working line whose numbers are assigned but not yet verified counts them once, in the pool', async () => {
    const poolUuid = await newPool('assigned-not-verified');
    // An order caught between AssignToPool and Verify: 3 requested, 2 rented, claimed and in the pool.
    const orderId = `assigning-${poolUuid}`;
    await stack.store.orders.create({ orderId, request: orderRequestSchema.parse({ poolUuid, lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 3 }] }) });
    await stack.store.orders.setStatus(orderId, 'IN_PROGRESS');
    const group = (await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local', prefix: '512', services: 'sms', limit: 1 })).objects[0];
    const rented = await plivo.rentFromGroup(group?.group_id ?? '', { quantity: 2 });
    const numbers = rented.status === 'fulfilled' ? rented.rented : [];
    await stack.store.numbers.claim(orderId, 0, group?.group_id ?? '', numbers);
    for (const number of numbers) await plivo.addToPool(poolUuid, number, { service: 'sms' });

    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(5, 6, 10)] });
    const preview = await call<Run>('GET', `/pools/${poolUuid}`);
    expect(preview.body.rules[0]).toMatchObject({ inPool: 2, inTransit: 1, decision: 'order', quantity: 3 });
    await call('DELETE', `/pools/${poolUuid}/policy`);
  }, 30_000);
});

describe('surplus', () => {
  it('a pool of 15 over max 12: reported when releaseSurplus is false; untouched outside the renewal window, 5 released inside it', async () => {
    const poolUuid = await newPool('surplus');
    await fill(poolUuid, 15);
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(5, 10, 12)], releaseSurplus: false });
    const reported = await rebalance(poolUuid);
    expect(reported.body.rules[0]).toMatchObject({ inPool: 15, decision: 'report-surplus', quantity: 5 });
    expect(members(poolUuid)).toBe(15);

    // Numbers just rented renew in a month: outside a 3-day window, none is released.
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(5, 10, 12)], releaseSurplus: true, releaseWithinDaysOfRenewal: 3 });
    const outside = await rebalance(poolUuid);
    expect(outside.body.rules[0]).toMatchObject({ decision: 'release', quantity: 0 });
    expect(members(poolUuid)).toBe(15);

    // Inside the window: exactly 5 are removed from the pool and unrented.
    const today = new Date().toISOString().slice(0, 10);
    const before = sandbox().snapshot();
    const poolNumbers = before.pools[poolUuid]?.members.map((m) => m.number) ?? [];
    for (const number of poolNumbers) sandbox().setRenewalDate(number, today);
    const inside = await rebalance(poolUuid);
    expect(inside.body.rules[0]).toMatchObject({ decision: 'release', quantity: 5 });
    const released = (inside.body.rules[0] as RuleOutcome & { released: { number: string; outcome: string }[] }).released;
    expect(released.filter((r) => r.outcome === 'released')).toHaveLength(5);
    expect(members(poolUuid)).toBe(10);
    const account = new Set(sandbox().snapshot().numbers.map((n) => n.number));
    expect(released.every((r) => !account.has(r.number))).toBe(true);
    expect(account.size).toBe(before.numbers.length - 5);
    expect((await rebalance(poolUuid)).body.rules[0]).toMatchObject({ inPool: 10, decision: 'ok' });
  }, 60_000);
});

describe('the schedule', () => {
  it('starts no pool with less time left than its reserve: those are reported skipped, not failed', async () => {
    const poolUuid = await newPool('out-of-time');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 2, 3)] });
    const results = await rebalanceAll({ store: stack.store, plivo, sfn: new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), stateMachineArn: stack.stateMachineArn }, { remainingMs: () => 60_000 });
    expect(results.find((r) => r.poolUuid === poolUuid)).toEqual({ poolUuid, skipped: true });
    expect((await call<{ runs: Run[] }>('GET', `/pools/${poolUuid}/runs`)).body.runs).toHaveLength(0);
    await call('DELETE', `/pools/${poolUuid}/policy`);
  });

  it('runs every pool with a policy, each isolated: a failing pool does not stop the others', async () => {
    const poolUuid = await newPool('scheduled');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 2, 3)] });
    // A policy for a pool Plivo does not know is refused when it is stored…
    const refused = await call<{ error: string }>('PUT', '/pools/no-such-pool/policy', { rules: [rule(1, 2, 3)] });
    expect(refused.status).toBe(404);
    expect(refused.body.error).toMatch(/^poolUuid: /);
    // …and a pool deleted at Plivo after its policy was stored fails only its own run.
    await stack.store.pools.policies.put('no-such-pool', poolPolicySchema.parse({ rules: [rule(1, 2, 3)] }));
    const failedBefore = stack.metrics.total(METRIC.rebalanceFailedPools);
    const result = (await stack.rebalancer.runOnce()) as { results: { poolUuid: string; runId?: string; error?: string }[] };
    expect(result.results.find((r) => r.poolUuid === 'no-such-pool')?.error).toBeDefined();
    // Counted for the RebalanceFailed alarm: that pool only.
    expect(stack.metrics.total(METRIC.rebalanceFailedPools)).toBe(failedBefore + 1);
    const mine = result.results.find((r) => r.poolUuid === poolUuid);
    expect(mine?.runId).toBeDefined();
    const run = await call<Run & { trigger: string }>('GET', `/pools/${poolUuid}/runs/${mine?.runId ?? ''}`);
    expect(run.body).toMatchObject({ trigger: 'schedule', rules: [{ decision: 'order', quantity: 2 }] });
    const unknown = await call<{ error: string }>('GET', '/pools/no-such-pool');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/^poolUuid: /);
    await call('DELETE', '/pools/no-such-pool/policy');
    const order = await stack.store.orders.get(run.body.orderId ?? '');
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  }, 60_000);
});
