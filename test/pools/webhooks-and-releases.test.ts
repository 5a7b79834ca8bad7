/**
 * Pool rebalancing, the parts that talk back and give back, through the whole local stack:
 * `pool.rebalanced` and `pool.surplus` webhooks (signed, checked with the `standardwebhooks`
 * verifier), per-number release records, a release cut off between Plivo and DynamoDB, an answer
 * lost after Plivo released, and two runs releasing the same surplus at once.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { runRebalance } from '../../functions/lib/pools/run.js';
import { createStores } from '../../functions/lib/store/stores.js';
import { deliverDue, webhookRuntime } from '../../functions/lib/webhooks/index.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { startReceiver, type Receiver } from '../webhooks/support.js';
import { until } from '../support/until.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

let stack: LocalStack;
let plivo: PlivoClient;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...sharedDynamoDb(), reconcileIntervalSeconds: 0, retryPauseMs: 50, seed: 88, allowLocalCallbacks: true });
  plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

function sandbox() {
  if (!stack.sandbox) throw new Error('needs the in-process sandbox');
  return stack.sandbox;
}

async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface Run {
  runId: string;
  rules: { decision: string; quantity: number; inPool: number; released?: { number: string; outcome: string }[]; note?: string }[];
  orderId?: string;
  orderCreated?: boolean;
  notes: string[];
  webhooks?: { type: string; deliveryId: string }[];
}
interface PoolEventBody {
  type: string;
  data: { poolUuid: string; runId: string; orderId?: string; rules: { decision: string; quantity: number; released?: string[]; surplus?: number }[] };
}

const rule = (min: number, target: number, max: number) => ({ countryIso: 'US', numberType: 'local', prefix: '512', min, target, max });
const rebalance = (poolUuid: string, dryRun = false) => call<Run>('POST', `/pools/${poolUuid}/rebalance`, { dryRun });
const members = (poolUuid: string) => sandbox().snapshot().pools[poolUuid]?.members.map((m) => m.number) ?? [];
const inAccount = () => new Set(sandbox().snapshot().numbers.map((n) => n.number));

async function newPool(name: string, fillWith = 0): Promise<string> {
  const poolUuid = poolUuidOf(await plivo.createPowerpack({ name }));
  if (fillWith > 0) {
    const placed = await call<{ orderId: string; executionArn: string }>('POST', '/orders', { poolUuid, lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: fillWith }] });
    expect(placed.status).toBe(202);
    await stack.stepFunctions.waitForExecution(placed.body.executionArn);
  }
  return poolUuid;
}

/** Every pool number renews today: inside any release window. */
function renewToday(poolUuid: string): void {
  const today = new Date().toISOString().slice(0, 10);
  for (const number of members(poolUuid)) sandbox().setRenewalDate(number, today);
}

/** The pool events the receiver got for this pool, verified. */
function poolEvents(poolUuid: string): PoolEventBody[] {
  const verifier = new Webhook(stack.webhookSecret);
  return receiver.requests
    .filter((r) => r.body.includes(poolUuid))
    .map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as PoolEventBody);
}

/**
 * Rebalance dependencies whose process dies ("Lambda timed out") at the first DynamoDB put that
 * `dies` picks; everything else goes to the stack's table. `store` is the one that dies.
 */
function dyingOn(dies: (put: PutCommand['input']) => boolean) {
  const store = createStores(
    {
      send: (command: unknown) =>
        command instanceof PutCommand && dies(command.input) ? Promise.reject(new Error('Lambda timed out')) : stack.store.db.send(command as PutCommand),
    } as unknown as DynamoDBDocumentClient,
    stack.store.tableName,
  );
  const sfn = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return { store, plivo, sfn, stateMachineArn: stack.stateMachineArn, staleRunMs: 0 };
}

