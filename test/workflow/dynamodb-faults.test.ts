/**
 * The order workflow with DynamoDB's own failures injected into the client every step uses
 * (functions/lib/dynamodb-faults.ts): transactions cancelled by conflicts (random ones, and writes
 * that really overlap on one item), throttles and timeouts. The real state machine on the local
 * Step Functions endpoint, DynamoDB Local and the Plivo sandbox over real HTTP.
 */
import { afterAll, beforeAll, afterEach, describe, expect, it } from 'vitest';
import { budgetOf } from '../../functions/lib/workflow/deps.js';
import { releaseNumbers } from '../../functions/lib/workflow/release.js';
import { startOrderMachine, type OrderMachine } from '../support/order-machine.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
let machine: OrderMachine;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 44 });
  machine = await startOrderMachine(env);
});
afterAll(async () => {
  await machine?.close();
  await env?.close();
});
afterEach(() => {
  env.faults.reset();
  env.sandbox.setFaults([]);
});

async function runOrder(orderId: string): Promise<string> {
  const { status, execution } = await machine.run(orderId);
  expect(execution.status, `${orderId}: ${execution.error ?? ''} ${execution.cause ?? ''}`).toBe('SUCCEEDED');
  return status;
}

/** Each line's counters against its number records (read with the faults off). */
async function expectCountersMatchRecords(orderId: string): Promise<void> {
  for (const line of await env.store.lines.list(orderId)) {
    const numbers = await env.store.numbers.list(orderId, line.line);
    const count = (status: string) => numbers.filter((n) => n.status === status).length;
    expect({ line: line.line, rented: line.rented, verified: line.verified, released: line.released, leaked: line.leaked ?? 0 }).toEqual({
      line: line.line,
      rented: numbers.length,
      verified: count('VERIFIED'),
      released: count('RELEASED'),
      leaked: count('LEAKED'),
    });
  }
}

describe('DynamoDB conflicts, throttles and timeouts under the workflow', () => {
  it('rolls back an all-or-nothing order of 30 with conflict=0.3,throttle=0.2: every number RELEASED, counters equal to the records', async () => {
    await env.createOrder('ddb-rollback', {
      partialAllowed: false,
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 18 },
        { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 12 },
      ],
    });
    const before = new Set(env.sandbox.snapshot().numbers.map((n) => n.number));
    // Two pool adds refused: the order falls short and, all-or-nothing, gives back all 30.
    env.sandbox.setFaults([{ method: 'POST', path: 'NumberPool', status: 400, count: 2 }]);
    env.faults.setRates({ conflict: 0.3, throttle: 0.2 });
    const status = await runOrder('ddb-rollback');
    const injected = { ...env.faults.injected, contended: env.faults.contended };
    env.faults.reset();
    expect(status).toBe('ROLLED_BACK');
    expect(injected.conflict).toBeGreaterThan(0);
    expect(injected.throttle).toBeGreaterThan(0);

    const numbers = await env.store.numbers.list('ddb-rollback', undefined);
    expect(numbers).toHaveLength(30);
    expect(numbers.filter((n) => n.status !== 'RELEASED')).toEqual([]);
    // Plivo agrees: none of them is in the account or the pool any more.
    const truth = env.sandbox.snapshot();
    expect(truth.numbers.filter((n) => !before.has(n.number))).toEqual([]);
    expect(truth.pools[env.poolUuid]?.members ?? []).toEqual([]);
    await expectCountersMatchRecords('ddb-rollback');
    expect(await env.store.numbers.owners(numbers.map((n) => n.number))).toEqual([]);
  });

  it('completes an order with conflict=0.05,throttle=0.05,timeout=0.01: every number VERIFIED once, counters equal to the records', async () => {
    await env.createOrder('ddb-complete', {
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '646', quantity: 20 },
        { countryIso: 'CA', numberType: 'local', quantity: 10 },
      ],
    });
    const before = new Set(env.sandbox.snapshot().numbers.map((n) => n.number));
    env.faults.setRates({ conflict: 0.05, throttle: 0.05, timeout: 0.01 });
    const status = await runOrder('ddb-complete');
    env.faults.reset();
    expect(status).toBe('COMPLETED');
    const numbers = await env.store.numbers.list('ddb-complete', undefined);
    expect(numbers.filter((n) => n.status === 'VERIFIED')).toHaveLength(30);
    const added = env.sandbox.snapshot().numbers.filter((n) => !before.has(n.number)).map((n) => n.number);
    expect(added.sort()).toEqual(numbers.map((n) => n.number).sort());
    await expectCountersMatchRecords('ddb-complete');
  });

  it('releases a line of 40 without two of its writes ever overlapping on the line (no real conflict to retry)', async () => {
    await env.createOrder('ddb-serial', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '303', quantity: 40 }] });
    expect(await runOrder('ddb-serial')).toBe('COMPLETED');
    // Conflicts on, with no random share to speak of: only writes that really overlap conflict.
    env.faults.setRates({ conflict: 1e-12 });
    const contendedBefore = env.faults.contended;
    await releaseNumbers({ ...env.deps, concurrency: 16 }, 'ddb-serial', 'all', budgetOf(60_000));
    const contended = env.faults.contended - contendedBefore;
    env.faults.reset();
    expect(contended).toBe(0);
    const numbers = await env.store.numbers.list('ddb-serial', 0);
    expect(numbers.filter((n) => n.status !== 'RELEASED')).toEqual([]);
    await expectCountersMatchRecords('ddb-serial');
  });
});
