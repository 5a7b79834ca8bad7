/**
 * Lines that wait on address regulations. Plivo answers such rents `pending` with no order id;
 * the numbers appear in the account days later, or never. The line's branch parks on a Step
 * Functions task token (no polling, a handful of history events however long it waits); the
 * reconciler matches numbers no order owns to waiting lines and resumes a line once its quantity
 * is reached; ops can resolve a line by hand; the wait times out at the order's deadline.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient, TaskDoesNotExist, TaskTimedOut, InvalidToken } from '@aws-sdk/client-sfn';
import { LineNotWaitingError, NumbersNotUsableError, PlivoNotFoundError, type WaitErrorName } from '../errors.js';
import { METRIC } from '../metrics.js';
import { type AccountNumber, isInactive } from '../plivo/schemas.js';
import type { LineItem, OrderItem } from '../store/items.js';
import type { WorkflowDeps } from './deps.js';
import { afterRent } from './link.js';
import { DeliveryClaims, expectationPrefixes, openExpectations } from './deliveries.js';
import { AccountPass, MAX_ORPHANS_LISTED, type ScanLimits } from './account-scan.js';
import { OpenRents, survivors } from './orphans.js';
import { callingCode, matchesKind } from './numbering.js';
import { regulatoryDeadline } from './rent.js';

export type RegulatoryDeps = WorkflowDeps & {
  sfn: SFNClient;
  /** Records the order's current status as a customer webhook event (order.pending_regulatory). */
  announce?: (orderId: string) => Promise<unknown>;
};
/** What ending a wait needs (no Plivo call). */
export type WaitDeps = Pick<RegulatoryDeps, 'store' | 'sfn' | 'logger'>;


/** Whether a waiting line has all its numbers, every one of them active (none still PENDING). */
async function lineReady(deps: Pick<WorkflowDeps, 'store'>, orderId: string, line: number): Promise<boolean> {
  const current = await deps.store.lines.get(orderId, line);
  // A line of specific numbers has bought all it will (a refused number never comes): it waits
  // only for its PENDING numbers.
  if (!current.spec.numbers && current.rented < current.requested) return false;
  return (await deps.store.numbers.list(orderId, line, ['PENDING'])).length === 0;
}

/**
 * Sends a waiting line's token. True when Step Functions took it; false when the wait had already
 * ended (timed out, or its execution stopped or failed): the token is spent either way. Any other
 * failure (a throttle, the network) is thrown, and the token stays on the line for the next try.
 */
async function sendToken(sfn: SFNClient, command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<boolean> {
  try {
    await sfn.send(command as SendTaskSuccessCommand);
    return true;
  } catch (error) {
    if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken) return false;
    throw error;
  }
}

/**
 * Ends a line's wait: sends its token first, clears it after (only that token: a newer wait keeps
 * its own). A line moves to `status` only when Step Functions took the token; a spent token is just
 * dropped, and the line stays as it is for the recovery of its order (orders/recovery.ts).
 */
async function endWait(
  deps: WaitDeps,
  orderId: string,
  line: number,
  status: 'ASSIGNING' | 'LINKING' | 'FAILED',
  command: (taskToken: string) => SendTaskSuccessCommand | SendTaskFailureCommand,
): Promise<boolean> {
  const token = (await deps.store.lines.get(orderId, line)).taskToken;
  if (!token) return false;
  const sent = await sendToken(deps.sfn, command(token));
  await deps.store.lines.clearWaitToken(orderId, line, token, sent ? status : undefined);
  if (!sent) deps.logger.warn('the wait of a line had already ended: its token was spent', { orderId, line });
  return sent;
}

/** Resumes a line whose numbers are all in: the state machine goes on to LinkCampaign (a line with a 10DLC campaign) or AssignToPool. */
async function resume(deps: WaitDeps, orderId: string, line: number): Promise<boolean> {
  const after = afterRent(await deps.store.orders.get(orderId), await deps.store.lines.get(orderId, line));
  const sent = await endWait(deps, orderId, line, after.status, (taskToken) => new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ next: after.next }) }));
  if (!sent) return false;
  const waiting = (await deps.store.lines.waiting()).some((w) => w.orderId === orderId);
  if (!waiting) await deps.store.orders.setStatus(orderId, 'IN_PROGRESS', ['PENDING_REGULATORY']);
  deps.logger.info('regulatory line resumed', { orderId, line });
  return true;
}

