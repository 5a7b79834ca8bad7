/**
 * Lines of specific numbers (`numbers` on an order line): each number is bought by itself through
 * Plivo's `PhoneNumber/{number}/`, under the same rule as group rents (docs/design.md, invariant
 * 2): an intent is recorded before the buy, the bought number is claimed (owned) right after, and
 * a buy whose outcome is unknown (a 5xx, a timeout, a dropped connection, a crash before the
 * claim) is settled by looking up exactly that number in the account before it is ever tried
 * again. A number Plivo will not sell fails that number only, with Plivo's reason on the line.
 *
 * A number bought in a country with verification requirements can come back `pending`: it is in
 * the account and paid for, so it is claimed at once, and the line waits for regulatory approval
 * as a group rent's line does; the wait ends when every such number is active (`lineReady`).
 */
import pMap from 'p-map';
import { PlivoAuthError, PlivoBadRequestError, PlivoError, PlivoNotFoundError, PlivoOutcomeUnknownError, PlivoRateLimitedError } from '../errors.js';
import type { PlannedGroup } from '../orders/model.js';
import { type AccountNumber, isInactive, type PhoneNumber } from '../plivo/schemas.js';
import type { IntentItem, LineItem, OrderItem, RecordedError } from '../store/items.js';
import { type Budget, cancellationWatch, hasTime, type WorkflowDeps } from './deps.js';
import { recordOf } from './errors.js';
import { rentingDone } from './link.js';
import { capsPrices, servicesOf, withinRateCaps } from './line-terms.js';
import { callingCode } from './numbering.js';
import { claimAnswered } from './claim-answered.js';

/** What a line of numbers does next (the Rent step's result). */
export interface BuyResult {
  more: boolean;
  next: 'assign' | 'link' | 'wait' | 'done';
}

/** Buys of one number found not to have happened before the number is given up. */
const MAX_NOT_APPLIED_PER_NUMBER = 3;

type BuyOutcome = 'bought' | 'pending' | 'rejected' | 'unknown';

/** The line's complianceApplicationId, as the client's buy and rent options take it. */
export function complianceOf(line: Pick<LineItem, 'spec'>): { complianceApplicationId?: string } {
  return line.spec.complianceApplicationId ? { complianceApplicationId: line.spec.complianceApplicationId } : {};
}

function lineError(line: LineItem, number: string, error: unknown): RecordedError {
  const recorded = recordOf(error, line.line);
  return { ...recorded, message: `${number} was not bought: ${recorded.message}` };
}

/** Whether an offer has every service the line and the order's pool need. */
function missingServices(offer: PhoneNumber, needed: string): string[] {
  const enabled: Record<string, boolean | null | undefined> = { sms: offer.sms_enabled, mms: offer.mms_enabled, voice: offer.voice_enabled };
  return needed.split(',').filter((service) => enabled[service] !== true);
}

/** Plivo's search for exactly this number (its digits after the calling code as the pattern). */
async function offerOf(deps: WorkflowDeps, line: LineItem, number: string): Promise<PhoneNumber | undefined> {
  const pattern = number.slice(callingCode(line.spec.countryIso).length);
  const page = await deps.plivo.searchPhoneNumbers({ countryIso: line.spec.countryIso, type: line.spec.numberType, pattern, limit: 20 });
  return page.objects.find((offer) => offer.number === number);
}

/**
 * The plan of a line of numbers: one entry per number (`groupId` is the number), priced from
 * Plivo's search. A number the search shows without a service the line needs, or above the
 * order's caps, is left out with the reason on the line. A number the search does not show is
 * still planned when the order caps no price: its buy then says why Plivo will not sell it.
 */
