/**
 * One rent at a time per kind of number (country, type, prefix). A rent whose answer is lost is
 * settled by claiming unowned numbers of its kind from the account; if another rent of that kind
 * were between Plivo's answer and its own claim, the reconciliation would take that rent's numbers
 * and leave its own in the account, owned by nobody. Under this lock, a reconciliation (and the
 * reconciler's claim of a delivered number) only ever sees numbers of its kind that every other
 * rent has already claimed. The lock is a lease (store/leases.ts): a holder that dies frees it when
 * the lease runs out, and the same line retried takes its own lock again at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowDeps } from './deps.js';
import { kindKey, type NumberKind } from './numbering.js';

/** Longer than one rent call (with the client's timeout) and its claim. */
export const RENT_LOCK_LEASE_MS = 60_000;
const RETRY_PAUSE_MS = { min: 50, spread: 150 };

/**
 * Runs `work` under the lock of `kind`, waiting for it at most `waitMs`; undefined when the lock
 * stayed busy that long (the caller comes back later).
 */
export async function withRentLock<T>(
  deps: Pick<WorkflowDeps, 'store'>,
  kind: Pick<NumberKind, 'countryIso' | 'numberType' | 'prefix'>,
  holder: string,
  waitMs: number,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const giveUpAt = Date.now() + waitMs;
  for (;;) {
    const lease = await deps.store.rentLocks.acquire(kindKey(kind), holder, RENT_LOCK_LEASE_MS);
    if (lease) {
      try {
        return await work();
      } finally {
        await lease.release();
      }
    }
    if (Date.now() >= giveUpAt) return undefined;
    await sleep(RETRY_PAUSE_MS.min + Math.random() * RETRY_PAUSE_MS.spread);
  }
}

/**
 * Gives up the locks of `kinds` that `holder` still holds. A step killed while holding one (a
 * Lambda timeout between its claim and its release) would otherwise keep every other rent of
 * that kind waiting for the lease to run out, if its retry finds nothing more to rent.
 */
export async function releaseLeftLocks(
  deps: Pick<WorkflowDeps, 'store'>,
  kinds: readonly Pick<NumberKind, 'countryIso' | 'numberType' | 'prefix'>[],
  holder: string,
): Promise<void> {
  for (const key of new Set(kinds.map(kindKey))) await deps.store.rentLocks.releaseIfHeld(key, holder);
}
