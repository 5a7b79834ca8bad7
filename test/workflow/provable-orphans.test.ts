/**
 * The reconciler sorts unowned numbers: those our records prove we rented (here: a rent whose
 * outcome is still open — a crash between Plivo's answer and the claim) are provable orphans,
 * left for their own step to settle and alarmed when they outlive a pass; the rest are foreign,
 * reported and never touched.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRIC } from '../../functions/lib/metrics.js';
import { DeliveryClaims, openExpectations } from '../../functions/lib/workflow/deliveries.js';
import { kindKey } from '../../functions/lib/workflow/numbering.js';
import { RENT_LOCK_LEASE_MS } from '../../functions/lib/workflow/rent-lock.js';
import { reconcilePending } from '../../functions/lib/workflow/regulatory.js';
import { inAccount, rentOutside } from '../support/rent-outside.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

/** What a US local rent whose answer was lost expects (`uncertain`) for an hour from `agoMs` ago. */
function lostRent(orderId: string, prefix: string, quantity: number, agoMs = 1_000, seq = 0) {
  const since = new Date(Date.now() - agoMs);
  return {
    orderId,
    line: 0,
    seq,
    groupId: 'lost-answer',
    quantity,
    countryIso: 'US',
    numberType: 'local' as const,
    prefix,
    region: null,
    uncertain: true,
    since: since.toISOString(),
    expectedUntil: new Date(since.getTime() + 3_600_000).toISOString(),
  };
}

/** A Step Functions client no pass here reaches (no line is resumed): nothing listens on port 9. */
const unreachableSfn = () => new SFNClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

let env: WorkflowEnv;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 71 });
});
afterAll(async () => {
  await env?.close();
});

