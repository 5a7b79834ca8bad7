/**
 * A rebalance run's cost does not grow with the pool: each rule is counted with one listing of 1
 * (Plivo's `meta.total_count`), and numbers working lines hold are looked up ten per call. Counted
 * at the client, against DynamoDB Local and the Plivo sandbox over HTTP.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderRequestSchema } from '../../functions/lib/orders/model.js';
import { poolUuidOf } from '../../functions/lib/plivo/index.js';
import { poolPolicySchema } from '../../functions/lib/pools/policy.js';
import { runRebalance } from '../../functions/lib/pools/run.js';
import { addToPool, rentOutside } from '../support/rent-outside.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 21 });
});
afterAll(async () => {
  await env?.close();
});

const LIST_ROUTE = 'GET NumberPool/{uuid}/Number/';

/** Rents `quantity` numbers of a US prefix; adds them to the pool unless `add` is false. */
async function rent(poolUuid: string, prefix: string, quantity: number, add = true): Promise<string[]> {
  const { numbers } = await rentOutside(env.plivo, prefix, quantity);
  if (add) await addToPool(env.plivo, poolUuid, numbers);
  return numbers;
}

/** A preview run (counts and decisions, nothing placed): its rules and the pool listings it made. */
async function preview(poolUuid: string) {
  const deps = { store: env.store, plivo: env.plivo, sfn: new SFNClient({ region: 'us-east-1' }), stateMachineArn: 'unused-by-a-preview' };
  const before = env.calls.snapshot().byRoute[LIST_ROUTE] ?? 0;
  const run = await runRebalance(deps, poolUuid, { preview: true });
  return { rules: run.rules, listings: (env.calls.snapshot().byRoute[LIST_ROUTE] ?? 0) - before };
}

const rule = (prefix: string, min: number, target: number, max: number) => ({ countryIso: 'US', numberType: 'local', prefix, min, target, max });

describe('rebalance cost', () => {
  it('counts three rules over a pool of 400 with one listing each', async () => {
    const poolUuid = poolUuidOf(await env.plivo.createPowerpack({ name: 'rebalance-cost' }));
    await rent(poolUuid, '737', 300);
    await rent(poolUuid, '916', 100);
    await env.store.pools.policies.put(poolUuid, poolPolicySchema.parse({ rules: [rule('737', 10, 20, 400), rule('916', 10, 20, 50), rule('503', 1, 2, 3)] }));
    const { rules, listings } = await preview(poolUuid);
    expect(rules.map((r) => [r.inPool, r.inTransit, r.decision])).toEqual([
      [300, 0, 'ok'],
      [100, 0, 'report-surplus'],
      [0, 0, 'order'],
    ]);
    // Before: every page of each rule's listing, 15 + 5 + 1.
    expect(listings).toBe(3);
  });

  it('looks up a working line\'s rented numbers ten per call, counting those in the pool once', async () => {
    const poolUuid = poolUuidOf(await env.plivo.createPowerpack({ name: 'rebalance-transit' }));
    await rent(poolUuid, '737', 200);
    // An order caught in AssignToPool: 30 requested, 25 rented and recorded RENTED, 12 of them already added.
    const orderId = `transit-${poolUuid}`;
    await env.store.orders.create({ orderId, request: orderRequestSchema.parse({ poolUuid, lines: [{ countryIso: 'US', numberType: 'local', prefix: '737', quantity: 30 }] }) });
    await env.store.orders.setStatus(orderId, 'IN_PROGRESS');
    const numbers = await rent(poolUuid, '737', 25, false);
    await env.store.numbers.claim(orderId, 0, 'transit-group', numbers);
    for (const number of numbers.slice(0, 12)) await env.plivo.addToPool(poolUuid, number, { service: 'sms' });
    await env.store.pools.policies.put(poolUuid, poolPolicySchema.parse({ rules: [rule('737', 250, 260, 300)] }));
    const { rules, listings } = await preview(poolUuid);
    // In the pool 212; in transit 30 − 12 = 18: 230 < 250, so it orders up to 260.
    expect(rules.map((r) => [r.inPool, r.inTransit, r.decision, r.quantity])).toEqual([[212, 18, 'order', 30]]);
    // One count, three look-ups of 25 rented numbers.
    expect(listings).toBe(4);
  });
});