export async function planNumbers(deps: WorkflowDeps, order: OrderItem, line: LineItem): Promise<PlannedGroup[]> {
  const numbers = line.spec.numbers ?? [];
  const needed = servicesOf(line.spec, order.request.service);
  const planned = await pMap(
    numbers,
    async (number): Promise<PlannedGroup | undefined> => {
      const offer = await offerOf(deps, line, number);
      let why: string | undefined;
      if (!offer && capsPrices(order)) why = `${number} is not on offer in Plivo's search, so its price is unknown and the order caps prices`;
      const missing = offer ? missingServices(offer, needed) : [];
      if (offer && missing.length > 0) why = `${number} is offered without ${missing.join(', ')}`;
      else if (offer && !withinRateCaps(offer.monthly_rental_rate, offer.setup_rate, order)) {
        why = `${number} costs more than the order's caps (monthly ${String(offer.monthly_rental_rate)}, setup ${String(offer.setup_rate)})`;
      }
      if (why) {
        await deps.store.lines.recordError(order.orderId, line.line, recordOf(new Error(why), line.line));
        return undefined;
      }
      return {
        groupId: number,
        quantity: 1,
        prefix: offer?.prefix ?? null,
        region: offer?.region ?? offer?.city ?? null,
        numberType: line.spec.numberType,
        setupRate: offer?.setup_rate === undefined || offer.setup_rate === null ? null : String(offer.setup_rate),
        rentalRate: offer?.monthly_rental_rate === undefined || offer.monthly_rental_rate === null ? null : String(offer.monthly_rental_rate),
      };
    },
    { concurrency: deps.concurrency ?? 16 },
  );
  return planned.filter((entry) => entry !== undefined);
}

