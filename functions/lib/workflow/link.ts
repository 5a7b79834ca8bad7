/**
 * LinkCampaign (one line with a 10DLC campaign): links the line's RENTED numbers to the campaign
 * before they go into the pool, so that a US long code the order delivers can send A2P SMS.
 *
 * - **Ask**: the RENTED numbers, in requests of up to `LINK_BATCH` (one call per batch, not per
 *   number), become LINKING. Plivo refuses a whole request when one number cannot be linked (400):
 *   the batch is then asked number by number, and the numbers Plivo refuses become FAILED.
 *   Asking again is harmless (a number linking or linked to the same campaign is left as it is).
 * - **Settle**: a LINKING number becomes LINKED when Plivo reports COMPLETED, FAILED when it reports
 *   FAILED. The status comes from Plivo's callback (kept by the Plivo callback route) where the
 *   deployment has a public callback URL; otherwise — or when a callback is late by more than
 *   `LOST_CALLBACK_MS` — from the per-number status read.
 * - **Wait**: while numbers are LINKING the step answers `busy` with a wait that grows with the time
 *   already waited (a handful of passes however long the links take), so no Lambda runs meanwhile.
 *   At the line's link deadline (`linkDeadlineHours`, default 24 h) every number still LINKING
 *   becomes FAILED. FAILED numbers are released before the order ends, like any unusable number,
 *   and the line's rule (partial or all-or-nothing) decides the rest.
 */
import pMap from 'p-map';
import { CampaignNotFoundError, PlivoBadRequestError, PlivoError, PlivoNotFoundError } from '../errors.js';
import { campaignOf, DEFAULT_LINK_DEADLINE_HOURS, type NumberStatus } from '../orders/model.js';
import type { LineItem, OrderItem } from '../store/items.js';
import { BatchedTransition, SerialWrites } from './batched-transition.js';
import { type Budget, cancellationWatch, hasTime, type WorkflowDeps } from './deps.js';

/** Numbers per link request (Plivo's page gives no limit; a request stays well within its body size). */
export const LINK_BATCH = 100;
/**
 * With callbacks configured, a number still LINKING this long after the link was asked for is read
 * from Plivo (`PLIVO_LOST_CALLBACK_SECONDS` changes it). Plivo does not say whether it retries a
 * callback our route could not take; a restart or an outage of the route loses those.
 */
export const LOST_CALLBACK_MS = 10 * 60_000;
/** The shortest wait between passes of a line whose links are being processed. */
const MIN_WAIT_SECONDS = 5;
/** At most this share of the deadline between passes: ~16 passes at the longest wait. */
const WAIT_SHARE_OF_DEADLINE = 1 / 16;

export interface LinkResult {
  /** True when the step comes back: numbers left to ask for (at once), or links still being processed (after `waitSeconds`). */
  more: boolean;
  /** True when the step waits `waitSeconds` before it comes back (the state machine's Wait). */
  busy: boolean;
  waitSeconds: number;
}

const DONE: LinkResult = { more: false, busy: false, waitSeconds: 0 };

/** What a line does after its numbers are rented: link them to its campaign first, or go straight to the pool. */
export function afterRent(order: OrderItem, line: LineItem): { next: 'link' | 'assign'; status: 'LINKING' | 'ASSIGNING' } {
  return campaignOf(order.request, line.spec) ? { next: 'link', status: 'LINKING' } : { next: 'assign', status: 'ASSIGNING' };
}

/** Ends a line's renting: moves it to its next step's status and answers the Rent step's result. */
export async function rentingDone(deps: Pick<WorkflowDeps, 'store'>, order: OrderItem, line: LineItem): Promise<{ more: false; next: 'link' | 'assign' }> {
  const after = afterRent(order, line);
  await deps.store.lines.setStatus(order.orderId, line.line, after.status);
  return { more: false, next: after.next };
}

/** The wait before the next pass: as long as the line has waited (doubling), within its bounds, never past the deadline. */
export function linkWaitSeconds(startedAtMs: number, deadlineAtMs: number, nowMs: number): number {
  const waited = (nowMs - startedAtMs) / 1000;
  const longest = Math.max(MIN_WAIT_SECONDS, ((deadlineAtMs - startedAtMs) / 1000) * WAIT_SHARE_OF_DEADLINE);
  const untilDeadline = Math.max(1, Math.ceil((deadlineAtMs - nowMs) / 1000) + 1);
  return Math.min(untilDeadline, Math.ceil(Math.min(longest, Math.max(MIN_WAIT_SECONDS, waited))));
}

