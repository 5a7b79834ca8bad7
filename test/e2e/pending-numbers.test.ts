/**
 * Plivo's per-number pending answer (the sandbox's `--pending-shape number`, and Plivo's current
 * buy answer): a rent in a country with verification requirements is fulfilled, each number
 * "pending" — in the account and paid for, not active until Plivo approves the documents. The
 * numbers are ours from the rent on: owned at once, kept while the line waits, used on approval,
 * released at the deadline, and given up when Plivo withdraws them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { until } from '../support/until.js';

let e2e: E2eStack;
let stack: LocalStack;
const WAIT = { timeoutMs: 30_000, intervalMs: 100 };

beforeAll(async () => {
  e2e = await startE2eStack('pending-numbers', { seed: 21, concurrency: 4, reconcileIntervalSeconds: 1, sandboxBehaviour: { pendingShape: 'number', reissueUnrented: true, reclaimDays: 0 } });
  stack = e2e.stack;
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

const sandbox = () => e2e.sandbox;
const place = (order: Record<string, unknown>) => e2e.place(order);
const unowned = () => e2e.unowned();

describe('numbers rented "pending", one by one', () => {
  it('are owned from the rent on, wait inactive, and are pooled and verified once Plivo approves', async () => {
    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'FR', numberType: 'local', quantity: 3 }] });
    const line = await until('the FR line to hold its token', () => stack.store.lines.get(orderId, 0), (l) => l.taskToken !== undefined, WAIT);
    expect(line.status).toBe('PENDING_REGULATORY');
    const held = await stack.store.numbers.list(orderId, undefined);
    expect(held.map((n) => n.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect(sandbox().snapshot().numbers.filter((n) => n.pending).map((n) => n.number).sort()).toEqual(held.map((n) => n.number).sort());
    expect(await unowned()).toEqual([]);
    // Still inactive: passes of the reconciler leave the line waiting.
    await stack.reconciler.runOnce();
    expect((await stack.store.lines.get(orderId, 0)).status).toBe('PENDING_REGULATORY');

    sandbox().approvePending();
    await stack.stepFunctions.waitForExecution(executionArn);
    expect((await stack.store.orders.get(orderId)).status).toBe('COMPLETED');
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers.map((n) => n.status)).toEqual(['VERIFIED', 'VERIFIED', 'VERIFIED']);
    expect(numbers.map((n) => n.number).sort()).toEqual(held.map((n) => n.number).sort());
    expect(await unowned()).toEqual([]);
  });

  it('past the deadline, the waiting numbers are released: none left in the account', async () => {
    const { orderId, executionArn } = await place({ regulatoryDeadlineDays: 3 / 86_400, lines: [{ countryIso: 'DE', numberType: 'local', quantity: 2 }] });
    await stack.stepFunctions.waitForExecution(executionArn);
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers.map((n) => n.status)).toEqual(['RELEASED', 'RELEASED']);
    const inAccount = new Set(sandbox().snapshot().numbers.map((n) => n.number));
    expect(numbers.filter((n) => inAccount.has(n.number))).toEqual([]);
    expect((await stack.store.lines.get(orderId, 0)).errors.map((e) => e.name)).toContain('RegulatoryDeadlinePassed');
    expect(await unowned()).toEqual([]);
  });

  it('when Plivo withdraws them (documents refused), the line fails on the next pass and the order ends', async () => {
    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'FR', numberType: 'local', quantity: 2 }] });
    await until('the FR line to hold its token', () => stack.store.lines.get(orderId, 0), (l) => l.taskToken !== undefined, WAIT);
    sandbox().rejectPending();
    await stack.stepFunctions.waitForExecution(executionArn);
    expect((await stack.store.orders.get(orderId)).status).toBe('FAILED');
    const line = await stack.store.lines.get(orderId, 0);
    expect(line.errors.map((e) => e.name)).toContain('RegulatoryRejected');
    expect((await stack.store.numbers.list(orderId, undefined)).map((n) => n.status)).toEqual(['RELEASED', 'RELEASED']);
    expect(await unowned()).toEqual([]);
  });

  it('a number that left the account unseen and that Plivo hands to the next rent is owned by that rent', async () => {
    const first = await place({ lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 1 }] });
    await stack.stepFunctions.waitForExecution(first.executionArn);
    const [number = ''] = (await stack.store.numbers.list(first.orderId, undefined)).map((n) => n.number);
    // Unrented by hand, outside the system: its record still says VERIFIED. Plivo hands it out again first.
    await e2e.plivo.unrentNumber(number);
    const second = await place({ lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 1 }] });
    await stack.stepFunctions.waitForExecution(second.executionArn);
    expect((await stack.store.orders.get(second.orderId)).status).toBe('COMPLETED');
    expect((await stack.store.numbers.list(second.orderId, undefined)).map((n) => [n.number, n.status])).toEqual([[number, 'VERIFIED']]);
    expect((await stack.store.numbers.owners([number])).map((o) => o.orderId)).toEqual([second.orderId]);
    const stale = await stack.store.numbers.list(first.orderId, undefined);
    expect(stale.map((n) => [n.status, n.error])).toEqual([['RELEASED', expect.stringMatching(/rented it again/)]]);
    expect(await unowned()).toEqual([]);
  });
});
