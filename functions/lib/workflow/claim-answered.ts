/**
 * Claiming the numbers Plivo has just answered a rent or buy with. Plivo only rents a number that
 * is not in the account, so a number of that answer that another line still owns has left the
 * account without that line's record knowing (a pending number withdrawn when the documents were
 * refused, then handed out again before the reconciler saw it go). That rental is over: its record
 * is closed `RELEASED` (saying why) and the number is claimed for the rent that just got it —
 * left with the old owner, it would be paid for and used by nobody.
 */
import type { NumberStatus } from '../orders/model.js';
import type { OwnerItem } from '../store/items.js';
import type { WorkflowDeps } from './deps.js';

const ENDED_UNSEEN = 'left the account unseen: Plivo rented it again';

async function endStaleRental(deps: Pick<WorkflowDeps, 'store' | 'logger'>, owner: OwnerItem): Promise<void> {
  const record = (await deps.store.numbers.list(owner.orderId, owner.line)).find((n) => n.number === owner.number);
  if (record && record.status !== 'RELEASED') {
    await deps.store.numbers.transition(owner.orderId, owner.line, [owner.number], record.status, 'RELEASED', { error: ENDED_UNSEEN });
  }
  deps.logger.warn('a rented number was still recorded as another line\'s: that rental had ended', {
    orderId: owner.orderId,
    line: owner.line,
    number: owner.number,
    status: record?.status,
  });
}

/** Claims an answer's numbers for the line, taking over those still recorded for an ended rental. */
export async function claimAnswered(
  deps: Pick<WorkflowDeps, 'store' | 'logger'>,
  orderId: string,
  line: number,
  groupId: string,
  numbers: readonly string[],
  status: Extract<NumberStatus, 'RENTED' | 'PENDING'> = 'RENTED',
): Promise<string[]> {
  const { claimed, conflicts } = await deps.store.numbers.claim(orderId, line, groupId, numbers, status);
  for (const owner of conflicts) {
    await endStaleRental(deps, owner);
    const again = await deps.store.numbers.claim(orderId, line, groupId, [owner.number], status);
    claimed.push(...again.claimed);
    if (again.conflicts.length > 0) deps.logger.error('rented number owned by another order', { orderId, line, conflicts: again.conflicts });
  }
  return claimed;
}