type Ask = { kind: 'asked' } | { kind: 'refused'; reason: string } | { kind: 'later' };

/** Asks for a batch of links; a refused batch is asked number by number to find the numbers Plivo refuses. */
async function askBatch(deps: WorkflowDeps, campaignId: string, numbers: readonly string[]): Promise<Map<string, Ask>> {
  const callback = deps.plivoCallbackUrl === undefined ? undefined : { url: deps.plivoCallbackUrl };
  const ask = async (batch: readonly string[]): Promise<Ask> => {
    try {
      await deps.plivo.linkNumbersToCampaign(campaignId, batch, callback);
      return { kind: 'asked' };
    } catch (error) {
      if (error instanceof PlivoNotFoundError) {
        throw new CampaignNotFoundError(`Plivo does not know the 10DLC campaign ${campaignId}: ${error.plivoMessage ?? error.message}`, { cause: error });
      }
      if (error instanceof PlivoBadRequestError) return { kind: 'refused', reason: error.plivoMessage ?? error.message };
      if (error instanceof PlivoError) return { kind: 'later' };
      throw error;
    }
  };
  const whole = await ask(numbers);
  if (whole.kind !== 'refused' || numbers.length === 1) return new Map(numbers.map((number) => [number, whole]));
  const one = await pMap(numbers, async (number) => [number, await ask([number])] as const, { concurrency: deps.concurrency ?? 16 });
  return new Map(one);
}

/**
 * Asks for the links of `numbers`, `LINK_BATCH` a request, while `goOn` says so before each
 * request; `left` when it stopped before the end (those numbers have no outcome).
 */