describe('pool webhooks', () => {
  it('pool.rebalanced when a run orders, signed; none for a dry run or for a second run of the window', async () => {
    const poolUuid = await newPool('hooks-deficit');
    expect((await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(2, 4, 8)], callbackUrl: receiver.url })).status).toBe(200);

    const dry = await rebalance(poolUuid, true);
    expect(dry.body.webhooks).toBeUndefined();

    const run = await rebalance(poolUuid);
    expect(run.body.rules[0]).toMatchObject({ decision: 'order', quantity: 4 });
    expect(run.body.webhooks?.map((w) => w.type)).toEqual(['pool.rebalanced']);
    await until('pool event 1 to arrive', () => poolEvents(poolUuid).length === 1, Boolean, { timeoutMs: 15_000, intervalMs: 50 });
    const [event] = poolEvents(poolUuid);
    expect(event).toMatchObject({ type: 'pool.rebalanced', data: { poolUuid, runId: run.body.runId, orderId: run.body.orderId, rules: [{ decision: 'order', quantity: 4 }] } });

    // The same window's order already exists: nothing new ordered, nothing announced.
    const again = await rebalance(poolUuid);
    expect(again.body.webhooks).toBeUndefined();

    const listed = await call<{ deliveries: { deliveryId: string; type: string; status: string }[] }>('GET', `/pools/${poolUuid}/webhooks`);
    expect(listed.body.deliveries).toEqual([expect.objectContaining({ type: 'pool.rebalanced', status: 'DELIVERED', deliveryId: run.body.webhooks?.[0]?.deliveryId })]);
    const retried = await call<{ outcome: string }>('POST', `/pools/${poolUuid}/webhooks/${run.body.webhooks?.[0]?.deliveryId ?? ''}/retry`);
    expect(retried).toMatchObject({ status: 202, body: { outcome: 'delivered' } });
    await until('pool event 2 to arrive', () => poolEvents(poolUuid).length === 2, Boolean, { timeoutMs: 15_000, intervalMs: 50 });
    expect(new Set(receiver.requests.filter((r) => r.body.includes(poolUuid)).map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect((await call('POST', `/pools/${poolUuid}/webhooks/msg_nosuchdelivery/retry`)).status).toBe(404);

    const order = await stack.store.orders.get(run.body.orderId ?? '');
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  }, 60_000);

  it('pool.surplus once per window when the surplus is only reported; pool.rebalanced with the released numbers', async () => {
    const poolUuid = await newPool('hooks-surplus', 6);
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 3, 4)], callbackUrl: receiver.url });
    const first = await rebalance(poolUuid);
    expect(first.body.rules[0]).toMatchObject({ decision: 'report-surplus', quantity: 3 });
    expect(first.body.webhooks?.map((w) => w.type)).toEqual(['pool.surplus']);
    const second = await rebalance(poolUuid);
    expect(second.body.webhooks?.map((w) => w.deliveryId)).toEqual(first.body.webhooks?.map((w) => w.deliveryId));
    await until('pool event 1 to arrive', () => poolEvents(poolUuid).length === 1, Boolean, { timeoutMs: 15_000, intervalMs: 50 });
    expect(poolEvents(poolUuid)[0]).toMatchObject({ type: 'pool.surplus', data: { rules: [{ decision: 'report-surplus', surplus: 2 }] } });

    renewToday(poolUuid);
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 3, 4)], callbackUrl: receiver.url, releaseSurplus: true });
    const released = await rebalance(poolUuid);
    expect(released.body.rules[0]).toMatchObject({ decision: 'release', quantity: 3 });
    expect(released.body.webhooks?.map((w) => w.type)).toEqual(['pool.rebalanced']);
    await until('pool event 2 to arrive', () => poolEvents(poolUuid).length === 2, Boolean, { timeoutMs: 15_000, intervalMs: 50 });
    const event = poolEvents(poolUuid).find((e) => e.type === 'pool.rebalanced');
    const numbers = released.body.rules[0]?.released?.map((r) => r.number).sort();
    expect(event?.data.rules[0]?.released?.sort()).toEqual(numbers);
  }, 60_000);

  it('a run cut off after ordering, before its record and webhook: the next run finishes it and pool.rebalanced goes out once', async () => {
    const poolUuid = await newPool('hooks-crash');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(2, 3, 6)], callbackUrl: receiver.url });
    // The process dies as it writes the finished record: the order is placed, nothing announced.
    const deps = dyingOn((put) => (put.Item?.record as { state?: string } | undefined)?.state === 'finished');
    await expect(runRebalance(deps, poolUuid)).rejects.toThrow('Lambda timed out');
    const [cut] = (await call<{ runs: (Run & { state: string })[] }>('GET', `/pools/${poolUuid}/runs`)).body.runs;
    expect(cut?.state).toBe('running');
    expect(cut?.orderId).toBeUndefined();

    // The next run (the schedule, a minute later) finds it, reads its order back and announces it.
    const next = await runRebalance({ ...deps, store: stack.store }, poolUuid);
    expect(next.notes).toContain(`finished run ${cut?.runId ?? ''}, which was cut off`);
    const finished = (await call<Run & { state: string }>('GET', `/pools/${poolUuid}/runs/${cut?.runId ?? ''}`)).body;
    expect(finished).toMatchObject({ state: 'interrupted', orderCreated: true });
    expect(finished.orderId).toBeDefined();
    expect(finished.webhooks?.map((w) => w.type)).toEqual(['pool.rebalanced']);
    // The order counted in transit: the next run ordered nothing and says nothing more.
    expect(next.orderId).toBeUndefined();
    await until('pool event 1 to arrive', () => poolEvents(poolUuid).length === 1, Boolean, { timeoutMs: 15_000, intervalMs: 50 });
    expect(poolEvents(poolUuid)[0]).toMatchObject({ type: 'pool.rebalanced', data: { runId: cut?.runId, orderId: finished.orderId } });
    const again = await runRebalance({ ...deps, store: stack.store }, poolUuid);
    expect(again.notes.some((n) => n.includes('cut off'))).toBe(false);
    // A pass of the dispatcher over the pool's deliveries: the second run recorded nothing to send.
    expect(await deliverDue(webhookRuntime().deps, { poolUuid })).toMatchObject({ attempted: 0 });
    expect(poolEvents(poolUuid)).toHaveLength(1);
    const order = await stack.store.orders.get(finished.orderId ?? '');
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  }, 60_000);

  it('a run cut off between its finished record and its webhook: the next run records the webhook', async () => {
    const poolUuid = await newPool('hooks-crash-late');
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 2, 6)], callbackUrl: receiver.url });
    const deps = dyingOn((put) => String(put.Item?.sk ?? '').startsWith('WEBHOOK#'));
    await expect(runRebalance(deps, poolUuid)).rejects.toThrow('Lambda timed out');
    const [cut] = (await call<{ runs: (Run & { state: string })[] }>('GET', `/pools/${poolUuid}/runs`)).body.runs;
    expect(cut).toMatchObject({ state: 'finished' });
    expect(cut?.webhooks).toBeUndefined();
    const next = await runRebalance({ ...deps, store: stack.store }, poolUuid);
    expect(next.notes).toContain(`finished run ${cut?.runId ?? ''}, which was cut off`);
    const finished = (await call<Run & { state: string }>('GET', `/pools/${poolUuid}/runs/${cut?.runId ?? ''}`)).body;
    expect(finished).toMatchObject({ state: 'finished', orderId: cut?.orderId });
    expect(finished.webhooks?.map((w) => w.type)).toEqual(['pool.rebalanced']);
    await until('pool event 1 to arrive', () => poolEvents(poolUuid).length === 1, Boolean, { timeoutMs: 15_000, intervalMs: 50 });
    expect(poolEvents(poolUuid)[0]).toMatchObject({ type: 'pool.rebalanced', data: { runId: cut?.runId } });
    const order = await stack.store.orders.get(cut?.orderId ?? '');
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  }, 60_000);

  it('refuses a policy whose callbackUrl points at a private network', async () => {
    const answer = await call<{ error: string }>('PUT', '/pools/some-pool/policy', { rules: [rule(1, 2, 3)], callbackUrl: 'http://169.254.169.254/latest/meta-data/' });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatch(/callbackUrl/);
  });
});

