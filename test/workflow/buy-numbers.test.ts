/**
 * Lines of specific numbers, step by step against the sandbox over real HTTP and DynamoDB Local:
 * every buy recorded before it is sent and claimed after, a buy whose outcome is unknown settled
 * by looking up that number before anything is tried again, a number Plivo will not sell failing
 * only itself, pending buys claimed at once and waited for, and compliance applications sent
 * with buys and group rents.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { terminalOrderStatuses } from '../../functions/lib/orders/model.js';
import { planOrder } from '../../functions/lib/workflow/plan.js';
import { rentLine } from '../../functions/lib/workflow/rent.js';
import { assignLine } from '../../functions/lib/workflow/assign.js';
import { matchesLine } from '../../functions/lib/workflow/regulatory.js';
import { budgetOf } from '../../functions/lib/workflow/deps.js';
import { until } from '../support/until.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
beforeAll(async () => {
  // A number bought and given back stands for one someone else took: it must not come back to stock.
  env = await startWorkflowEnv({ seed: 71, reissueUnrented: false });
}, 60_000);
afterAll(() => env?.close());
beforeEach(() => env.sandbox.setFaults([]));

let orders = 0;
const nextId = () => `wf-buy-${++orders}`;

/** Numbers Plivo's search offers now (US 512 unless said). */
async function offered(count: number, countryIso = 'US', pattern = '512'): Promise<string[]> {
  const page = await env.plivo.searchPhoneNumbers({ countryIso, type: 'local', pattern, limit: count });
  expect(page.objects).toHaveLength(count);
  return page.objects.map((n) => n.number);
}

async function planAndRent(orderId: string, lines: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  await env.createOrder(orderId, { lines: lines as never, ...extra });
  const plan = await planOrder(env.deps, orderId, budgetOf(60_000));
  const result = await rentLine(env.deps, orderId, 0, budgetOf(60_000));
  return { plan, result, line: await env.store.lines.get(orderId, 0) };
}

