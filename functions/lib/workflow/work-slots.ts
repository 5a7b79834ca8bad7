/**
 * Line steps run holding one of the account's work slots (store/work-slots.ts): the number of
 * steps in flight is bounded by a DynamoDB lease, not by Lambda throttles. A step that finds no
 * free slot does nothing and answers `busy` with a wait: the state machine waits that long (a Wait
 * state, no Lambda running) and calls the step again.
 */
import type { Budget, WorkflowDeps } from './deps.js';

/** What a step answers when it found no free slot. */
export interface Busy {
  busy: true;
  more: true;
  /** Seconds the state machine waits before the step comes back (jittered, so waiters spread out). */
  waitSeconds: number;
}

/** How long an order refused a slot counts as waiting for one (for the fair shares). */
const WAITING_MS = 60_000;
/** A slot outlives its step's budget by this much (a step that died frees its slot after). */
const LEASE_MARGIN_MS = 30_000;

/**
 * The wait before a refused step comes back: 2 s plus a jitter whose spread grows with the orders
 * waiting (6 s alone, up to 60 s when many wait), so a burst of lines polls the slots item at a rate
 * that does not grow with the burst, and waiters spread out instead of coming back together.
 */
export function busyWaitSeconds(waitingOrders: number, random: () => number = Math.random): number {
  const spread = Math.min(58, 6 + 2 * waitingOrders);
  return 2 + Math.floor(random() * spread);
}

const busy = (waitingOrders: number): Busy => ({ busy: true, more: true, waitSeconds: busyWaitSeconds(waitingOrders) });

/**
 * Runs `step` holding a slot (given up when it returns or throws), or answers `busy`. Without a
 * slot setting (`deps.workSlots` unset) the step just runs. Either way the answer has the fields the
 * state machine selects: `busy` and `waitSeconds` (false and 0 unless the step sets its own: a step
 * waiting on Plivo, as LinkCampaign does, answers busy itself).
 */
export async function withWorkSlot<R extends object>(
  deps: Pick<WorkflowDeps, 'store' | 'workSlots' | 'logger'>,
  orderId: string,
  line: number,
  budget: Budget,
  step: () => Promise<R>,
): Promise<(R & { busy: boolean; waitSeconds: number }) | Busy> {
  if (deps.workSlots === undefined) return { waitSeconds: 0, busy: false, ...(await step()) };
  const slot = await deps.store.workSlots.acquire(
    { holder: `${orderId}#${line}`, orderId, slots: deps.workSlots },
    budget.remainingMs() + LEASE_MARGIN_MS,
    WAITING_MS,
  );
  if (!slot.granted) {
    deps.logger.info('no free work slot: the step waits', { orderId, line, slots: deps.workSlots, waitingOrders: slot.waitingOrders });
    return busy(slot.waitingOrders);
  }
  try {
    return { waitSeconds: 0, busy: false, ...(await step()) };
  } finally {
    await slot.lease.release();
  }
}
