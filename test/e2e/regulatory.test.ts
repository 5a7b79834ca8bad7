/**
 * Lines that wait on address regulations, and cancel, through the whole local stack: the real
 * state machine parks on task tokens, the reconciler runs on its interval, the sandbox delivers
 * pending numbers when approved.
 */
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../functions/lib/workflow/deps.js';
import { OrderTerminalError } from '../../functions/lib/errors.js';
import { cancelOrder } from '../../functions/lib/workflow/cancel.js';
import type { RegulatoryDeps } from '../../functions/lib/workflow/regulatory.js';
import { resolveLine } from '../../functions/lib/workflow/regulatory.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { until } from '../support/until.js';

let e2e: E2eStack;
let stack: LocalStack;
let poolUuid: string;
let deps: RegulatoryDeps;
const RECONCILE_SECONDS = 1;
/** How these tests poll the store. */
const WAIT = { timeoutMs: 30_000, intervalMs: 100 };

beforeAll(async () => {
  e2e = await startE2eStack('regulatory', {
    seed: 9,
    concurrency: 4,
    reconcileIntervalSeconds: RECONCILE_SECONDS,
    // About Plivo's pending-order answer: kept under any sandbox variant.
    sandboxBehaviour: { pendingShape: 'order' },
  });
  ({ stack, poolUuid } = e2e);
  const sfn = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  deps = { store: stack.store, plivo: e2e.plivo, sfn, logger: silentLogger };
}, 120_000);
afterAll(async () => {
  deps?.sfn.destroy();
  await e2e?.close();
});
beforeEach(() => sandbox().setFaults([]));

const sandbox = () => e2e.sandbox;
const place = (order: Record<string, unknown>) => e2e.place(order);

/** Numbers of this order still in the account (rented and not given back). */
async function stillRented(orderId: string): Promise<string[]> {
  const inAccount = new Set(sandbox().snapshot().numbers.map((n) => n.number));
  return (await stack.store.numbers.list(orderId, undefined)).map((n) => n.number).filter((n) => inAccount.has(n));
}

