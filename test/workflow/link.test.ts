/**
 * The LinkCampaign step (workflow/link.ts) against DynamoDB Local and the sandbox's Number Linking
 * API: one request per batch, waits that run no Lambda, callbacks or status reads, lost callbacks,
 * refused numbers and the link deadline. The whole order through the state machine and the Plivo
 * callback route is test/e2e/tendlc.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetOf, type WorkflowDeps } from '../../functions/lib/workflow/deps.js';
import { linkLine, LOST_CALLBACK_MS } from '../../functions/lib/workflow/link.js';
import { countedPass } from '../../functions/lib/workflow/passes.js';
import { planOrder } from '../../functions/lib/workflow/plan.js';
import { rentLine } from '../../functions/lib/workflow/rent.js';
import { withWorkSlot } from '../../functions/lib/workflow/work-slots.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

const CAMPAIGN = 'CUOGHIN';
const LINK_DELAY_MS = 60_000;
const LINK_ROUTE = 'POST 10dlc/Campaign/{campaign_id}/Number/';
const STATUS_ROUTE = 'GET 10dlc/Campaign/{campaign_id}/Number/{number}/';

let env: WorkflowEnv;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 19, tendlcLinkDelayMs: LINK_DELAY_MS });
  for (const campaignId of [CAMPAIGN, 'CSECOND']) {
    const response = await fetch(`${env.sandbox.url}/__sandbox/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId, usecase: 'MIXED' }),
    });
    expect(response.status).toBe(201);
  }
}, 60_000);
afterAll(() => env?.close());

const budget = () => budgetOf(120_000);
const calls = (route: string) => env.calls.snapshot().byRoute[route] ?? 0;

/** Places a one-line US order with the campaign, plans and rents it: its numbers are RENTED, the line's next step is LinkCampaign. */
async function rentedLine(orderId: string, quantity: number): Promise<string[]> {
  await env.createOrder(orderId, { campaignId: CAMPAIGN, lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity }] });
  await planOrder(env.deps, orderId, budget());
  expect(await rentLine(env.deps, orderId, 0, budget())).toMatchObject({ more: false, next: 'link' });
  expect((await env.store.lines.get(orderId, 0)).status).toBe('LINKING');
  return (await env.store.numbers.list(orderId, 0, ['RENTED'])).map((n) => n.number);
}

/** One pass as the handler runs it: counted, holding a work slot. */
const pass = (deps: WorkflowDeps, orderId: string) =>
  countedPass({ passes: 0, lineCount: 1 }, () => withWorkSlot({ ...deps, workSlots: 4 }, orderId, 0, budget(), () => linkLine(deps, orderId, 0, budget())));

