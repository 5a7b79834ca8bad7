/**
 * A release killed between Plivo's unrent and its record is retried from the record, which still
 * names the number. Where Plivo hands released numbers out again at once, that number may by then
 * be another line's: the retry must not unrent it from that line. Real DynamoDB Local and the
 * sandbox over HTTP.
 *
 * KNOWN GAP, not closed yet (docs/design.md, "Known gap: a repeated unrent"): today the retry
 * unrents the number from the other line, so this test is marked `fails` — it passes while the gap
 * is there and fails once it is closed, when the mark must go. A first fix (each line and kind
 * released under the kind's rent lock, records read again under it) made this test pass and the
 * strict sandbox's US lines verify, but left 2 to 4 crash-matrix cells unended (their
 * RollbackUnrent waited behind other cells' rents of the same kind); it was taken out again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetOf } from '../../functions/lib/workflow/deps.js';
import { claimAnswered } from '../../functions/lib/workflow/claim-answered.js';
import { kindKey } from '../../functions/lib/workflow/numbering.js';
import { releaseNumbers } from '../../functions/lib/workflow/release.js';
import { RENT_LOCK_LEASE_MS } from '../../functions/lib/workflow/rent-lock.js';
import { inAccount, rentOutside } from '../support/rent-outside.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 83, reissueUnrented: true, reclaimDays: 0 });
});
afterAll(async () => {
  await env?.close();
});

const plan = (groupId: string) => [{ groupId, quantity: 1, prefix: '737', region: null, numberType: 'local' as const, setupRate: null, rentalRate: null }];

describe('a retried release', () => {
  it.fails('leaves a number Plivo has handed to another line since its unrent: it waits for that rent to claim it, then skips it', async () => {
    // Order A's line holds X, verified. Its rollback unrented X at Plivo and was killed before it
    // wrote the record.
    await env.createOrder('ru-a', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '737', quantity: 1 }] });
    const first = await rentOutside(env.deps.plivo, '737', 1);
    const [x] = first.numbers as [string];
    await env.store.lines.savePlan('ru-a', 0, plan(first.groupId), 'RENTING');
    await claimAnswered(env.deps, 'ru-a', 0, first.groupId, [x]);
    await env.store.numbers.transition('ru-a', 0, [x], 'RENTED', 'VERIFIED');
    await env.deps.plivo.unrentNumber(x);

    // Order B's rent of the same kind, under the kind's rent lock, is answered with X again.
    await env.createOrder('ru-b', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '737', quantity: 1 }] });
    const kind = kindKey({ countryIso: 'US', numberType: 'local', prefix: '737' });
    expect(await env.store.rentLocks.acquire(kind, 'ru-b#0', RENT_LOCK_LEASE_MS)).toBeDefined();
    const again = await rentOutside(env.deps.plivo, '737', 1);
    expect(again.numbers).toEqual([x]);

    // A's release runs again before B has claimed X: it must not give X back.
    const retried = await releaseNumbers(env.deps, 'ru-a', 'all', budgetOf(16_000));
    expect(retried.more).toBe(true);
    expect(await inAccount(env.deps.plivo, [x])).toHaveLength(1);

    // B claims X (taking it over from A's record) and lets the lock go; A's release then ends without X.
    await env.store.lines.savePlan('ru-b', 0, plan(again.groupId), 'RENTING');
    expect(await claimAnswered(env.deps, 'ru-b', 0, again.groupId, [x])).toEqual([x]);
    await env.store.rentLocks.releaseIfHeld(kind, 'ru-b#0');
    expect(await releaseNumbers(env.deps, 'ru-a', 'all', budgetOf(60_000))).toEqual({ more: false });
    expect(await inAccount(env.deps.plivo, [x])).toHaveLength(1);
    expect(await env.store.numbers.owners([x])).toMatchObject([{ orderId: 'ru-b', line: 0 }]);
    expect((await env.store.numbers.list('ru-a', 0)).map((n) => n.status)).toEqual(['RELEASED']);
  });
});