describe('lines pending under address regulations', () => {
  it('waits as PENDING_REGULATORY, then completes with all 8 numbers once the regulator approves', async () => {
    const { orderId, executionArn } = await place({
      lines: [
        { countryIso: 'FR', numberType: 'local', quantity: 3 },
        { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 5 },
      ],
    });
    await until('the order to be PENDING_REGULATORY', () => stack.store.orders.get(orderId), (o) => o.status === 'PENDING_REGULATORY', WAIT);
    const lines = await until(
      'the FR line to hold its token, the US line to be verified',
      () => stack.store.lines.list(orderId),
      (ls) => ls[0]?.taskToken !== undefined && ls[1]?.verified === 5,
      WAIT,
    );
    expect(lines[0]?.status).toBe('PENDING_REGULATORY');
    // The US line's branch ends a moment after its numbers are recorded verified (its step gives
    // back its work slot, then the Map iteration succeeds).
    await until(
      "the US line's branch to end",
      async () => (await deps.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [],
      (events) => events.some((event) => event.type === 'MapIterationSucceeded'),
      WAIT,
    );
    // The execution is parked, not polling: its history stays small while it waits, however
    // many times the reconciler looks (two runs here, each finished before the next starts).
    const waitingHistory = stack.stepFunctions.stats(executionArn).historyEvents;
    await stack.reconciler.runOnce();
    await stack.reconciler.runOnce();
    expect(stack.stepFunctions.stats(executionArn).historyEvents - waitingHistory).toBeLessThan(5);
    expect(stack.stepFunctions.waitingTaskTokens(executionArn)).toBe(1);

    const approvedAt = Date.now();
    const delivered = sandbox().approvePending();
    expect(Object.values(delivered).flat()).toHaveLength(3);
    const view = await stack.stepFunctions.waitForExecution(executionArn);
    const elapsed = (Date.now() - approvedAt) / 1000;
    expect(view.status).toBe('SUCCEEDED');
    const order = await stack.store.orders.get(orderId);
    expect(order.status).toBe('COMPLETED');
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers.filter((n) => n.status === 'VERIFIED')).toHaveLength(8);
    const members = new Set(sandbox().snapshot().pools[poolUuid]?.members.map((m) => m.number));
    expect(numbers.every((n) => members.has(n.number))).toBe(true);
    // Reported, not asserted as a timing: two reconcile intervals plus assign and verify.
    console.info(`regulatory order completed ${elapsed.toFixed(1)} s after approval (reconcile interval ${RECONCILE_SECONDS} s)`);
  });

  it('a waiting line holds no place in the order: with 10 lines waiting, the 11th is rented, pooled and verified', async () => {
    const waiting = Array.from({ length: 10 }, (_, i) => ({ countryIso: i % 2 === 0 ? 'FR' : 'DE', numberType: 'local', quantity: 1 }));
    const { orderId } = await place({ lines: [...waiting, { countryIso: 'US', numberType: 'local', prefix: '212', quantity: 1 }] });
    const lines = await until(
      'the 10 regulated lines to wait and the US line to be verified',
      () => stack.store.lines.list(orderId),
      (ls) => ls.slice(0, 10).every((l) => l.taskToken !== undefined) && ls[10]?.verified === 1,
      WAIT,
    );
    expect(lines.slice(0, 10).map((l) => l.status)).toEqual(waiting.map(() => 'PENDING_REGULATORY'));
    await cancelOrder(deps, orderId);
    sandbox().rejectPending();
  }, 40_000);

  it('past the deadline, the waiting line fails and the order ends PARTIAL with nothing leaked', async () => {
    const { orderId, executionArn } = await place({
      regulatoryDeadlineDays: 3 / 86_400,
      lines: [
        { countryIso: 'DE', numberType: 'local', quantity: 2 },
        { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 2 },
      ],
    });
    await stack.stepFunctions.waitForExecution(executionArn);
    const order = await stack.store.orders.get(orderId);
    expect(order.status).toBe('PARTIAL');
    const lines = await stack.store.lines.list(orderId);
    expect(lines.map((l) => l.status)).toEqual(['FAILED', 'COMPLETED']);
    expect(lines[0]?.errors.map((e) => e.name)).toContain('RegulatoryDeadlinePassed');
    sandbox().rejectPending();
  });

  it('past the deadline, an all-or-nothing order rolls back: zero numbers left rented', async () => {
    const { orderId, executionArn } = await place({
      partialAllowed: false,
      regulatoryDeadlineDays: 3 / 86_400,
      lines: [
        { countryIso: 'FR', numberType: 'local', quantity: 1 },
        { countryIso: 'US', numberType: 'local', prefix: '213', quantity: 3 },
      ],
    });
    await stack.stepFunctions.waitForExecution(executionArn);
    expect((await stack.store.orders.get(orderId)).status).toBe('ROLLED_BACK');
    expect(await stillRented(orderId)).toEqual([]);
    sandbox().rejectPending();
  });

  it('ops resolve a waiting line with numbers the account holds, or reject it', async () => {
    const first = await place({ lines: [{ countryIso: 'FR', numberType: 'local', quantity: 2 }] });
    await until('the FR line to hold its token', () => stack.store.lines.get(first.orderId, 0), (l) => l.taskToken !== undefined, WAIT);
    // The regulator delivered to the account; ops point the line at those numbers by hand
    // (the reconciler is held so that it does not find them first).
    stack.reconciler.pause();
    await stack.reconciler.runOnce();
    const delivered = Object.values(sandbox().approvePending()).flat();
    const result = await resolveLine(deps, first.orderId, 0, { numbers: delivered.slice(0, 2) });
    stack.reconciler.resume();
    expect(result).toMatchObject({ claimed: delivered.slice(0, 2), resumed: true });
    await stack.stepFunctions.waitForExecution(first.executionArn);
    expect((await stack.store.orders.get(first.orderId)).status).toBe('COMPLETED');

    const second = await place({ lines: [{ countryIso: 'DE', numberType: 'local', quantity: 1 }] });
    await until('the DE line to hold its token', () => stack.store.lines.get(second.orderId, 0), (l) => l.taskToken !== undefined, WAIT);
    const rejection = await resolveLine(deps, second.orderId, 0, { outcome: 'rejected', reason: 'address proof refused' });
    expect(rejection.rejected).toBe(true);
    await stack.stepFunctions.waitForExecution(second.executionArn);
    const line = await stack.store.lines.get(second.orderId, 0);
    expect(line.status).toBe('FAILED');
    expect(line.errors.map((e) => e.message)).toContain('address proof refused');
    sandbox().rejectPending();
  });
});

describe('cancel', () => {
  it('cancels during assignment: the order ends CANCELLED with zero numbers left rented', async () => {
    sandbox().setFaults([{ method: 'POST', path: 'NumberPool', latencyMs: 40 }]);
    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'US', numberType: 'local', prefix: '305', quantity: 120 }] });
    await until('the first numbers to be assigned', () => stack.store.lines.get(orderId, 0), (l) => l.assigned > 0, { ...WAIT, timeoutMs: 60_000 });
    await cancelOrder(deps, orderId);
    await stack.stepFunctions.waitForExecution(executionArn);
    sandbox().setFaults([]);
    expect((await stack.store.orders.get(orderId)).status).toBe('CANCELLED');
    expect(await stillRented(orderId)).toEqual([]);
    const members = new Set(sandbox().snapshot().pools[poolUuid]?.members.map((m) => m.number));
    expect((await stack.store.numbers.list(orderId, undefined)).filter((n) => members.has(n.number))).toEqual([]);
  });

  it('cancels an order waiting on regulations, and refuses to cancel an order that has ended', async () => {
    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'FR', numberType: 'local', quantity: 1 }] });
    await until('the FR line to hold its token', () => stack.store.lines.get(orderId, 0), (l) => l.taskToken !== undefined, WAIT);
    await cancelOrder(deps, orderId);
    await stack.stepFunctions.waitForExecution(executionArn);
    expect((await stack.store.orders.get(orderId)).status).toBe('CANCELLED');
    await expect(cancelOrder(deps, orderId)).rejects.toBeInstanceOf(OrderTerminalError);
    sandbox().rejectPending();
  });
});
