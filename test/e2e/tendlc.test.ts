/**
 * 10DLC campaign linking inside an order, through the whole local stack: the orders API, the real
 * state machine on the local Step Functions endpoint, the sandbox's Number Linking API with its
 * signed status callbacks to the Plivo callback route. Each stack here is one sandbox switch
 * (`--require-10dlc` on or off), so that both of Plivo's possible pool behaviours are covered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { until } from '../support/until.js';

const WAIT = { timeoutMs: 60_000, intervalMs: 100 };
const CAMPAIGN = 'CUOGHIN';

interface OrderView {
  status: string;
  campaignId?: string;
  lines: { status: string; campaignId?: string; counts: Record<string, number> }[];
}

async function getOrder(e2e: E2eStack, orderId: string): Promise<OrderView> {
  const response = await fetch(`${e2e.stack.apiUrl}/orders/${orderId}`, { headers: { 'x-api-key': e2e.stack.apiKey } });
  expect(response.status).toBe(200);
  return (await response.json()) as OrderView;
}

const ENDED = new Set(['COMPLETED', 'PARTIAL', 'FAILED', 'ROLLED_BACK', 'CANCELLED']);

async function ended(e2e: E2eStack, orderId: string): Promise<OrderView> {
  return until(`order ${orderId} to end`, () => getOrder(e2e, orderId), (order) => ENDED.has(order.status), WAIT);
}

async function addCampaign(e2e: E2eStack, campaignId: string): Promise<void> {
  const response = await fetch(`${e2e.sandbox.url}/__sandbox/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ campaignId, usecase: 'MIXED' }),
  });
  expect(response.status).toBe(201);
}

/** Of these numbers, those still in the account (given back ones are not). */
function inAccount(e2e: E2eStack, numbers: readonly string[]): string[] {
  const wanted = new Set(numbers);
  return e2e.sandbox.snapshot().numbers.filter((n) => wanted.has(n.number)).map((n) => n.number);
}

/** Each number's 10DLC fields as Plivo's account listing (`GET Number/{number}/`) gives them. */
async function tendlcOf(e2e: E2eStack, numbers: readonly string[]) {
  return Promise.all(
    numbers.map(async (number) => {
      const { tendlc_registration_status, tendlc_campaign_id } = await e2e.plivo.getAccountNumber(number);
      return { number, tendlc_registration_status, tendlc_campaign_id };
    }),
  );
}

async function numbersOf(e2e: E2eStack, orderId: string, status: 'VERIFIED' | 'RELEASED' | 'FAILED'): Promise<string[]> {
  return (await e2e.stack.store.numbers.list(orderId, undefined, [status])).map((n) => n.number);
}

async function poolMembers(e2e: E2eStack): Promise<Set<string>> {
  const page = await e2e.plivo.listPoolNumbers(e2e.poolUuid, { limit: 20 });
  const members = new Set(page.objects.map((n) => n.number));
  for (let offset = 20; offset < page.meta.total_count; offset += 20) {
    for (const n of (await e2e.plivo.listPoolNumbers(e2e.poolUuid, { limit: 20, offset })).objects) members.add(n.number);
  }
  return members;
}

