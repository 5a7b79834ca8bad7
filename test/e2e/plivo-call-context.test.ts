/**
 * Whom each Plivo call is made for, as the rate limiter sees it, through the whole local stack:
 * every call of an order's steps is customer work under its order id; the reconciler's and the
 * scheduled rebalance's calls are background work under their own keys (so that they take their
 * share of the rate limit and no more, and orders take turns).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { currentPlivoCallContext, type PlivoCallContext } from '../../functions/lib/plivo/call-context.js';
import { startE2eStack, type E2eStack } from '../support/e2e-stack.js';

let e2e: E2eStack;
let seen: (PlivoCallContext & { route: string })[] = [];

beforeAll(async () => {
  e2e = await startE2eStack('call-context', {
    seed: 41,
    reconcileIntervalSeconds: 0,
    rebalanceIntervalSeconds: 0,
    // Read in the caller's async context: the context the limiter took the call's token under.
    onPlivoAttempt: (attempt) => seen.push({ route: attempt.route, ...currentPlivoCallContext() }),
  });
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

/** The distinct contexts of the calls `act` made. */
async function contextsOf(act: () => Promise<unknown>): Promise<{ contexts: string[]; calls: number }> {
  seen = [];
  await act();
  return { contexts: [...new Set(seen.map((call) => `${call.priority}:${call.key}`))], calls: seen.length };
}

it('an order\'s calls are customer calls under its id; the reconciler\'s and the rebalance\'s are background calls under theirs', async () => {
  let orderId = '';
  const order = await contextsOf(async () => {
    const placed = await e2e.place({ lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 3 }] });
    orderId = placed.orderId;
    await e2e.stack.stepFunctions.waitForExecution(placed.executionArn);
  });
  expect((await e2e.stack.store.orders.get(orderId)).status).toBe('COMPLETED');
  expect(order.calls).toBeGreaterThan(0);
  expect(order.contexts).toEqual([`customer:${orderId}`]);

  // The local stack's reconciler reads the whole account on every run (orphan scan interval 0).
  const reconciler = await contextsOf(() => e2e.stack.reconciler.runOnce());
  expect(reconciler.calls).toBeGreaterThan(0);
  expect(reconciler.contexts).toEqual(['background:reconciler']);

  const policy = await fetch(`${e2e.stack.apiUrl}/pools/${e2e.poolUuid}/policy`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-api-key': e2e.stack.apiKey },
    body: JSON.stringify({ rules: [{ countryIso: 'US', numberType: 'local', prefix: '512', min: 1, target: 3, max: 5 }] }),
  });
  expect(policy.status).toBe(200);
  // The pool holds its target: the run only counts it (pool listings), and orders nothing.
  const rebalance = await contextsOf(() => e2e.stack.rebalancer.runOnce());
  expect(rebalance.calls).toBeGreaterThan(0);
  expect(rebalance.contexts).toEqual(['background:rebalance']);
}, 120_000);
