/**
 * The workflow against a sandbox that answers regulated rents Plivo's other documented way:
 * fulfilled, each number "pending" (in the account, inactive until approved). The numbers are
 * owned at once (PENDING: rented and paid for, not failed); the line waits as for a pending order
 * and never pools them early; approval activates them and the line goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilePending } from '../../functions/lib/workflow/regulatory.js';
import { startOrderMachine, type OrderMachine } from '../support/order-machine.js';
import { until } from '../support/until.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
let machine: OrderMachine;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 43, pendingShape: 'number' });
  machine = await startOrderMachine(env);
});
afterAll(async () => {
  await machine?.close();
  await env?.close();
});

describe('--pending-shape number', () => {
  it('waits PENDING_REGULATORY on pending numbers, then completes once they are active', async () => {
    await env.createOrder('wf-pending-number', {
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '786', quantity: 2 },
        { countryIso: 'FR', numberType: 'local', quantity: 2 },
      ],
    });
    const executionArn = await machine.start('wf-pending-number');
    const lines = await until('the FR line to wait on its token, the US line to be verified', () => env.store.lines.list('wf-pending-number'), (ls) =>
      ls[1]?.taskToken !== undefined && ls[0]?.verified === 2,
    );
    expect(lines[1]?.status).toBe('PENDING_REGULATORY');
    expect(lines[1]?.rented).toBe(2);
    expect(lines[1]?.errors).toEqual([]);
    expect(lines[1]?.pendingDetails).toMatch(/2 numbers in the account await verification/);
    const pending = env.sandbox.snapshot().pendingOrders.flatMap((order) => order.numbers);
    expect(pending).toHaveLength(2);
    const held = await env.store.numbers.list('wf-pending-number', 1);
    expect(held.map((n) => [n.number, n.status]).sort()).toEqual([...pending].sort().map((n) => [n, 'PENDING']));

    // While inactive, the reconciler leaves them waiting, and they are not orphans.
    const deps = { ...env.deps, sfn: machine.sfn };
    const before = await reconcilePending(deps);
    expect(before).toMatchObject({ claimed: 0, activated: 0, resumed: 0, orphanCount: 0 });

    env.sandbox.approvePending();
    const after = await reconcilePending(deps);
    expect(after).toMatchObject({ claimed: 0, activated: 2, resumed: 1 });
    expect((await machine.local.waitForExecution(executionArn)).status).toBe('SUCCEEDED');
    expect((await env.store.orders.get('wf-pending-number')).status).toBe('COMPLETED');
    const members = new Set(env.sandbox.snapshot().pools[env.poolUuid]?.members.map((m) => m.number));
    for (const number of pending) expect(members.has(number)).toBe(true);
  });
});