/** Ends a line's wait with an error the state machine catches (rejected, cancelled). */
export async function failWait(deps: WaitDeps, orderId: string, line: number, error: WaitErrorName, cause: string): Promise<boolean> {
  return endWait(deps, orderId, line, 'FAILED', (taskToken) => new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 32_000) }));
}

/**
 * The wait's task: records the token on the line. If the numbers are already all in (the
 * reconciler was quicker), or the order was cancelled meanwhile, it ends the wait at once.
 */
export async function awaitRegulatory(deps: RegulatoryDeps, orderId: string, line: number, taskToken: string): Promise<{ waiting: boolean }> {
  const order = await deps.store.orders.get(orderId);
  await deps.store.lines.setWaiting(orderId, line, order.createdAt, taskToken, regulatoryDeadline(order).toISOString());
  if (order.rollback === 'all' || order.cancelRequested) {
    await failWait(deps, orderId, line, 'OrderCancelled', 'the order was cancelled or is rolling back');
    return { waiting: false };
  }
  if (await lineReady(deps, orderId, line)) {
    await resume(deps, orderId, line);
    return { waiting: false };
  }
  if (regulatoryDeadline(order).getTime() <= Date.now()) {
    await failWait(deps, orderId, line, 'RegulatoryDeadlinePassed', 'the regulatory deadline passed before the numbers arrived');
    return { waiting: false };
  }
  await deps.announce?.(orderId);
  deps.logger.info('line waits for regulatory numbers', { orderId, line, deadlineAt: regulatoryDeadline(order).toISOString() });
  return { waiting: true };
}

/** After the deadline, the reconciler's pass that ends the wait first. */
const WAIT_TIMEOUT_MARGIN_MS = 3_600_000;
/** A Standard execution lives at most a year; its wait ends a day before, so the execution itself never times out waiting. */
const EXECUTION_LIFETIME_MS = 364 * 86_400_000;

/**
 * The WaitForRegulatory task's own timeout (`TimeoutSecondsPath`), in whole seconds from `nowMs`:
 * the line's deadline plus an hour — the reconciler ends the wait at the deadline; this is the
 * backstop when it does not run — and never past a year from the order's creation.
 */
export function waitTimeoutSeconds(order: OrderItem, nowMs: number): number {
  const until = Math.min(regulatoryDeadline(order).getTime() + WAIT_TIMEOUT_MARGIN_MS, Date.parse(order.createdAt) + EXECUTION_LIFETIME_MS);
  return Math.max(1, Math.ceil((until - nowMs) / 1000));
}

/** A rent step's result with the wait's timeout, which the state machine reads when the line waits. */
export async function withWaitTimeout<T extends { next: string }>(deps: Pick<WorkflowDeps, 'store'>, orderId: string, result: T): Promise<T & { waitSeconds: number }> {
  // Read only when the line waits; otherwise the field is there for the state machine's selector, unused.
  if (result.next !== 'wait') return { ...result, waitSeconds: 1 };
  return { ...result, waitSeconds: waitTimeoutSeconds(await deps.store.orders.get(orderId), Date.now()) };
}

/** Whether an account number can serve a waiting line: country, type, prefix or region. */
export function matchesLine(line: LineItem, number: AccountNumber): boolean {
  if (line.spec.numbers && !line.spec.numbers.includes(number.number)) return false;
  return matchesKind(line.spec, number);
}

