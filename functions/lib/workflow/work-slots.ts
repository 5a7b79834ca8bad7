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

const busy = (): Busy => ({ busy: true, more: true, waitSeconds: 2 + Math.floor(Math.random() * 6) });

/**
 * Runs `step` holding a slot (given up when it returns or throws), or answers `busy`. Without a
 * slot setting (`deps.workSlots` unset) the step just runs. Either way the answer has the fields the
 * state machine selects: `busy`, and `waitSeconds` (0 unless the step sets its own).
 */
export async function withWorkSlot<R extends object>(
  deps: Pick<WorkflowDeps, 'store' | 'workSlots' | 'logger'>,
  orderId: string,
  line: number,
  budget: Budget,
  step: () => Promise<R>,
): Promise<(R & { busy: false; waitSeconds: number }) | Busy> {
  if (deps.workSlots === undefined) return { waitSeconds: 0, ...(await step()), busy: false };
  const slot = await deps.store.workSlots.acquire(
    { holder: `${orderId}#${line}`, orderId, slots: deps.workSlots },
    budget.remainingMs() + LEASE_MARGIN_MS,
    WAITING_MS,
  );
  if (!slot) {
    deps.logger.info('no free work slot: the step waits', { orderId, line, slots: deps.workSlots });
    return busy();
  }
  try {
    return { waitSeconds: 0, ...(await step()), busy: false };
  } finally {
    await slot.release();
  }
}