async function askLinks(
  deps: WorkflowDeps,
  campaignId: string,
  numbers: readonly string[],
  goOn: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<{ outcomes: Map<string, Ask>; left: boolean }> {
  const outcomes = new Map<string, Ask>();
  for (let start = 0; start < numbers.length; start += LINK_BATCH) {
    if (!(await goOn())) return { outcomes, left: true };
    for (const [number, outcome] of await askBatch(deps, campaignId, numbers.slice(start, start + LINK_BATCH))) outcomes.set(number, outcome);
  }
  return { outcomes, left: false };
}

/** Moves numbers to FAILED with their reasons: one write per reason (DynamoDB transactions of up to 99), in the line's turn. */
async function failAll(deps: WorkflowDeps, serial: SerialWrites, orderId: string, line: number, from: NumberStatus, failures: readonly { number: string; reason: string }[]): Promise<void> {
  const byReason = new Map<string, string[]>();
  for (const { number, reason } of failures) byReason.set(reason, [...(byReason.get(reason) ?? []), number]);
  for (const [reason, numbers] of byReason) await serial.run(() => deps.store.numbers.transition(orderId, line, numbers, from, 'FAILED', { error: reason }));
}

/** Plivo's view of one LINKING number: its status, or `missing` when the link is not there (asked again). */
async function readLink(deps: WorkflowDeps, campaignId: string, number: string): Promise<'COMPLETED' | 'FAILED' | 'PROCESSING' | 'missing' | 'unknown'> {
  try {
    return (await deps.plivo.campaignLinkStatus(campaignId, number)) ?? 'unknown';
  } catch (error) {
    if (error instanceof PlivoNotFoundError) return 'missing';
    if (error instanceof PlivoError) return 'unknown';
    throw error;
  }
}

export async function linkLine(deps: WorkflowDeps, orderId: string, lineIndex: number, budget: Budget): Promise<LinkResult> {
  const order = await deps.store.orders.get(orderId);
  const line = await deps.store.lines.get(orderId, lineIndex);
  if (order.status === 'CANCELLED' || order.rollback === 'all') return DONE;
  const campaignId = campaignOf(order.request, line.spec);
  if (campaignId === undefined) {
    await deps.store.lines.setStatus(orderId, lineIndex, 'ASSIGNING');
    return DONE;
  }
  const now = new Date();
  const hours = order.request.linkDeadlineHours ?? DEFAULT_LINK_DEADLINE_HOURS;
  // Recorded by the first pass; a pass that only waits writes nothing.
  const times =
    line.status === 'LINKING' && line.linkStartedAt !== undefined && line.linkDeadlineAt !== undefined
      ? { linkStartedAt: line.linkStartedAt, linkDeadlineAt: line.linkDeadlineAt }
      : await deps.store.lines.startLinking(orderId, lineIndex, now.toISOString(), new Date(now.getTime() + hours * 3_600_000).toISOString());
  const startedAtMs = Date.parse(times.linkStartedAt);
  const deadlineAtMs = Date.parse(times.linkDeadlineAt);
  const cancelled = cancellationWatch(deps, orderId);
  const serial = new SerialWrites();
  // Ask for the links of the numbers rented since the last pass.
  const rented = (await deps.store.numbers.list(orderId, lineIndex, ['RENTED'])).map((item) => item.number);
  const asked = new BatchedTransition(deps.store, orderId, lineIndex, 'RENTED', 'LINKING', { serial });
  const refused: { number: string; reason: string }[] = [];
  /** Not asked for because Plivo failed to answer: they come back after a wait, not at once. */
  const unanswered: string[] = [];
  // `left`: out of time (or cancelled) before every number was asked for: the step comes back at once.
  const { outcomes, left } = await askLinks(deps, campaignId, rented, async () => hasTime(budget) && !(await cancelled()));
  for (const [number, outcome] of outcomes) {
    if (outcome.kind === 'asked') await asked.add(number);
    else if (outcome.kind === 'refused') refused.push({ number, reason: `10DLC link refused: ${outcome.reason}` });
    else unanswered.push(number);
  }
  await asked.flush();
  await failAll(deps, serial, orderId, lineIndex, 'RENTED', refused);
  if (refused.length > 0) deps.logger.warn('Plivo refused to link numbers to the 10DLC campaign', { orderId, line: lineIndex, campaignId, refused: refused.slice(0, 20), count: refused.length });
  if (await cancelled()) return DONE;

  // Settle the numbers whose links are being processed.
  const linking = (await deps.store.numbers.list(orderId, lineIndex, ['LINKING'])).map((item) => item.number);
  const reported = await deps.store.plivoCallbacks.linkStatuses(campaignId, linking);
  const nowMs = Date.now();
  const poll = deps.plivoCallbackUrl === undefined || nowMs - startedAtMs >= (deps.lostCallbackMs ?? LOST_CALLBACK_MS);
  const linked = new BatchedTransition(deps.store, orderId, lineIndex, 'LINKING', 'LINKED', { serial });
  const failed: { number: string; reason: string }[] = [];
  const again: string[] = [];
  let processing: string[] = [];
  await pMap(
    linking,
    async (number) => {
      // A callback from before this line asked (the number's earlier life in another order) says nothing.
      const callback = reported.get(number);
      const fresh = callback !== undefined && Date.parse(callback.receivedAt) >= startedAtMs ? callback.status : undefined;
      const status = fresh ?? (poll && hasTime(budget) ? await readLink(deps, campaignId, number) : 'PROCESSING');
      if (status === 'COMPLETED') await linked.add(number);
      else if (status === 'FAILED') failed.push({ number, reason: 'Plivo reported the 10DLC link FAILED' });
      else if (status === 'missing') again.push(number);
      else processing.push(number);
    },
    { concurrency: deps.concurrency ?? 16 },
  );
  await linked.flush();
  // A link Plivo does not know (a request it lost): asked again, still LINKING.
  for (const [number, outcome] of (await askLinks(deps, campaignId, again)).outcomes) {
    if (outcome.kind === 'refused') failed.push({ number, reason: `10DLC link refused: ${outcome.reason}` });
    else processing.push(number);
  }
  if (nowMs >= deadlineAtMs) {
    failed.push(...processing.map((number) => ({ number, reason: `the 10DLC link was not COMPLETED within ${hours} hours` })));
    processing = [];
    // Never asked for: Plivo did not answer the link requests until the deadline.
    const never = unanswered.splice(0).map((number) => ({ number, reason: `Plivo did not take the 10DLC link within ${hours} hours` }));
    await failAll(deps, serial, orderId, lineIndex, 'RENTED', never);
  }
  await failAll(deps, serial, orderId, lineIndex, 'LINKING', failed);
  if (failed.length > 0) deps.logger.warn('10DLC links failed: the numbers are released', { orderId, line: lineIndex, campaignId, failures: failed.slice(0, 20), count: failed.length });
  deps.logger.info('10DLC links', { orderId, line: lineIndex, campaignId, asked: asked.count, linked: linked.count, failed: failed.length + refused.length, processing: processing.length });

  if (left) return { more: true, busy: false, waitSeconds: 0 };
  // A Plivo outage: the numbers not asked for wait like links being processed, not in a hot loop.
  if (processing.length > 0 || unanswered.length > 0) return { more: true, busy: true, waitSeconds: linkWaitSeconds(startedAtMs, deadlineAtMs, nowMs) };
  await deps.store.lines.setStatus(orderId, lineIndex, 'ASSIGNING');
  return DONE;
}