export interface ReconciliationReport {
  checkedAt: string;
  /**
   * How the account was read this run: `full` (every number: claims and the orphan report, a pass
   * begun and ended in this run), `slice` (the next part of a pass over the whole account, and the
   * numbers a waiting line could use), `waiting-lines` (only numbers starting with a waiting line's
   * calling code and prefix), or `none` (no line waits and no pass is due).
   */
  scan: 'full' | 'slice' | 'waiting-lines' | 'none';
  /** Where the pass over the whole account stands after this run's slice (none read: absent). */
  accountPass?: { offset: number; total: number; pages: number; complete: boolean; startedAt: string };
  /** Account numbers read this run. */
  accountNumbers: number;
  waitingLines: number;
  /** Lines whose wait ended at their deadline in this run. */
  expired: number;
  /** Numbers delivered for lines that waited for them, claimed for those lines. */
  claimed: number;
  /** Numbers delivered for lines that no longer needed them (ended, or full): claimed and released. */
  lateReleased: number;
  /** Of those, numbers Plivo would not take back (LEAKED, alarmed). */
  lateLeaked: number;
  /** Deliveries still expected after this run (pending orders and lost rent answers). */
  expectedDeliveries: number;
  /** Numbers held PENDING that Plivo activated since the last run (now RENTED). */
  activated: number;
  /** Waiting lines failed because Plivo withdrew their pending numbers (documents refused). */
  rejected: number;
  resumed: number;
  /**
   * Unowned numbers our records prove we rented (a delivery waiting for its line to end, a rent
   * whose outcome is open): settled by the system itself, never reported as foreign.
   */
  provableOrphans: string[];
  provableOrphanCount: number;
  /** Of those, numbers that were provable orphans in the previous run too: settling is stuck (alarmed). */
  provableSurvivors: number;
  /** Numbers in the account that no order owns and no line waits for: money spent for nothing (as of `orphansCheckedAt`). */
  orphans: string[];
  orphanCount: number;
  /** When the account was last read whole for the orphan report. */
  orphansCheckedAt?: string;
}

export interface ReconcileOptions {
  /**
   * How often the whole account is read for the orphan report; in between, only the numbers that
   * could serve a waiting line are read (none when no line waits). @default 0: every run
   */
  orphanScanIntervalMs?: number;
  /** How much of the account pass one run reads. @default all of it */
  scan?: ScanLimits;
  now?: () => Date;
}

/**
 * The account listings a partial scan needs: one per distinct `number_startswith` (calling code
 * and prefix) of the waiting lines, leaving out prefixes another one already covers.
 */
export function waitingLinePrefixes(lines: readonly Pick<LineItem, 'spec'>[], more: readonly string[] = []): string[] {
  const prefixes = [...new Set([...lines.map((line) => `${callingCode(line.spec.countryIso)}${line.spec.prefix ?? ''}`), ...more])].sort();
  return prefixes.filter((prefix, i) => !prefixes.slice(0, i).some((shorter) => prefix.startsWith(shorter)));
}

/**
 * One reconciler run: ends waits past their deadline, claims numbers no order owns for waiting
 * lines (oldest order first), resumes lines that are complete, and records the orphans. Reading
 * the whole account costs a call per 20 numbers: with `orphanScanIntervalMs` it is read whole only
 * that often, and in between only where a waiting line could find its numbers.
 */