/** A compliance application for FR local numbers, made through the sandbox's admin API. */
async function application(status: 'approved' | 'submitted' | 'rejected'): Promise<{ id: string }> {
  const response = await fetch(`${env.sandbox.url}/__sandbox/compliance-applications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ countryIso2: 'FR', numberType: 'local', status }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

const buys = () => env.sandbox.snapshot().requests.byRoute['POST PhoneNumber/{number}/'] ?? {};
const sumOf = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const inAccount = () => new Map(env.sandbox.snapshot().numbers.map((n) => [n.number, n]));

describe('a line of specific numbers', () => {
  it('buys exactly those numbers, claims each, and plans them priced from the search', async () => {
    const numbers = await offered(3);
    const { plan, result, line } = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers }]);
    expect(plan.proceed).toBe(true);
    expect(result).toEqual({ more: false, next: 'assign' });
    expect(line.requested).toBe(3);
    expect(line.plan.map((p) => p.groupId)).toEqual(numbers);
    expect(line.plan.every((p) => p.rentalRate !== null && p.quantity === 1)).toBe(true);
    expect(line.rented).toBe(3);
    expect((await env.store.numbers.list(line.orderId, 0)).map((n) => n.number).sort()).toEqual([...numbers].sort());
    expect((await env.store.numbers.owners(numbers)).every((o) => o.orderId === line.orderId)).toBe(true);
    const account = inAccount();
    expect(numbers.every((n) => account.has(n))).toBe(true);
  });

  it('a number already taken fails that number only, with Plivo\'s reason on the line', async () => {
    const [taken = '', ...free] = await offered(3);
    // Someone took it: bought and given back, so Plivo no longer offers it.
    await env.plivo.buyPhoneNumber(taken);
    await env.plivo.unrentNumber(taken);
    const before = env.sandbox.snapshot().charges.total;
    const { result, line } = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers: [taken, ...free] }]);
    expect(result.next).toBe('assign');
    expect(line.rented).toBe(2);
    expect(line.errors).toHaveLength(1);
    expect(line.errors[0]?.message).toContain(taken);
    expect(line.errors[0]?.plivoMessage).toMatch(/not available to buy/);
    expect((await env.store.numbers.list(line.orderId, 0)).map((n) => n.number).sort()).toEqual([...free].sort());
    expect(inAccount().has(taken)).toBe(false);
    // Two numbers paid for, no more.
    expect(Object.keys(env.sandbox.snapshot().charges.perNumber).filter((n) => free.includes(n))).toHaveLength(2);
    expect(env.sandbox.snapshot().charges.total).toBeGreaterThan(before);
  });

  it('an all-or-nothing order stops buying once a number is refused', async () => {
    const [taken = '', ...free] = await offered(3);
    await env.plivo.buyPhoneNumber(taken);
    await env.plivo.unrentNumber(taken);
    const { line } = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers: [taken, ...free] }], { partialAllowed: false });
    expect(line.rented).toBe(0);
    expect(line.status).toBe('FAILED');
    expect(free.some((n) => inAccount().has(n))).toBe(false);
  });

  it('a buy that was carried out but answered 500 is found in the account and claimed, never bought again', async () => {
    const numbers = await offered(2);
    env.sandbox.setFaults([{ method: 'POST', path: 'PhoneNumber', status: 500, when: 'after', count: 1 }]);
    const before = sumOf(buys());
    const { result, line } = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers }]);
    expect(result.next).toBe('assign');
    expect(line.rented).toBe(2);
    expect(line.errors).toEqual([]);
    // One buy per number: the lost answer was reconciled, not repeated.
    expect(sumOf(buys()) - before).toBe(2);
    const intents = await env.store.intents.list(line.orderId, 0);
    expect(intents.map((i) => i.status)).toEqual(['DONE', 'DONE']);
  });

  it('a buy whose connection dropped before Plivo acted is looked up, found absent, and tried again', async () => {
    const numbers = await offered(1);
    env.sandbox.setFaults([{ method: 'POST', path: 'PhoneNumber', drop: true, when: 'before', count: 1 }]);
    const { line } = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers }]);
    expect(line.rented).toBe(1);
    const intents = await env.store.intents.list(line.orderId, 0);
    expect(intents.map((i) => i.status)).toEqual(['NOT_APPLIED', 'DONE']);
  });

  it('a buy cut off between Plivo and the claim (an intent left STARTED) is claimed on the next call', async () => {
    const numbers = await offered(1);
    const orderId = nextId();
    await env.createOrder(orderId, { lines: [{ countryIso: 'US', numberType: 'local', numbers }] });
    await planOrder(env.deps, orderId, budgetOf(60_000));
    // The step bought the number and died before claiming it.
    await env.store.intents.start(orderId, 0, numbers[0] ?? '', 1);
    await env.plivo.buyPhoneNumber(numbers[0] ?? '');
    const before = sumOf(buys());
    await rentLine(env.deps, orderId, 0, budgetOf(60_000));
    expect((await env.store.lines.get(orderId, 0)).rented).toBe(1);
    expect(sumOf(buys())).toBe(before);
  });

  it('a refused buy of a number the account already holds (an earlier answer lost) claims it', async () => {
    const numbers = await offered(1);
    await env.plivo.buyPhoneNumber(numbers[0] ?? '');
    const { line } = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers }]);
    expect(line.rented).toBe(1);
    expect(line.errors).toEqual([]);
  });

  it('a number another order owns is refused, never claimed twice', async () => {
    const numbers = await offered(1);
    const first = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers }]);
    expect(first.line.rented).toBe(1);
    const second = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers }]);
    expect(second.line.rented).toBe(0);
    expect(second.line.status).toBe('FAILED');
    expect(second.line.errors[0]?.plivoMessage).toMatch(/already in your account/);
    expect((await env.store.numbers.owners(numbers))[0]?.orderId).toBe(first.line.orderId);
  });

  it('stops buying when the order is cancelled mid-line', async () => {
    const numbers = await offered(6);
    const orderId = nextId();
    await env.createOrder(orderId, { lines: [{ countryIso: 'US', numberType: 'local', numbers }] });
    await planOrder(env.deps, orderId, budgetOf(60_000));
    env.sandbox.setFaults([{ method: 'POST', path: 'PhoneNumber', latencyMs: 400 }]);
    const renting = rentLine(env.deps, orderId, 0, budgetOf(60_000));
    await until('the first number to be bought', () => env.store.lines.get(orderId, 0), (line) => line.rented >= 1, { timeoutMs: 20_000, intervalMs: 50 });
    await env.store.orders.requestCancel(orderId, terminalOrderStatuses);
    expect(await renting).toEqual({ more: false, next: 'done' });
    const line = await env.store.lines.get(orderId, 0);
    expect(line.rented).toBeLessThan(numbers.length);
    // Every number it did buy is owned: the release finds them.
    const owned = (await env.store.numbers.list(orderId, 0)).map((n) => n.number);
    const account = inAccount();
    expect(numbers.filter((n) => account.has(n)).sort()).toEqual(owned.sort());
  });

  it('with price caps, a number the search does not show is not bought (its price is unknown)', async () => {
    const [taken = '', free = ''] = await offered(2);
    await env.plivo.buyPhoneNumber(taken);
    await env.plivo.unrentNumber(taken);
    const before = sumOf(buys());
    const { line } = await planAndRent(nextId(), [{ countryIso: 'US', numberType: 'local', numbers: [taken, free] }], { maxMonthlyRate: '5.00' });
    expect(line.plan.map((p) => p.groupId)).toEqual([free]);
    expect(line.errors[0]?.message).toMatch(/not on offer in Plivo's search/);
    expect(sumOf(buys()) - before).toBe(1);
  });
});

describe('buys in a country with verification requirements', () => {
  it('a pending buy is claimed at once; the line waits until the number is active', async () => {
    const numbers = await offered(2, 'FR', '1');
    const { result, line } = await planAndRent(nextId(), [{ countryIso: 'FR', numberType: 'local', numbers }]);
    expect(result.next).toBe('wait');
    expect(line.status).toBe('PENDING_REGULATORY');
    expect(line.pendingDetails).toMatch(/2 numbers bought await verification/);
    // Paid for and in the account: owned at once, so never an orphan.
    expect((await env.store.numbers.owners(numbers)).map((o) => o.orderId)).toEqual([line.orderId, line.orderId]);
    expect((await env.store.numbers.list(line.orderId, 0, ['PENDING'])).map((n) => n.number).sort()).toEqual([...numbers].sort());
  });

  it('a recovery that runs Rent again after the numbers went to the pool does not wait again', async () => {
    const numbers = await offered(1, 'FR', '1');
    const { line } = await planAndRent(nextId(), [{ countryIso: 'FR', numberType: 'local', numbers }]);
    env.sandbox.approvePending();
    // The reconciler's activation, as it does once Plivo lists the number active.
    await env.store.numbers.transition(line.orderId, 0, numbers, 'PENDING', 'RENTED');
    await env.store.lines.setStatus(line.orderId, 0, 'ASSIGNING');
    await assignLine(env.deps, line.orderId, 0, budgetOf(60_000));
    expect((await env.store.lines.get(line.orderId, 0)).assigned).toBe(1);
    // The order's execution died; its recovery runs the line's Rent step once more.
    expect(await rentLine(env.deps, line.orderId, 0, budgetOf(60_000))).toEqual({ more: false, next: 'assign' });
  });

  it('an approved compliance application makes the buy active at once: no wait', async () => {
    const numbers = await offered(1, 'FR', '1');
    const { id } = await application('approved');
    const { result, line } = await planAndRent(nextId(), [{ countryIso: 'FR', numberType: 'local', numbers, complianceApplicationId: id }]);
    expect(result.next).toBe('assign');
    expect(line.rented).toBe(1);
    expect(inAccount().get(numbers[0] ?? '')?.pending).toBeUndefined();
  });

  it('a group rent sends the application too: an approved one rents FR numbers at once', async () => {
    const { id } = await application('approved');
    const { result, line } = await planAndRent(nextId(), [{ countryIso: 'FR', numberType: 'local', quantity: 2, complianceApplicationId: id }]);
    expect(result.next).toBe('assign');
    expect(line.rented).toBe(2);
  });

  it('a rejected application fails the line with Plivo\'s message naming compliance_application_id, nothing rented', async () => {
    const { id } = await application('rejected');
    const before = env.sandbox.snapshot().numbers.length;
    const { line } = await planAndRent(nextId(), [{ countryIso: 'FR', numberType: 'local', quantity: 1, complianceApplicationId: id }]);
    expect(line.status).toBe('FAILED');
    expect(line.errors.map((e) => e.plivoMessage).join(' ')).toContain('compliance_application_id');
    expect(env.sandbox.snapshot().numbers.length).toBe(before);
  });

  it('the reconciler claims for a waiting line of numbers only its own numbers', async () => {
    const [own = '', other = ''] = await offered(2, 'FR', '1');
    const orderId = nextId();
    await env.createOrder(orderId, { lines: [{ countryIso: 'FR', numberType: 'local', numbers: [own] }] });
    const line = await env.store.lines.get(orderId, 0);
    expect(matchesLine(line, { number: own, number_type: 'local' })).toBe(true);
    expect(matchesLine(line, { number: other, number_type: 'local' })).toBe(false);
  });
});