describe('provable orphans and foreign numbers', () => {
  it('numbers of an open rent are provable, left alone, and alarmed once they outlive a pass; others are foreign', async () => {
    await env.createOrder('po-1', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '737', quantity: 3 }] });
    // The rent happened at Plivo; the handler died before it claimed or closed its intent.
    const ours = await rentOutside(env.deps.plivo, '737', 3);
    await env.store.lines.savePlan('po-1', 0, [
      { groupId: ours.groupId, quantity: 3, prefix: '737', region: null, numberType: 'local', setupRate: null, rentalRate: null },
    ], 'RENTING');
    await env.store.intents.start('po-1', 0, ours.groupId, 3);
    const foreign = await rentOutside(env.deps.plivo, '213', 2);

    const errors: { message: string; fields: Record<string, unknown> }[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (message: string, fields: Record<string, unknown> = {}) => void errors.push({ message, fields }) };
    const sfn = unreachableSfn();
    const deps = { ...env.deps, logger, sfn };

    const first = await reconcilePending(deps);
    expect([...first.provableOrphans].sort()).toEqual([...ours.numbers].sort());
    expect([...first.orphans].sort()).toEqual([...foreign.numbers].sort());
    expect(first.provableSurvivors).toBe(0);
    expect(errors).toEqual([]);
    // Never touched: still in the account, unowned.
    expect(await env.store.numbers.owners(ours.numbers)).toEqual([]);

    const second = await reconcilePending(deps);
    expect(second.provableSurvivors).toBe(3);
    expect(errors.map((e) => e.message)).toEqual(['numbers we rented are still owned by nobody']);
    expect(errors[0]?.fields.survivors).toBe(3);
    // The alarms' gauges, every pass: 0 survivors, then 3; the foreign numbers each time.
    expect(env.metrics.values(METRIC.provableOrphans)).toEqual([0, 3]);
    expect(env.metrics.values(METRIC.orphanedNumbers)).toEqual([foreign.numbers.length, foreign.numbers.length]);
    sfn.destroy();
  });

  it('a late delivery for a line that has done its work, while another line of its order waits on regulations, is claimed and released, not left until the order ends', async () => {
    // Line 0 (US 415) rented and verified its numbers; a rent of it whose answer was lost is
    // expected for an hour. Line 1 waits on address regulations (for days): the order runs on,
    // and line 0 keeps its last working status until the order ends.
    await env.createOrder('po-2', {
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 2 },
        { countryIso: 'FR', numberType: 'local', quantity: 1 },
      ],
    });
    await env.store.lines.setStatus('po-2', 0, 'VERIFYING');
    await env.store.lines.setStatus('po-2', 1, 'PENDING_REGULATORY');
    await env.store.expectations.expect(lostRent('po-2', '415', 2));
    // Plivo carried the lost rent out after all.
    const late = await rentOutside(env.deps.plivo, '415', 2);
    const sfn = unreachableSfn();

    const report = await reconcilePending({ ...env.deps, sfn });
    expect(report.provableOrphans.filter((n) => late.numbers.includes(n))).toEqual([]);
    const numbers = await env.store.numbers.list('po-2', 0);
    expect(numbers.filter((n) => late.numbers.includes(n.number)).map((n) => n.status)).toEqual(['RELEASED', 'RELEASED']);
    expect(await inAccount(env.deps.plivo, late.numbers)).toEqual([]);
    // The order goes on: line 1 still waits.
    expect((await env.store.lines.get('po-2', 1)).status).toBe('PENDING_REGULATORY');
    sfn.destroy();
  });

  it('an expectation past its time is forgotten: it no longer makes numbers of its kind ours to claim', async () => {
    await env.createOrder('po-3', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '206', quantity: 1 }] });
    const expectation = { ...lostRent('po-3', '206', 1, 2 * 3_600_000), groupId: 'long-gone' };
    await env.store.expectations.expect(expectation);
    expect((await env.store.expectations.list()).find((e) => e.orderId === 'po-3')).toMatchObject({ expectedUntil: expectation.expectedUntil });
    const open = await openExpectations(env.deps, new Date());
    expect(open.filter((e) => e.orderId === 'po-3')).toEqual([]);
    expect((await env.store.expectations.list()).filter((e) => e.orderId === 'po-3')).toEqual([]);
  });

  it('a number Plivo hands out again to the line that released it is claimed by that line again, not left owned by nobody', async () => {
    // Line 0 (US 305) rented a number and released it (a rollback); Plivo put it back in stock and
    // delivered it again, for a rent of the same line whose answer was lost. The line's record of
    // its first rental is still there, RELEASED.
    await env.createOrder('po-4', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '305', quantity: 2 }] });
    const again = await rentOutside(env.deps.plivo, '305', 1);
    const [number] = again.numbers as [string];
    await env.store.numbers.claim('po-4', 0, 'first-rental', [number]);
    expect(await env.store.numbers.transition('po-4', 0, [number], 'RENTED', 'RELEASED')).toEqual([number]);
    await env.store.lines.setStatus('po-4', 0, 'FAILED');
    await env.store.expectations.expect(lostRent('po-4', '305', 1, 1_000, 1));
    const sfn = unreachableSfn();

    const report = await reconcilePending({ ...env.deps, sfn });
    expect(report.lateReleased).toBe(1);
    expect((await env.store.numbers.list('po-4', 0)).map((n) => [n.number, n.status])).toEqual([[number, 'RELEASED']]);
    expect(await inAccount(env.deps.plivo, [number])).toEqual([]);
    sfn.destroy();
  });

  it('a rent handed a number its own line released before claims it (a retried claim still counts once)', async () => {
    await env.createOrder('po-5', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '702', quantity: 1 }] });
    const again = await rentOutside(env.deps.plivo, '702', 1);
    const [number] = again.numbers as [string];
    await env.store.numbers.claim('po-5', 0, 'first-rental', [number]);
    await env.store.numbers.transition('po-5', 0, [number], 'RENTED', 'RELEASED');
    const before = await env.store.lines.get('po-5', 0);

    expect(await env.store.numbers.claim('po-5', 0, 'second-rental', [number])).toEqual({ claimed: [number], conflicts: [] });
    expect(await env.store.numbers.claim('po-5', 0, 'second-rental', [number])).toEqual({ claimed: [number], conflicts: [] });
    expect(await env.store.numbers.owners([number])).toMatchObject([{ orderId: 'po-5', line: 0 }]);
    expect((await env.store.numbers.list('po-5', 0)).map((n) => [n.status, n.groupId])).toEqual([['RENTED', 'second-rental']]);
    expect((await env.store.lines.get('po-5', 0)).rented).toBe(before.rented + 1);
  });

  it('a kind whose rent lock stays busy is waited for once a pass: its other deliveries wait for the next pass at once', async () => {
    await env.createOrder('po-6', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '480', quantity: 3 }] });
    await env.store.lines.setStatus('po-6', 0, 'FAILED');
    const expectation = lostRent('po-6', '480', 3);
    await env.store.expectations.expect(expectation);
    const late = await rentOutside(env.deps.plivo, '480', 3);
    const listed = await inAccount(env.deps.plivo, late.numbers);
    // A rent of this kind died holding its lock: the lease runs for another minute.
    expect(await env.store.rentLocks.acquire(kindKey(expectation), 'a-rent-that-died', RENT_LOCK_LEASE_MS)).toBeDefined();
    const acquire = vi.spyOn(env.store.rentLocks, 'acquire');
    try {
      // With no wait, each wait for the lock is one attempt.
      const claims = new DeliveryClaims(env.deps, await openExpectations(env.deps, new Date()), 0);
      const offers = [];
      for (const number of listed) offers.push(await claims.offer(number));
      expect(offers).toEqual(['deferred', 'deferred', 'deferred']);
      expect(acquire).toHaveBeenCalledTimes(1);
    } finally {
      acquire.mockRestore();
    }
    expect(await env.store.numbers.owners(late.numbers)).toEqual([]);
  });
});