/** Moves the sandbox clock past the link delay: the links asked so far are carried out. */
async function pastLinkDelay(): Promise<void> {
  const response = await fetch(`${env.sandbox.url}/__sandbox/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceDays: (LINK_DELAY_MS + 1_000) / 86_400_000 }),
  });
  expect(response.status).toBe(200);
}

const statuses = async (orderId: string) => (await env.store.numbers.list(orderId, 0)).map((n) => n.status);

describe('LinkCampaign', () => {
  it('asks in one request per 100 numbers, then waits with no Lambda running (busy), and reads the statuses once carried out', async () => {
    const rented = await rentedLine('lk-batch', 120);
    const linkCalls = calls(LINK_ROUTE);
    const first = await pass(env.deps, 'lk-batch');
    expect(first).toMatchObject({ more: true, busy: true, passes: 1 });
    expect(first.waitSeconds).toBeGreaterThanOrEqual(5);
    expect(calls(LINK_ROUTE) - linkCalls).toBe(2);
    expect(new Set(await statuses('lk-batch'))).toEqual(new Set(['LINKING']));
    const line = await env.store.lines.get('lk-batch', 0);
    expect(Date.parse(line.linkDeadlineAt ?? '') - Date.parse(line.linkStartedAt ?? '')).toBe(24 * 3_600_000);

    await pastLinkDelay();
    const reads = calls(STATUS_ROUTE);
    expect(await pass(env.deps, 'lk-batch')).toMatchObject({ more: false, busy: false });
    // No callback URL: each number's status read once; nothing asked again.
    expect(calls(STATUS_ROUTE) - reads).toBe(rented.length);
    expect(calls(LINK_ROUTE) - linkCalls).toBe(2);
    expect(new Set(await statuses('lk-batch'))).toEqual(new Set(['LINKED']));
    expect(await env.store.lines.get('lk-batch', 0)).toMatchObject({ status: 'ASSIGNING', linked: 120 });
  });

  it('with a callback URL, takes the statuses from the callbacks and reads none until a callback is late', async () => {
    const rented = await rentedLine('lk-callbacks', 3);
    const [first, second, third] = rented;
    if (!first || !second || !third) throw new Error('not rented');
    const deps: WorkflowDeps = { ...env.deps, plivoCallbackUrl: 'https://hooks.invalid/webhooks/plivo' };
    const reads = calls(STATUS_ROUTE);
    expect(await pass(deps, 'lk-callbacks')).toMatchObject({ busy: true });
    await pastLinkDelay();
    // Two callbacks arrive (the route keeps them); the third is late.
    const receivedAt = new Date().toISOString();
    await env.store.plivoCallbacks.recordLinkStatus({ campaignId: CAMPAIGN, number: first, status: 'COMPLETED', receivedAt }, 3600);
    await env.store.plivoCallbacks.recordLinkStatus({ campaignId: CAMPAIGN, number: second, status: 'FAILED', receivedAt }, 3600);
    expect(await pass(deps, 'lk-callbacks')).toMatchObject({ more: true, busy: true });
    expect(calls(STATUS_ROUTE) - reads).toBe(0);
    const byNumber = new Map((await env.store.numbers.list('lk-callbacks', 0)).map((n) => [n.number, n]));
    expect(byNumber.get(first)?.status).toBe('LINKED');
    expect(byNumber.get(second)).toMatchObject({ status: 'FAILED', error: 'Plivo reported the 10DLC link FAILED' });
    expect(byNumber.get(third)?.status).toBe('LINKING');
  });

  it('reads the status of a link whose callback is lost', async () => {
    await rentedLine('lk-lost', 2);
    const longAgo = new Date(Date.now() - LOST_CALLBACK_MS - 60_000);
    await env.store.lines.startLinking('lk-lost', 0, longAgo.toISOString(), new Date(longAgo.getTime() + 24 * 3_600_000).toISOString());
    const deps: WorkflowDeps = { ...env.deps, plivoCallbackUrl: 'https://hooks.invalid/webhooks/plivo' };
    expect(await pass(deps, 'lk-lost')).toMatchObject({ busy: true });
    await pastLinkDelay();
    const reads = calls(STATUS_ROUTE);
    expect(await pass(deps, 'lk-lost')).toMatchObject({ more: false });
    expect(calls(STATUS_ROUTE) - reads).toBe(2);
    expect(new Set(await statuses('lk-lost'))).toEqual(new Set(['LINKED']));
  });

  it('reads a lost callback after PLIVO_LOST_CALLBACK_SECONDS, and not before', async () => {
    await rentedLine('lk-lost-soon', 1);
    const halfAMinuteAgo = new Date(Date.now() - 30_000);
    await env.store.lines.startLinking('lk-lost-soon', 0, halfAMinuteAgo.toISOString(), new Date(halfAMinuteAgo.getTime() + 24 * 3_600_000).toISOString());
    const waiting = (lostCallbackMs: number): WorkflowDeps => ({ ...env.deps, plivoCallbackUrl: 'https://hooks.invalid/webhooks/plivo', lostCallbackMs });
    expect(await pass(waiting(60_000), 'lk-lost-soon')).toMatchObject({ busy: true });
    await pastLinkDelay();
    const reads = calls(STATUS_ROUTE);
    // Linking for 30 s: not lost under a minute's setting, lost under 20 s.
    expect(await pass(waiting(60_000), 'lk-lost-soon')).toMatchObject({ more: true, busy: true });
    expect(calls(STATUS_ROUTE) - reads).toBe(0);
    expect(await pass(waiting(20_000), 'lk-lost-soon')).toMatchObject({ more: false });
    expect(calls(STATUS_ROUTE) - reads).toBe(1);
    expect(await statuses('lk-lost-soon')).toEqual(['LINKED']);
  });

  it('asks number by number when Plivo refuses a batch: only the refused number fails', async () => {
    const [taken, ...rest] = await rentedLine('lk-refused', 4);
    if (!taken) throw new Error('not rented');
    // Linked to another campaign beforehand: Plivo refuses to link it to this one.
    await env.plivo.linkNumbersToCampaign('CSECOND', [taken]);
    expect(await pass(env.deps, 'lk-refused')).toMatchObject({ busy: true });
    const byNumber = new Map((await env.store.numbers.list('lk-refused', 0)).map((n) => [n.number, n]));
    expect(byNumber.get(taken)).toMatchObject({ status: 'FAILED', error: expect.stringContaining('10DLC link refused') });
    for (const number of rest) expect(byNumber.get(number)?.status).toBe('LINKING');
  });

  it('fails the links still processing at the deadline', async () => {
    await rentedLine('lk-deadline', 2);
    const started = Date.now() - 2 * 3_600_000;
    await env.store.lines.startLinking('lk-deadline', 0, new Date(started).toISOString(), new Date(started + 3_600_000).toISOString());
    expect(await pass(env.deps, 'lk-deadline')).toMatchObject({ more: false, busy: false });
    for (const number of await env.store.numbers.list('lk-deadline', 0)) {
      expect(number).toMatchObject({ status: 'FAILED', error: expect.stringContaining('not COMPLETED within') });
    }
  });

  it('waits out a Plivo outage instead of coming back at once, and gives the numbers up at the deadline', async () => {
    await rentedLine('lk-outage', 2);
    env.sandbox.setFaults([{ method: 'POST', path: '10dlc/', status: 503 }]);
    try {
      const first = await pass(env.deps, 'lk-outage');
      expect(first).toMatchObject({ more: true, busy: true });
      expect(first.waitSeconds).toBeGreaterThanOrEqual(5);
      expect(new Set(await statuses('lk-outage'))).toEqual(new Set(['RENTED']));
      // Still down at the deadline: the numbers that were never taken fail, and are released before the order ends.
      const started = Date.now() - 2 * 3_600_000;
      await rentedLine('lk-outage-late', 1);
      await env.store.lines.startLinking('lk-outage-late', 0, new Date(started).toISOString(), new Date(started + 3_600_000).toISOString());
      expect(await pass(env.deps, 'lk-outage-late')).toMatchObject({ more: false, busy: false });
      for (const number of await env.store.numbers.list('lk-outage-late', 0)) {
        expect(number).toMatchObject({ status: 'FAILED', error: expect.stringContaining('Plivo did not take the 10DLC link') });
      }
    } finally {
      env.sandbox.setFaults([]);
    }
    expect(await pass(env.deps, 'lk-outage')).toMatchObject({ busy: true });
    expect(new Set(await statuses('lk-outage'))).toEqual(new Set(['LINKING']));
  });

  it('needs a campaign Plivo knows: the line fails (CampaignNotFoundError)', async () => {
    await env.createOrder('lk-unknown', { lines: [{ countryIso: 'US', numberType: 'local', quantity: 1, campaignId: 'CNOSUCH' }] });
    await planOrder(env.deps, 'lk-unknown', budget());
    await rentLine(env.deps, 'lk-unknown', 0, budget());
    await expect(linkLine(env.deps, 'lk-unknown', 0, budget())).rejects.toMatchObject({ name: 'CampaignNotFoundError' });
  });
});
