/**
 * Numbers Plivo delivers late: a pending order (address regulations) approved after its line
 * stopped waiting, or approved for a rent whose answer was lost. Plivo charges for them the moment
 * they arrive, so each one must be claimed by the line that expected it and released (or used, when
 * the line still waits for it) on the reconciler's next pass — never left in the account unowned.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { until } from '../support/until.js';

let e2e: E2eStack;
let stack: LocalStack;
const WAIT = { timeoutMs: 30_000, intervalMs: 100 };

beforeAll(async () => {
  e2e = await startE2eStack('late-deliveries', {
    seed: 33,
    concurrency: 4,
    // The tests run the reconciler themselves, pass by pass.
    reconcileIntervalSeconds: 0,
    // About Plivo's pending-order answer: kept under any sandbox variant.
    sandboxBehaviour: { pendingShape: 'order' },
  });
  stack = e2e.stack;
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});
beforeEach(() => sandbox().setFaults([]));

const sandbox = () => e2e.sandbox;
const place = (order: Record<string, unknown>) => e2e.place(order);
const unowned = () => e2e.unowned();

async function cancel(orderId: string): Promise<void> {
  const response = await fetch(`${stack.apiUrl}/orders/${orderId}/cancel`, { method: 'POST', headers: { 'x-api-key': stack.apiKey } });
  expect(response.status).toBe(202);
}

describe('a pending order delivered after its line stopped waiting', () => {
  it('cancelled while waiting: the delivered numbers are claimed for the line and released on the next pass', async () => {
    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'FR', numberType: 'local', quantity: 2 }] });
    await until('the FR line to hold its token', () => stack.store.lines.get(orderId, 0), (l) => l.taskToken !== undefined, WAIT);
    await cancel(orderId);
    await stack.stepFunctions.waitForExecution(executionArn);
    expect((await stack.store.orders.get(orderId)).status).toBe('CANCELLED');

    const delivered = Object.values(sandbox().approvePending()).flat();
    expect(delivered).toHaveLength(2);
    await stack.reconciler.runOnce();
    expect(await unowned()).toEqual([]);
    const inAccount = new Set(sandbox().snapshot().numbers.map((n) => n.number));
    expect(delivered.filter((n) => inAccount.has(n))).toEqual([]);
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers.map((n) => [n.number, n.status]).sort()).toEqual([...delivered].sort().map((n) => [n, 'RELEASED']));
    // Nothing more is expected: another delivery of the same kind is not this order's.
    const report = await stack.reconciler.runOnce();
    expect(report).toMatchObject({ expectedDeliveries: 0 });
  });

  it('past the deadline: the same, and the line counts what it rented and released', async () => {
    const { orderId, executionArn } = await place({ regulatoryDeadlineDays: 2 / 86_400, lines: [{ countryIso: 'DE', numberType: 'local', quantity: 3 }] });
    // The reconciler ends the wait at the deadline (or the line finds it passed when it parks).
    await until(
      'the DE line to fail at its deadline',
      async () => {
        await stack.reconciler.runOnce();
        return stack.store.lines.get(orderId, 0);
      },
      (l) => l.status === 'FAILED',
      WAIT,
    );
    await stack.stepFunctions.waitForExecution(executionArn);
    expect((await stack.store.lines.get(orderId, 0)).status).toBe('FAILED');

    const delivered = Object.values(sandbox().approvePending()).flat();
    expect(delivered).toHaveLength(3);
    await stack.reconciler.runOnce();
    expect(await unowned()).toEqual([]);
    const line = await stack.store.lines.get(orderId, 0);
    expect(line).toMatchObject({ rented: 3, released: 3, verified: 0 });
  });
});

describe('a pending rent whose answer was lost', () => {
  it('the line rents again; both deliveries are claimed: the line completes with its quantity, the extra set is released', async () => {
    // Plivo has answered FR rents pending before (the first tests here, or any earlier order): a rent
    // there whose answer is lost may be a pending order.
    expect(await stack.store.expectations.isRegulated('FR', 'local')).toBe(true);
    // Plivo creates the pending order, then the answer is lost (a 500 after the work is done).
    sandbox().setFaults([{ method: 'POST', path: 'AvailableNumberGroup', status: 500, when: 'after', count: 1 }]);
    expect(sandbox().snapshot().pendingOrders).toEqual([]);
    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'FR', numberType: 'local', quantity: 2 }] });
    await until('the FR line to hold its token', () => stack.store.lines.get(orderId, 0), (l) => l.taskToken !== undefined, WAIT);
    expect(sandbox().snapshot().pendingOrders).toHaveLength(2);

    const delivered = Object.values(sandbox().approvePending()).flat();
    expect(delivered).toHaveLength(4);
    await stack.reconciler.runOnce();
    await stack.stepFunctions.waitForExecution(executionArn);
    expect((await stack.store.orders.get(orderId)).status).toBe('COMPLETED');
    expect(await unowned()).toEqual([]);
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers.map((n) => n.status).sort()).toEqual(['RELEASED', 'RELEASED', 'VERIFIED', 'VERIFIED']);
    const inAccount = new Set(sandbox().snapshot().numbers.map((n) => n.number));
    expect(numbers.filter((n) => inAccount.has(n.number)).map((n) => n.status)).toEqual(['VERIFIED', 'VERIFIED']);
  });
});

describe('a rent Plivo carries out after its client gave up', () => {
  it('answered 503 and found nowhere when reconciled, it is carried out a moment later: the next pass claims its numbers for the line and releases them', async () => {
    // The first rent of US 917 answers 503 at once and happens 1.5 s later: the line reconciles it
    // (nothing in the account yet: not applied), rents again and completes with 2 numbers.
    sandbox().setFaults([{ method: 'POST', path: 'AvailableNumberGroup', applyAfterMs: 1_500, count: 1 }]);
    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'US', numberType: 'local', prefix: '917', quantity: 2 }] });
    await stack.stepFunctions.waitForExecution(executionArn);
    expect((await stack.store.orders.get(orderId)).status).toBe('COMPLETED');
    const late = await until('the late rent to reach the account', unowned, (numbers) => numbers.length === 2, WAIT);

    await stack.reconciler.runOnce();
    await stack.reconciler.runOnce();
    expect(await unowned()).toEqual([]);
    const inAccount = new Set(sandbox().snapshot().numbers.map((n) => n.number));
    expect(late.filter((n) => inAccount.has(n))).toEqual([]);
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers.filter((n) => late.includes(n.number)).map((n) => n.status)).toEqual(['RELEASED', 'RELEASED']);
    expect(numbers.filter((n) => n.status === 'VERIFIED')).toHaveLength(2);
  }, 60_000);
});
