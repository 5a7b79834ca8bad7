/**
 * The order workflow against a sandbox that behaves as Plivo may and our assumptions did not:
 * every local number listed as `fixed`, pool adds that show only later, unrented numbers handed
 * out again. The real state machine, DynamoDB Local and the sandbox over real HTTP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOrderMachine, type OrderMachine } from '../support/order-machine.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
let machine: OrderMachine;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 43, fixedShare: 1, reissueUnrented: true });
  machine = await startOrderMachine(env);
});
afterAll(async () => {
  await machine?.close();
  await env?.close();
});
beforeEach(() => env.sandbox.setFaults([]));

async function runOrder(orderId: string): Promise<string> {
  const { status, execution } = await machine.run(orderId);
  expect(execution.status, `${orderId}: ${execution.error ?? ''} ${execution.cause ?? ''}`).toBe('SUCCEEDED');
  return status;
}

/** No number in the account that no order owns: nothing rented, paid for and forgotten. */
async function expectNothingOrphaned(): Promise<void> {
  const inAccount = env.sandbox.snapshot().numbers.map((n) => n.number);
  const owners = new Set((await env.store.numbers.owners(inAccount)).map((o) => o.number));
  expect(inAccount.filter((n) => !owners.has(n))).toEqual([]);
}

describe('every local number listed as "fixed"', () => {
  it('the account lists them so', async () => {
    await env.createOrder('fx-list', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 3 }] });
    expect(await runOrder('fx-list')).toBe('COMPLETED');
    const numbers = await env.store.numbers.list('fx-list', undefined);
    for (const item of numbers) expect((await env.plivo.getAccountNumber(item.number)).number_type).toBe('fixed');
  });

  it('reconciles a rent whose answer was lost: the numbers are found, owned and used, none rented twice', async () => {
    await env.createOrder('fx-lost', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '617', quantity: 6 }] });
    const before = new Set(env.sandbox.snapshot().numbers.map((n) => n.number));
    env.sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup', status: 500, when: 'after', count: 1 }]);
    expect(await runOrder('fx-lost')).toBe('COMPLETED');
    expect(env.sandbox.faults()[0]?.fired).toBe(1);
    const added = env.sandbox.snapshot().numbers.filter((n) => !before.has(n.number));
    expect(added).toHaveLength(6);
    const verified = (await env.store.numbers.list('fx-lost', undefined)).filter((n) => n.status === 'VERIFIED');
    expect(verified.map((n) => n.number).sort()).toEqual(added.map((n) => n.number).sort());
    await expectNothingOrphaned();
  });
});

describe('pool adds that show in the pool only later', () => {
  it('completes when the pool list and find show each added number 1.5 s after the add', async () => {
    await env.createOrder('fx-late', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '415', quantity: 5 }] });
    env.sandbox.setFaults([{ method: 'POST', path: 'NumberPool', visibleAfterMs: 1_500 }]);
    expect(await runOrder('fx-late')).toBe('COMPLETED');
    const numbers = await env.store.numbers.list('fx-late', undefined);
    expect(numbers.map((n) => n.status)).toEqual(Array(5).fill('VERIFIED'));
    const members = new Set((env.sandbox.snapshot().pools[env.poolUuid]?.members ?? []).map((m) => m.number));
    for (const item of numbers) expect(members.has(item.number)).toBe(true);
    await expectNothingOrphaned();
  });
});

describe('unrented numbers handed out again', () => {
  it('a later order claims and uses the numbers an earlier order released: none left paid for and unowned', async () => {
    await env.createOrder('fx-first', { partialAllowed: false, lines: [{ countryIso: 'US', numberType: 'local', prefix: '646', quantity: 10 }] });
    // Every rent loses 90% of its numbers: the line cannot reach 10, the order rolls back and releases what it got.
    env.sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup', numberFailureRate: 0.9 }]);
    expect(await runOrder('fx-first')).toBe('ROLLED_BACK');
    env.sandbox.setFaults([]);
    const released = (await env.store.numbers.list('fx-first', undefined)).filter((n) => n.status === 'RELEASED').map((n) => n.number);
    expect(released.length).toBeGreaterThan(0);

    const quantity = released.length;
    await env.createOrder('fx-second', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '646', quantity }] });
    expect(await runOrder('fx-second')).toBe('COMPLETED');
    const second = await env.store.numbers.list('fx-second', undefined);
    // The sandbox hands the released numbers out first: the second order got exactly those.
    expect(second.map((n) => n.number).sort()).toEqual([...released].sort());
    expect(second.map((n) => n.status)).toEqual(Array(quantity).fill('VERIFIED'));
    const owners = await env.store.numbers.owners(released);
    expect(owners.map((o) => o.orderId)).toEqual(Array(quantity).fill('fx-second'));
    await expectNothingOrphaned();
  });
});