/** The account's record of exactly this number, or undefined when the account does not hold it. */
async function heldNumber(deps: WorkflowDeps, number: string): Promise<AccountNumber | undefined> {
  try {
    return await deps.plivo.getAccountNumber(number);
  } catch (error) {
    if (error instanceof PlivoNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Claims a number the account holds for the line, unless another order owns it. Returns the
 * outcome for the intent, or undefined when the number is not ours to claim.
 */
async function claimHeld(deps: WorkflowDeps, line: LineItem, intent: IntentItem, held: AccountNumber): Promise<'bought' | 'pending' | undefined> {
  const pending = isInactive(held);
  const { claimed, conflicts } = await deps.store.numbers.claim(intent.orderId, line.line, intent.groupId, [held.number], pending ? 'PENDING' : 'RENTED');
  if (conflicts.length > 0) {
    deps.logger.error('bought number already owned by another order or line', { orderId: intent.orderId, line: line.line, conflicts });
    return undefined;
  }
  await deps.store.intents.finish(intent, 'DONE', { rented: claimed.length, failed: 0 });
  return pending ? 'pending' : 'bought';
}

/**
 * Settles a buy whose outcome is unknown by looking up exactly that number in the account: held
 * and owned by no other order, it is claimed; absent, the buy did not happen (NOT_APPLIED).
 */
async function reconcileBuy(deps: WorkflowDeps, line: LineItem, intent: IntentItem): Promise<BuyOutcome> {
  const held = await heldNumber(deps, intent.groupId);
  const outcome = held ? await claimHeld(deps, line, intent, held) : undefined;
  if (!outcome) await deps.store.intents.finish(intent, 'NOT_APPLIED', { rented: 0, failed: 0 });
  deps.logger.warn('buy with unknown outcome reconciled', { orderId: intent.orderId, line: line.line, number: intent.groupId, found: outcome !== undefined });
  return outcome ?? 'unknown';
}

/** Reconciles every buy of a line still open (after a crash, or before a release). */
export async function reconcileOpenBuys(deps: WorkflowDeps, orderId: string, line: LineItem): Promise<void> {
  for (const intent of await deps.store.intents.list(orderId, line.line)) {
    if (intent.status === 'STARTED') await reconcileBuy(deps, line, intent);
  }
}

async function buyOnce(deps: WorkflowDeps, order: OrderItem, line: LineItem, number: string): Promise<BuyOutcome> {
  const intent = await deps.store.intents.start(order.orderId, line.line, number, 1);
  let result;
  try {
    result = await deps.plivo.buyPhoneNumber(number, complianceOf(line));
  } catch (error) {
    if (error instanceof PlivoRateLimitedError || error instanceof PlivoAuthError) {
      // Plivo did nothing: close the intent, and let Step Functions retry later (or fail the order).
      await deps.store.intents.finish(intent, 'NOT_APPLIED', { rented: 0, failed: 0 });
      throw error;
    }
    if (error instanceof PlivoBadRequestError || error instanceof PlivoNotFoundError) {
      // Refused. If an earlier buy whose answer was lost (or shown late) put it in the account
      // after all, it is ours: claim it rather than leave it paid for and owned by nothing.
      const held = await heldNumber(deps, number);
      const claimed = held ? await claimHeld(deps, line, intent, held) : undefined;
      if (claimed) return claimed;
      await deps.store.intents.finish(intent, 'REJECTED', { rented: 0, failed: 1 });
      await deps.store.lines.recordError(order.orderId, line.line, lineError(line, number, error));
      deps.logger.warn('number not bought', { orderId: order.orderId, line: line.line, number, reason: error.plivoMessage ?? error.message });
      return 'rejected';
    }
    // Any other failure of a buy (not idempotent) leaves its outcome open: look before trying again.
    if (error instanceof PlivoOutcomeUnknownError || error instanceof PlivoError) return reconcileBuy(deps, line, intent);
    throw error;
  }
  if (result.status === 'failed') {
    await deps.store.intents.finish(intent, 'REJECTED', { rented: 0, failed: 1 });
    await deps.store.lines.recordError(order.orderId, line.line, {
      ...recordOf(new Error(`${number} was not bought: Plivo answered "${result.reason}"`), line.line),
      plivoMessage: result.reason,
      ...(result.apiId ? { apiId: result.apiId } : {}),
    });
    return 'rejected';
  }
  const pending = result.status === 'pending';
  const claimed = await claimAnswered(deps, order.orderId, line.line, number, [number], pending ? 'PENDING' : 'RENTED');
  await deps.store.intents.finish(intent, 'DONE', { rented: claimed.length, failed: 0 });
  if (pending) deps.logger.info('bought number pending verification', { orderId: order.orderId, line: line.line, number });
  return pending ? 'pending' : 'bought';
}

/** The numbers of the plan still to buy: not bought, not refused, not given up. */
function toBuy(line: LineItem, intents: readonly IntentItem[]): string[] {
  return line.plan
    .map((entry) => entry.groupId)
    .filter((number) => {
      const tries = intents.filter((intent) => intent.groupId === number);
      if (tries.some((intent) => intent.status === 'DONE' || intent.status === 'REJECTED')) return false;
      return tries.filter((intent) => intent.status === 'NOT_APPLIED').length < MAX_NOT_APPLIED_PER_NUMBER;
    });
}

/**
 * The Rent step of a line of numbers: buys each planned number not bought yet, one at a time
 * within the invocation's budget. The line waits when a bought number awaits verification; an
 * all-or-nothing order stops buying once a number is refused (the rest would be released).
 */
export async function buyLine(deps: WorkflowDeps, order: OrderItem, line: LineItem, budget: Budget): Promise<BuyResult> {
  const { orderId } = order;
  await reconcileOpenBuys(deps, orderId, line);
  await deps.store.lines.setStatus(orderId, line.line, 'RENTING');
  let intents = await deps.store.intents.list(orderId, line.line);
  const refused = () => intents.some((intent) => intent.status === 'REJECTED');
  const cancelled = cancellationWatch(deps, orderId);
  // A buy found not to have happened is tried again (a few times): the list is read anew each turn.
  for (let number = toBuy(line, intents)[0]; number !== undefined; number = toBuy(line, intents)[0]) {
    if (!order.request.partialAllowed && refused()) break;
    if (await cancelled()) return { more: false, next: 'done' };
    if (!hasTime(budget)) return { more: true, next: 'assign' };
    await buyOnce(deps, order, line, number);
    intents = await deps.store.intents.list(orderId, line.line);
  }
  // Numbers bought pending that Plivo has not activated yet (the reconciler moves them to RENTED).
  const pending = (await deps.store.numbers.list(orderId, line.line, ['PENDING'])).map((n) => n.number);
  const current = await deps.store.lines.get(orderId, line.line);
  if (pending.length > 0) {
    const details = `${pending.length} numbers bought await verification: ${pending.join(', ')}`;
    await deps.store.lines.setStatus(orderId, line.line, 'PENDING_REGULATORY', { pendingDetails: details });
    await deps.store.orders.setStatus(orderId, 'PENDING_REGULATORY', ['IN_PROGRESS']);
    return { more: false, next: 'wait' };
  }
  if (current.rented === 0) {
    await deps.store.lines.setStatus(orderId, line.line, 'FAILED');
    return { more: false, next: 'done' };
  }
  return rentingDone(deps, order, line);
}
