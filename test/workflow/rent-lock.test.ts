/**
 * A Rent killed while it held its kind's rent lock (a Lambda timeout between its claim and its
 * release): its retry, finding nothing more to rent, gives the lock up, instead of every other
 * rent of that kind waiting a whole lease (60 s) for it to run out.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { budgetOf } from '../../functions/lib/workflow/deps.js';
import { kindKey, kindOfGroup } from '../../functions/lib/workflow/numbering.js';
import { planOrder } from '../../functions/lib/workflow/plan.js';
import { RENT_LOCK_LEASE_MS } from '../../functions/lib/workflow/rent-lock.js';
import { rentLine } from '../../functions/lib/workflow/rent.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 91 });
});
afterAll(() => env?.close());

it('a retried Rent with nothing left to rent gives up the lock its killed attempt kept', async () => {
  await env.createOrder('lock-left', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 2 }] });
  await planOrder(env.deps, 'lock-left', budgetOf(60_000));
  expect(await rentLine(env.deps, 'lock-left', 0, budgetOf(60_000))).toEqual({ more: false, next: 'assign' });
  const line = await env.store.lines.get('lock-left', 0);
  const kind = kindKey(kindOfGroup(line, line.plan[0]?.groupId ?? ''));
  // The attempt that died: it took the lock and never gave it back.
  expect(await env.store.rentLocks.acquire(kind, 'lock-left#0', RENT_LOCK_LEASE_MS)).toBeDefined();
  expect(await env.store.rentLocks.acquire(kind, 'other#0', RENT_LOCK_LEASE_MS)).toBeUndefined();

  expect(await rentLine(env.deps, 'lock-left', 0, budgetOf(60_000))).toEqual({ more: false, next: 'assign' });
  expect(await env.store.rentLocks.acquire(kind, 'other#0', RENT_LOCK_LEASE_MS)).toBeDefined();
});