export async function reconcilePending(deps: RegulatoryDeps, options: ReconcileOptions = {}): Promise<ReconciliationReport> {
  const clock = options.now ?? (() => new Date());
  // Lines past their order's deadline stop waiting first: they get no numbers.
  const now = clock().toISOString();
  let expired = 0;
  for (const line of await deps.store.lines.waiting()) {
    if (line.deadlineAt && line.deadlineAt <= now) {
      const cause = `the regulatory deadline (${line.deadlineAt}) passed before the numbers arrived`;
      if (await ending(deps, line, () => failWait(deps, line.orderId, line.line, 'RegulatoryDeadlinePassed', cause))) expired++;
    } else if (await cancelled(deps, line.orderId)) {
      // The cancel could not wake this line (its send failed): the token is still here, try again.
      await ending(deps, line, () => failWait(deps, line.orderId, line.line, 'OrderCancelled', 'the order was cancelled'));
    }
  }
  const waiting = await deps.store.lines.waiting();
  const expectations = await openExpectations(deps, clock());
  const previous = await lastReconciliation(deps);
  const lastScan = previous?.orphansCheckedAt ? Date.parse(previous.orphansCheckedAt) : undefined;
  const pass = await AccountPass.load(deps.store);
  // A pass under way reads on; a new one starts when the report's interval has passed.
  const passDue = pass.underWay || lastScan === undefined || clock().getTime() - lastScan >= (options.orphanScanIntervalMs ?? 0);

  // Unowned numbers our records prove we rented: a delivery that waits for its line to end, or a
  // rent whose outcome is still open. Their own steps settle them; they are never reported foreign.
  const provable: string[] = [];
  const openRents = new OpenRents(deps);
  let accountNumbers = 0;
  // Numbers Plivo delivered for a line that expected them: claimed for it (kept while it waits for
  // numbers, released otherwise). Only expected numbers are claimed: never one we cannot prove ours.
  const deliveries = new DeliveryClaims(deps, expectations);
  // Numbers waiting lines hold PENDING (Plivo's per-number pending answer): each one becomes RENTED
  // when the account lists it active; one the account no longer holds was withdrawn.
  const pendingOf = await pendingNumbersOf(deps, waiting);
  const seenPending = new Set<string>();
  let activated = 0;
  const page: AccountNumber[] = [];
  /** Classifies the numbers read; those of the account pass may be orphans. */
  const settle = async (inPass: boolean) => {
    const owners = new Set((await deps.store.numbers.owners(page.map((n) => n.number))).map((o) => o.number));
    for (const number of page) {
      const holder = pendingOf.get(number.number);
      if (holder) {
        seenPending.add(number.number);
        if (!isInactive(number)) activated += await activate(deps, holder, [number.number]);
        continue;
      }
      // A number awaiting verification is neither usable nor forgotten: it is claimed once active.
      if (owners.has(number.number) || isInactive(number)) continue;
      const offer = await deliveries.offer(number);
      if (offer === 'deferred') provable.push(number.number);
      else if (offer === 'unexpected' && (await openRents.mayHaveRented(number))) provable.push(number.number);
      else if (offer === 'unexpected' && inPass) pass.orphan(number.number);
    }
    page.length = 0;
  };
  const slice = passDue
    ? await pass.readSlice(deps.plivo, options.scan ?? {}, now, async (batch) => {
        accountNumbers += batch.length;
        page.push(...batch);
        await settle(true);
      })
    : undefined;
  // Unless this run read the whole account, the numbers a waiting line could use are read apart.
  const listings = !slice?.whole && waiting.length + expectations.length > 0 ? waitingLinePrefixes(waiting, expectationPrefixes(expectations)) : [];
  for (const prefix of listings) {
    for await (const number of deps.plivo.allAccountNumbers({ numberStartsWith: prefix })) {
      accountNumbers++;
      page.push(number);
      if (page.length >= 100) await settle(false);
    }
    await settle(false);
  }
  const scan: ReconciliationReport['scan'] = slice?.whole ? 'full' : slice ? 'slice' : listings.length > 0 ? 'waiting-lines' : 'none';

  const late = await deliveries.releaseSurplus();
  const unseen = [...pendingOf.keys()].filter((number) => !seenPending.has(number));
  const withdrawn = await settleUnseenPending(deps, pendingOf, unseen);
  activated += withdrawn.activated;
  let rejected = 0;
  for (const [key, numbers] of withdrawn.byLine) {
    const line = waiting.find((candidate) => `${candidate.orderId}#${candidate.line}` === key);
    if (line && (await ending(deps, line, () => rejectWithdrawn(deps, line, numbers)))) rejected++;
  }

  let resumed = 0;
  for (const line of waiting) {
    if ((await lineReady(deps, line.orderId, line.line)) && (await ending(deps, line, () => resume(deps, line.orderId, line.line)))) resumed++;
  }
  const report: ReconciliationReport = {
    checkedAt: clock().toISOString(),
    scan,
    accountNumbers,
    waitingLines: waiting.length,
    expired,
    claimed: deliveries.kept,
    lateReleased: late.released,
    lateLeaked: late.leaked,
    expectedDeliveries: deliveries.open,
    activated,
    rejected,
    resumed,
    provableOrphans: provable.slice(0, MAX_ORPHANS_LISTED),
    provableOrphanCount: provable.length,
    provableSurvivors: survivors(provable, previous?.provableOrphans).length,
    ...(slice ? { accountPass: { offset: slice.offset, total: slice.total, pages: slice.pages, complete: slice.complete, startedAt: slice.startedAt } } : {}),
    // The orphan report changes when a pass ends, as of the pass's start.
    ...(slice?.complete
      ? { orphans: slice.orphans, orphanCount: slice.orphanCount, orphansCheckedAt: slice.startedAt }
      : {
          orphans: previous?.orphans ?? [],
          orphanCount: previous?.orphanCount ?? 0,
          ...(previous?.orphansCheckedAt ? { orphansCheckedAt: previous.orphansCheckedAt } : {}),
        }),
  };
  await deps.store.reconciliation.save(report);
  // Every run gives both counts (the orphans as of the last whole read), so the alarms' metrics
  // have a value each run, not once a day, and go back to 0 when the numbers are settled.
  deps.metrics.gauge(METRIC.provableOrphans, report.provableSurvivors, 'Count');
  deps.metrics.gauge(METRIC.orphanedNumbers, report.orphanCount, 'Count');
  if (report.provableSurvivors > 0) {
    deps.logger.error('numbers we rented are still owned by nobody', {
      survivors: report.provableSurvivors,
      sample: survivors(provable, previous?.provableOrphans).slice(0, 20),
    });
  }
  if (report.orphanCount > 0) {
    deps.logger.warn('orphaned numbers in the account', { orphanCount: report.orphanCount, asOf: report.orphansCheckedAt, sample: report.orphans.slice(0, 20) });
  }
  deps.logger.info('reconciled', { ...report, orphans: undefined });
  return report;
}