describe('releases', () => {
  it('records each released number; a release cut off before its record is settled from the account by the next run', async () => {
    const poolUuid = await newPool('release-records', 8);
    renewToday(poolUuid);
    const releases = stack.store.pools.releases;
    // A run that died between its intent and Plivo's answer: one number really gone, one not.
    const [gone, kept] = members(poolUuid);
    await plivo.removeFromPool(poolUuid, gone ?? '', { unrent: true });
    for (const number of [gone, kept]) await releases.begin({ poolUuid, runId: '0000000000000-deadbeef', number: number ?? '', renewalDate: '2026-01-01', startedAt: new Date().toISOString() });
    expect(await releases.unfinished(poolUuid)).toHaveLength(2);

    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 4, 5)], releaseSurplus: true });
    const run = await rebalance(poolUuid);
    expect(run.body.notes).toContain('settled 2 release(s) a cut-off run left open');
    const settled = await releases.forRun(poolUuid, '0000000000000-deadbeef');
    expect(Object.fromEntries(settled.map((r) => [r.number, r.status]))).toEqual({ [gone ?? '']: 'RELEASED', [kept ?? '']: 'FAILED' });
    expect(await releases.unfinished(poolUuid)).toHaveLength(0);

    // 7 left in the pool, target 4: 3 released, each with its own record.
    expect(run.body.rules[0]).toMatchObject({ inPool: 7, decision: 'release', quantity: 3 });
    const records = await releases.forRun(poolUuid, run.body.runId);
    expect(records.map((r) => r.status)).toEqual(['RELEASED', 'RELEASED', 'RELEASED']);
    const account = inAccount();
    expect(records.every((r) => !account.has(r.number))).toBe(true);
    expect(members(poolUuid)).toHaveLength(4);
  }, 60_000);

  it('every run settles open releases first, even one with no surplus; Plivo\'s answer overrides a FAILED a settle wrote', async () => {
    const poolUuid = await newPool('settle-always', 3);
    const releases = stack.store.pools.releases;
    const [gone] = members(poolUuid);
    await plivo.removeFromPool(poolUuid, gone ?? '', { unrent: true });
    await releases.begin({ poolUuid, runId: '0000000000001-cafecafe', number: gone ?? '', renewalDate: '2026-01-01', startedAt: new Date().toISOString() });
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 2, 5)] });
    const run = await rebalance(poolUuid);
    expect(run.body.rules[0]).toMatchObject({ inPool: 2, decision: 'ok' });
    expect(run.body.notes).toContain('settled 1 release(s) a cut-off run left open');
    expect((await releases.forRun(poolUuid, '0000000000001-cafecafe')).map((r) => r.status)).toEqual(['RELEASED']);

    // A record settled FAILED while Plivo was still answering: the run's RELEASED wins; a late FAILED never does.
    const ref = { poolUuid, runId: '0000000000002-cafecafe', number: '15125550000' };
    await releases.begin({ ...ref, renewalDate: '2026-01-01', startedAt: new Date().toISOString() });
    await releases.finish(ref, 'FAILED', 'settled: still rented');
    await releases.finish(ref, 'RELEASED');
    await releases.finish(ref, 'FAILED', 'late');
    expect((await releases.forRun(poolUuid, ref.runId)).map((r) => [r.status, r.error])).toEqual([['RELEASED', undefined]]);
    await call('DELETE', `/pools/${poolUuid}/policy`);
  }, 60_000);

  it('a release Plivo applied but answered 500 for is still recorded as released, nothing leaked or counted twice', async () => {
    const poolUuid = await newPool('release-lost-answer', 5);
    renewToday(poolUuid);
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 3, 4)], releaseSurplus: true });
    sandbox().setFaults([{ method: 'DELETE', path: 'NumberPool', status: 500, when: 'after', rate: 1 }]);
    const run = await rebalance(poolUuid).finally(() => sandbox().setFaults([]));
    expect(run.body.rules[0]).toMatchObject({ decision: 'release', quantity: 2 });
    const records = await stack.store.pools.releases.forRun(poolUuid, run.body.runId);
    expect(records.map((r) => r.status)).toEqual(['RELEASED', 'RELEASED']);
    expect(members(poolUuid)).toHaveLength(3);
  }, 60_000);

  it('reads renewal dates with one filtered account listing, not a call per pool number', async () => {
    const poolUuid = await newPool('release-cost', 12);
    // Only 4 of the 12 renew inside the window: a per-number check would read all 12.
    const today = new Date().toISOString().slice(0, 10);
    for (const number of members(poolUuid).slice(0, 4)) sandbox().setRenewalDate(number, today);
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(1, 6, 8)], releaseSurplus: true });
    const count = (route: string) => Object.values(sandbox().snapshot().requests.byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
    const before = { one: count('GET Number/{number}/'), list: count('GET Number/') };
    const run = await rebalance(poolUuid);
    expect(run.body.rules[0]).toMatchObject({ decision: 'release', quantity: 4 });
    expect(count('GET Number/{number}/') - before.one).toBe(0);
    expect(count('GET Number/') - before.list).toBeGreaterThanOrEqual(1);
    expect(members(poolUuid)).toHaveLength(8);
  }, 60_000);

  it('two runs at once release the surplus once: the pool ends at its target, not below', async () => {
    const poolUuid = await newPool('release-race', 9);
    renewToday(poolUuid);
    await call('PUT', `/pools/${poolUuid}/policy`, { rules: [rule(2, 5, 6)], releaseSurplus: true });
    const runs = await Promise.all([rebalance(poolUuid), rebalance(poolUuid)]);
    const released = runs.map((r) => r.body.rules[0]?.quantity ?? 0);
    expect(released.reduce((a, b) => a + b, 0)).toBe(4);
    expect(members(poolUuid)).toHaveLength(5);
  }, 60_000);
});
