/**
 * Order lines Plivo's current number API makes possible, through the whole local stack (the
 * orders API, the local Step Functions endpoint running the real state machine, the reconciler
 * and the sandbox): specific numbers bought one by one, and compliance applications that spare a
 * regulated line its wait.
 */
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlivoClient } from '../../functions/lib/plivo/index.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { until } from '../support/until.js';

let e2e: E2eStack;
let stack: LocalStack;
let plivo: PlivoClient;
let poolUuid: string;
const WAIT = { timeoutMs: 30_000, intervalMs: 100 };

beforeAll(async () => {
  e2e = await startE2eStack('number-lines', {
    seed: 13,
    concurrency: 4,
    reconcileIntervalSeconds: 1,
    // A number bought and given back stands for one someone else took: it must not come back to stock.
    sandboxBehaviour: { reissueUnrented: false },
  });
  ({ stack, plivo, poolUuid } = e2e);
}, 120_000);
afterAll(() => e2e?.close());

const sandbox = () => e2e.sandbox;
const place = (order: Record<string, unknown>) => e2e.place(order);

async function getOrder(orderId: string) {
  const response = await fetch(`${stack.apiUrl}/orders/${orderId}`, { headers: { 'x-api-key': stack.apiKey } });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    status: string;
    lines: { status: string; counts: { requested: number; verified: number }; errors: { message: string; plivoMessage?: string }[]; pendingDetails?: string }[];
  };
}

/** Numbers Plivo's search offers now, as a customer picks them. */
async function pick(countryIso: string, pattern: string, count: number): Promise<string[]> {
  const page = await plivo.searchPhoneNumbers({ countryIso, type: 'local', pattern, limit: count });
  return page.objects.map((n) => n.number);
}

/** Names of the states an execution entered, from its history through the Step Functions API. */
async function statesEntered(executionArn: string): Promise<Set<string>> {
  const sfn = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const names = new Set<string>();
  try {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
      for (const event of page.events ?? []) if (event.stateEnteredEventDetails?.name) names.add(event.stateEnteredEventDetails.name);
      nextToken = page.nextToken;
    } while (nextToken);
  } finally {
    sfn.destroy();
  }
  return names;
}

const poolMembers = () => new Set(sandbox().snapshot().pools[poolUuid]?.members.map((m) => m.number));

describe('a line of specific numbers', () => {
  it('buys the numbers asked for; one already taken fails alone with Plivo\'s reason, the rest are verified in the pool', async () => {
    const [taken = '', ...wanted] = await pick('US', '415', 3);
    // Someone else took this one since the customer's search.
    await plivo.buyPhoneNumber(taken);
    await plivo.unrentNumber(taken);

    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'US', numberType: 'local', numbers: [...wanted, taken] }] });
    expect((await stack.stepFunctions.waitForExecution(executionArn)).status).toBe('SUCCEEDED');

    const order = await getOrder(orderId);
    expect(order.status).toBe('PARTIAL');
    expect(order.lines[0]).toMatchObject({ status: 'PARTIAL', counts: { requested: 3, verified: 2 } });
    expect(order.lines[0]?.errors).toHaveLength(1);
    expect(order.lines[0]?.errors[0]?.message).toContain(taken);
    expect(order.lines[0]?.errors[0]?.plivoMessage).toMatch(/not available to buy/);
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers.map((n) => [n.number, n.status]).sort()).toEqual(wanted.map((n) => [n, 'VERIFIED']).sort());
    const members = poolMembers();
    expect(wanted.every((n) => members.has(n))).toBe(true);
    expect(sandbox().snapshot().numbers.some((n) => n.number === taken)).toBe(false);
  });

  it('in France, without an application: bought pending, owned at once, waits, and completes once approved', async () => {
    const wanted = await pick('FR', '4', 2);
    const { orderId, executionArn } = await place({ lines: [{ countryIso: 'FR', numberType: 'local', numbers: wanted }] });
    await until('the line to wait on its token', () => stack.store.lines.get(orderId, 0), (line) => line.taskToken !== undefined, WAIT);
    expect((await getOrder(orderId)).status).toBe('PENDING_REGULATORY');
    expect((await stack.store.numbers.owners(wanted)).map((o) => o.orderId)).toEqual([orderId, orderId]);
    // The reconciler leaves the line waiting while the numbers are inactive, and calls them no orphans.
    stack.reconciler.pause();
    const report = (await stack.reconciler.runOnce()) as { resumed: number; orphans: string[] };
    stack.reconciler.resume();
    expect(report.resumed).toBe(0);
    expect(report.orphans.filter((n) => wanted.includes(n))).toEqual([]);
    expect((await stack.store.lines.get(orderId, 0)).status).toBe('PENDING_REGULATORY');

    sandbox().approvePending();
    expect((await stack.stepFunctions.waitForExecution(executionArn)).status).toBe('SUCCEEDED');
    expect((await getOrder(orderId)).status).toBe('COMPLETED');
    expect((await statesEntered(executionArn)).has('WaitForRegulatory')).toBe(true);
    const members = poolMembers();
    expect(wanted.every((n) => members.has(n))).toBe(true);
  });
});

describe('a compliance application', () => {
  it('an FR order with an approved application completes without waiting', async () => {
    const created = await fetch(`${stack.plivoUrl}/__sandbox/compliance-applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ countryIso2: 'FR', numberType: 'local', status: 'approved' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // From another prefix than the group line's: a group rent hands out the numbers a search showed first.
    const [vanity = ''] = await pick('FR', '1', 1);

    const { orderId, executionArn } = await place({
      lines: [
        { countryIso: 'FR', numberType: 'local', prefix: '4', quantity: 3, complianceApplicationId: id },
        { countryIso: 'FR', numberType: 'local', numbers: [vanity], complianceApplicationId: id },
      ],
    });
    expect((await stack.stepFunctions.waitForExecution(executionArn)).status).toBe('SUCCEEDED');
    const order = await getOrder(orderId);
    expect(order.status).toBe('COMPLETED');
    expect(order.lines.map((line) => [line.status, line.counts.verified, line.pendingDetails])).toEqual([
      ['COMPLETED', 3, undefined],
      ['COMPLETED', 1, undefined],
    ]);
    // Never parked: no branch entered the wait, and Plivo holds nothing pending for it.
    const entered = await statesEntered(executionArn);
    expect(entered.has('AssignToPool')).toBe(true);
    expect(entered.has('WaitForRegulatory')).toBe(false);
    const numbers = (await stack.store.numbers.list(orderId, undefined)).map((n) => n.number);
    expect(numbers).toContain(vanity);
    const pending = new Set(sandbox().snapshot().pendingOrders.flatMap((p) => p.numbers));
    expect(numbers.some((n) => pending.has(n))).toBe(false);
  });
});
