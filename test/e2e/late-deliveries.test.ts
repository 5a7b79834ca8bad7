/**
 * Numbers Plivo delivers late: a pending order (address regulations) approved after its line
 * stopped waiting, or approved for a rent whose answer was lost. Plivo charges for them the moment
 * they arrive, so each one must be claimed by the line that expected it and released (or used, when
 * the line still waits for it) on the reconciler's next pass — never left in the account unowned.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { stackWithSandboxVariant } from '../support/sandbox-variant.js';
import { until } from '../support/until.js';

let stack: LocalStack;
let poolUuid: string;
const WAIT = { timeoutMs: 30_000, intervalMs: 100 };

beforeAll(async () => {
  stack = await startLocalStack(stackWithSandboxVariant({
    apiPort: 0,
    sandboxPort: 0,
    sfnPort: 0,
    dynamodbPort: 0,
    seed: 33,
    retryPauseMs: 50,
    concurrency: 4,
    // The tests run the reconciler themselves, pass by pass.
    reconcileIntervalSeconds: 0,
    // About Plivo's pending-order answer: kept under any sandbox variant.
    sandboxBehaviour: { pendingShape: 'order' },
  }));
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'late-deliveries' }));
}, 120_000);
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => sandbox().setFaults([]));

function sandbox() {
  if (!stack.sandbox) throw new Error('needs the in-process sandbox');
  return stack.sandbox;
}

async function place(order: Record<string, unknown>): Promise<{ orderId: string; executionArn: string }> {
  const response = await fetch(`${stack.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    body: JSON.stringify({ poolUuid, ...order }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { orderId: string; executionArn: string };
}

/** Numbers in the account that no order owns. */
async function unowned(): Promise<string[]> {
  const inAccount = sandbox().snapshot().numbers.map((n) => n.number);
  const owned = new Set((await stack.store.numbers.owners(inAccount)).map((o) => o.number));
  return inAccount.filter((n) => !owned.has(n));
}

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