/** The PENDING numbers of the waiting lines, each with its line. */
async function pendingNumbersOf(deps: Pick<WorkflowDeps, 'store'>, waiting: readonly LineItem[]): Promise<Map<string, LineItem>> {
  const pendingOf = new Map<string, LineItem>();
  for (const line of waiting) {
    for (const item of await deps.store.numbers.list(line.orderId, line.line, ['PENDING'])) pendingOf.set(item.number, line);
  }
  return pendingOf;
}

/** Moves numbers Plivo has activated from PENDING to RENTED; returns how many moved. */
async function activate(deps: Pick<WorkflowDeps, 'store' | 'logger'>, line: Pick<LineItem, 'orderId' | 'line'>, numbers: string[]): Promise<number> {
  const moved = await deps.store.numbers.transition(line.orderId, line.line, numbers, 'PENDING', 'RENTED');
  if (moved.length > 0) deps.logger.info('pending numbers activated by Plivo', { orderId: line.orderId, line: line.line, numbers: moved });
  return moved.length;
}

/**
 * PENDING numbers the scan did not list: each is looked up on its own (a listing is no proof of
 * absence). Gone (404) means Plivo withdrew it — the verification was refused; listed after all,
 * it is activated when active, else it still waits.
 */
async function settleUnseenPending(
  deps: Pick<WorkflowDeps, 'store' | 'plivo' | 'logger'>,
  pendingOf: ReadonlyMap<string, LineItem>,
  unseen: readonly string[],
): Promise<{ activated: number; byLine: Map<string, string[]> }> {
  const byLine = new Map<string, string[]>();
  let activated = 0;
  for (const number of unseen) {
    const line = pendingOf.get(number);
    if (!line) continue;
    try {
      const held = await deps.plivo.getAccountNumber(number);
      if (!isInactive(held)) activated += await activate(deps, line, [number]);
    } catch (error) {
      if (!(error instanceof PlivoNotFoundError)) throw error;
      const key = `${line.orderId}#${line.line}`;
      byLine.set(key, [...(byLine.get(key) ?? []), number]);
    }
  }
  return { activated, byLine };
}

/**
 * Plivo withdrew numbers a line held PENDING: they are gone from the account (RELEASED, with why),
 * and the line's wait fails as rejected — the rest of its numbers go back the way a failed line's do.
 */
async function rejectWithdrawn(deps: RegulatoryDeps, line: Pick<LineItem, 'orderId' | 'line'>, numbers: string[]): Promise<boolean> {
  const reason = `Plivo withdrew ${numbers.length} numbers awaiting verification (the documents were refused): ${numbers.join(', ')}`;
  await deps.store.numbers.transition(line.orderId, line.line, numbers, 'PENDING', 'RELEASED', { error: 'withdrawn by Plivo: verification refused' });
  await deps.store.lines.recordError(line.orderId, line.line, { at: new Date().toISOString(), line: line.line, name: 'RegulatoryRejected', message: reason });
  deps.logger.warn('pending numbers withdrawn by Plivo', { orderId: line.orderId, line: line.line, numbers });
  return failWait(deps, line.orderId, line.line, 'RegulatoryRejected', reason);
}