describe.each([
  { require10dlc: false, label: 'pool adds without 10DLC checks' },
  { require10dlc: true, label: '--require-10dlc' },
])('10DLC linking in an order ($label)', ({ require10dlc }) => {
  let e2e: E2eStack;

  beforeAll(async () => {
    e2e = await startE2eStack(`tendlc-${require10dlc ? 'required' : 'optional'}`, {
      seed: 19,
      concurrency: 8,
      reconcileIntervalSeconds: 0,
      // The link step waits at least 5 s between passes while Plivo processes links; here, 200 ms.
      waitStateMs: 200,
      sandboxBehaviour: { tendlcLinkDelayMs: 300, require10dlc },
    });
    await addCampaign(e2e, CAMPAIGN);
  }, 120_000);
  afterAll(() => e2e?.close());

  it('links every number of a US line with the order\'s campaign before the pool: COMPLETED, linked in the account, in the pool', async () => {
    const { orderId } = await e2e.place({
      campaignId: CAMPAIGN,
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 6 },
        { countryIso: 'CA', numberType: 'local', quantity: 2 },
      ],
    });
    const order = await ended(e2e, orderId);
    expect(order.status).toBe('COMPLETED');
    expect(order.campaignId).toBe(CAMPAIGN);
    expect(order.lines[0]).toMatchObject({ status: 'COMPLETED', campaignId: CAMPAIGN, counts: { requested: 6, linked: 6, verified: 6 } });
    // The Canadian line has no campaign: nothing linked.
    expect(order.lines[1]).toMatchObject({ status: 'COMPLETED', counts: { linked: 0, verified: 2 } });
    expect(order.lines[1]?.campaignId).toBeUndefined();

    const verified = await numbersOf(e2e, orderId, 'VERIFIED');
    expect(verified).toHaveLength(8);
    const us = await tendlcOf(e2e, verified.filter((n) => n.startsWith('1512')));
    expect(us).toHaveLength(6);
    for (const number of us) expect(number).toMatchObject({ tendlc_registration_status: 'COMPLETED', tendlc_campaign_id: CAMPAIGN });
    const members = await poolMembers(e2e);
    for (const number of verified) expect(members.has(number)).toBe(true);
    // Plivo's signed callbacks, through the Plivo callback route, said how each link ended: no status was read.
    const snapshot = e2e.sandbox.snapshot();
    expect(snapshot.callbacks.delivered).toBeGreaterThanOrEqual(6);
    expect(Object.keys(snapshot.requests.byRoute).filter((route) => route.startsWith('GET 10dlc/'))).toEqual([]);
    expect(await e2e.unowned()).toEqual([]);
  });

  it('a line campaign of its own; links that fail are released and the line ends PARTIAL (partial allowed)', async () => {
    e2e.sandbox.setFaults([{ method: 'POST', path: '10dlc/', numberFailureRate: 0.5 }]);
    try {
      const { orderId } = await e2e.place({
        partialAllowed: true,
        lines: [{ countryIso: 'US', numberType: 'local', prefix: '415', quantity: 8, campaignId: CAMPAIGN }],
      });
      const order = await ended(e2e, orderId);
      const line = order.lines[0];
      if (!line) throw new Error('no line');
      const failed = line.counts.failed ?? 0;
      expect(failed).toBeGreaterThan(0);
      expect(failed).toBeLessThan(8);
      expect(order.status).toBe('PARTIAL');
      expect(line).toMatchObject({ status: 'PARTIAL', counts: { linked: 8 - failed, verified: 8 - failed, released: failed } });
      const released = await numbersOf(e2e, orderId, 'RELEASED');
      expect(released).toHaveLength(failed);
      // Given back: no longer in the account, so no longer paid for.
      expect(inAccount(e2e, released)).toEqual([]);
      for (const number of await tendlcOf(e2e, await numbersOf(e2e, orderId, 'VERIFIED'))) {
        expect(number).toMatchObject({ tendlc_registration_status: 'COMPLETED', tendlc_campaign_id: CAMPAIGN });
      }
      expect(await e2e.unowned()).toEqual([]);
    } finally {
      e2e.sandbox.setFaults([]);
    }
  });

  it('all or nothing: one failed link rolls the order back and every number is given back', async () => {
    e2e.sandbox.setFaults([{ method: 'POST', path: '10dlc/', numberFailureRate: 0.3 }]);
    try {
      const { orderId } = await e2e.place({
        campaignId: CAMPAIGN,
        partialAllowed: false,
        lines: [{ countryIso: 'US', numberType: 'local', quantity: 10 }],
      });
      const order = await ended(e2e, orderId);
      expect(order.status).toBe('ROLLED_BACK');
      expect(order.lines[0]?.counts.verified).toBe(0);
      const released = await numbersOf(e2e, orderId, 'RELEASED');
      expect(released).toHaveLength(10);
      expect(inAccount(e2e, released)).toEqual([]);
      expect(await e2e.unowned()).toEqual([]);
    } finally {
      e2e.sandbox.setFaults([]);
    }
  });

  it('a campaign Plivo does not know: the line fails and its numbers are released', async () => {
    const { orderId } = await e2e.place({ partialAllowed: true, lines: [{ countryIso: 'US', numberType: 'local', quantity: 2, campaignId: 'CNOSUCH' }] });
    const order = await ended(e2e, orderId);
    expect(order.status).toBe('FAILED');
    expect(await numbersOf(e2e, orderId, 'RELEASED')).toHaveLength(2);
    expect(await e2e.unowned()).toEqual([]);
  });
});