/** Whether the order of a waiting line was cancelled or is rolling back. */
async function cancelled(deps: Pick<WorkflowDeps, 'store'>, orderId: string): Promise<boolean> {
  const order = await deps.store.orders.find(orderId);
  return order !== undefined && (order.cancelRequested === true || order.rollback === 'all');
}

/**
 * Ends one line's wait within a reconciler pass. A send that fails (a throttle, the network) is
 * logged and left for the next pass (the token stays on the line); the other lines go on.
 */
async function ending(deps: WaitDeps, line: Pick<LineItem, 'orderId' | 'line'>, end: () => Promise<boolean>): Promise<boolean> {
  try {
    return await end();
  } catch (error) {
    deps.logger.error('could not end the wait of a line; the next pass tries again', {
      orderId: line.orderId,
      line: line.line,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}

export async function lastReconciliation(deps: Pick<WorkflowDeps, 'store'>): Promise<ReconciliationReport | undefined> {
  return deps.store.reconciliation.latest<ReconciliationReport>();
}

export type ResolveRequest = { numbers: string[] } | { outcome: 'rejected'; reason: string };

/**
 * Ops resolve a waiting line by hand: with numbers the account already holds (claimed for the
 * line; the line resumes once complete), or as rejected by the regulator (the line fails).
 */
export async function resolveLine(deps: RegulatoryDeps, orderId: string, lineIndex: number, request: ResolveRequest): Promise<{ claimed: string[]; resumed: boolean; rejected: boolean }> {
  const line = await deps.store.lines.get(orderId, lineIndex);
  if (line.status !== 'PENDING_REGULATORY') throw new LineNotWaitingError(`line ${lineIndex} of order ${orderId} is not waiting on regulations (it is ${line.status})`);
  if ('outcome' in request) {
    await deps.store.lines.recordError(orderId, lineIndex, { at: new Date().toISOString(), line: lineIndex, name: 'RegulatoryRejected', message: request.reason });
    const rejected = await failWait(deps, orderId, lineIndex, 'RegulatoryRejected', request.reason);
    return { claimed: [], resumed: false, rejected };
  }
  // The line's own PENDING numbers, named here because Plivo has activated them, move to RENTED.
  const ownPending = new Set((await deps.store.numbers.list(orderId, lineIndex, ['PENDING'])).map((n) => n.number));
  const activeOwn: string[] = [];
  const unusable: string[] = [];
  for (const number of request.numbers) {
    try {
      const held = await deps.plivo.getAccountNumber(number);
      if (!matchesLine(line, held)) unusable.push(`${number} (does not match the line)`);
      else if (ownPending.has(number) && isInactive(held)) unusable.push(`${number} (still awaiting verification)`);
      else if (ownPending.has(number)) activeOwn.push(number);
    } catch (error) {
      if (!(error instanceof PlivoNotFoundError)) throw error;
      unusable.push(`${number} (not in the account)`);
    }
  }
  if (unusable.length > 0) throw new NumbersNotUsableError(`numbers cannot serve this line: ${unusable.join(', ')}`);
  await activate(deps, line, activeOwn);
  const others = request.numbers.filter((number) => !ownPending.has(number));
  const room = line.requested - line.rented;
  const { claimed, conflicts } = await deps.store.numbers.claim(orderId, lineIndex, 'resolved', others.slice(0, Math.max(0, room)));
  if (conflicts.length > 0) throw new NumbersNotUsableError(`numbers already belong to other orders: ${conflicts.map((c) => c.number).join(', ')}`);
  const resumed = (await lineReady(deps, orderId, lineIndex)) ? await resume(deps, orderId, lineIndex) : false;
  return { claimed: [...activeOwn, ...claimed], resumed, rejected: false };
}

/** The wait timed out at the deadline (a Catch in the state machine): the line fails. */
export async function expireLine(deps: WorkflowDeps, order: Pick<OrderItem, 'orderId'>, line: number): Promise<void> {
  await deps.store.lines.dropWait(order.orderId, line, 'FAILED');
  await deps.store.lines.recordError(order.orderId, line, {
    at: new Date().toISOString(),
    line,
    name: 'RegulatoryDeadlinePassed',
    message: 'the regulatory deadline passed before the numbers arrived',
  });
  deps.logger.warn('regulatory deadline passed', { orderId: order.orderId, line });
}
