/**
 * The fault matrix: for every task function of the order workflow and every side effect it makes
 * in a representative order, the invocation is killed just before and just after that effect (a
 * Lambda timeout: `Sandbox.Timedout`), and the order must still end as its clean run did, with
 * every number in the account owned by exactly one record.
 *
 * Deterministic: a first clean run of each representative order, traced, lists its effects
 * (function, index among that function's effects for the order); each cell is one order whose plan
 * holds one crash point (function, index, before/after), found by the order's `reference`. The
 * cells run concurrently on one local stack.
 *
 * The representative orders, each with a webhook:
 * - `verify`: one US line of 2 numbers: its announcements (Notify), Plan, Rent, AssignToPool, Verify
 *   and Finalize;
 * - `cancel`: one FR line that Plivo answers pending and one US line of 2 numbers. Once the FR line
 *   is parked on its task token (AwaitRegulatory) and the US line verified, the order is cancelled:
 *   its wait fails, the US numbers are given back (RollbackUnrent) and the order ends CANCELLED with
 *   nothing rented. (Cancelling at that point, not at a regulatory deadline, keeps its effects the
 *   same in every cell however loaded the stack is.) Its cells are those of the two functions the
 *   first order does not reach;
 * - `link`: one US line of 1 number with a 10DLC campaign (one number: its link's callback settles
 *   it in one pass, so a clean run and its cells make the same effects). Its cells are LinkCampaign's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ORDER_FUNCTIONS } from '../../statemachines/order-functions.js';
import { CATALOGUE } from '../../infra/local/plivo-sandbox/catalogue.js';
import { auditAccount } from '../../infra/audit/audit.js';
import { cancelOrder } from '../../functions/lib/workflow/cancel.js';
import { silentLogger } from '../../functions/lib/workflow/deps.js';
import { until } from '../support/until.js';
import { LambdaCrashes, type CrashPoint, type TracedEffect } from '../../infra/local/lambda-crashes.js';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';

interface Scenario {
  name: string;
  /** The order, its US line's area code given. */
  order: (usPrefix: string) => Record<string, unknown>;
  usPrefix: string;
  /** What the order's numbers end as: how many the account still holds for it. */
  owned: number;
  status: string;
  /** The functions whose effects become cells. @default every function */
  functions?: readonly string[];
  /** What the test does once the order is placed. */
  afterPlaced?: (orderId: string) => Promise<void>;
}

let e2e: E2eStack;
/** Where the orders' webhooks go (Notify's deliveries are effects too): it answers 204. */
let receiver: Server;
let callbackUrl: string;
let sfn: SFNClient;
/** Cell reference → its crash points. */
const plans = new Map<string, CrashPoint[]>();
/** Order id → the effects its invocations carried out. */
const traces = new Map<string, TracedEffect[]>();
const crashes = new LambdaCrashes({
  plan: async (orderId) => plans.get((await e2e.stack.store.orders.get(orderId)).request.reference ?? '') ?? [],
  trace: (effect) => traces.set(effect.orderId, [...(traces.get(effect.orderId) ?? []), effect]),
});

/**
 * US area codes no scenario uses, for cells that need a kind of number of their own: those with one
 * plain group (every capability, no setup fee), so that a cell's order makes its clean run's effects.
 */
const US_LOCAL_GROUPS = CATALOGUE.filter((g) => g.countryIso2 === 'US' && g.numberType === 'local');
const spareUsPrefixes = [...new Set(US_LOCAL_GROUPS.map((g) => g.prefix))].filter((prefix) => {
  const groups = US_LOCAL_GROUPS.filter((g) => g.prefix === prefix);
  return !['512', '415'].includes(prefix) && groups.length === 1 && groups.every((g) => g.voiceEnabled && g.smsEnabled && g.mmsEnabled && Number(g.setupRate) === 0 && g.initialStock > 100);
});

/** The 10DLC campaign of the `link` order (registered in the sandbox at start). */
const CAMPAIGN = 'CMATRIX';
const linkPrefix = spareUsPrefixes.shift() ?? '';

/** A cell whose execution has not ended by then is reported as such. */
const CELL_TIMEOUT_MS = Number(process.env.CRASH_MATRIX_CELL_TIMEOUT_MS ?? 80_000);

const SCENARIOS: Scenario[] = [
  { name: 'verify', usPrefix: '512', order: (prefix) => ({ lines: [{ countryIso: 'US', numberType: 'local', prefix, quantity: 2 }] }), owned: 2, status: 'COMPLETED' },
  {
    name: 'cancel',
    usPrefix: '415',
    order: (prefix) => ({
      lines: [
        { countryIso: 'FR', numberType: 'local', quantity: 1 },
        { countryIso: 'US', numberType: 'local', prefix, quantity: 2 },
      ],
    }),
    owned: 0,
    status: 'CANCELLED',
    functions: [ORDER_FUNCTIONS.AwaitRegulatoryFunctionArn.functionName, ORDER_FUNCTIONS.RollbackUnrentFunctionArn.functionName],
    afterPlaced: async (orderId) => {
      await until(
        'the FR line to wait on its token and the US line to be verified',
        () => e2e.stack.store.lines.list(orderId),
        (lines) => lines[0]?.taskToken !== undefined && lines[1]?.verified === 2,
        { timeoutMs: CELL_TIMEOUT_MS, intervalMs: 200 },
      );
      await cancelOrder({ store: e2e.stack.store, sfn, logger: silentLogger }, orderId);
    },
  },
  {
    name: 'link',
    usPrefix: linkPrefix,
    order: (prefix) => ({ campaignId: CAMPAIGN, lines: [{ countryIso: 'US', numberType: 'local', prefix, quantity: 1 }] }),
    owned: 1,
    status: 'COMPLETED',
    functions: [ORDER_FUNCTIONS.LinkCampaignFunctionArn.functionName],
  },
];

interface Outcome {
  reference: string;
  orderId: string;
  status: string;
  executionStatus: string;
}

async function run(scenario: Scenario, reference: string, usPrefix = scenario.usPrefix): Promise<Outcome> {
  const { orderId, executionArn } = await e2e.place({ ...scenario.order(usPrefix), reference, callbackUrl });
  await scenario.afterPlaced?.(orderId);
  const ended = await Promise.race([e2e.stack.stepFunctions.waitForExecution(executionArn), sleep(CELL_TIMEOUT_MS, undefined, { ref: false }).then(() => undefined)]);
  const order = await e2e.stack.store.orders.get(orderId);
  if (!ended && process.env.CRASH_MATRIX_TRACE) {
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 12 }));
    process.stdout.write(`${reference} not ended; last events:\n${(history.events ?? []).map((e) => `  ${e.type} ${JSON.stringify(e.stateEnteredEventDetails?.name ?? e.taskFailedEventDetails ?? e.taskSucceededEventDetails?.output?.slice(0, 200) ?? '')}`).join('\n')}\n`);
    process.stdout.write(`  effects: ${(traces.get(orderId) ?? []).map((t) => `${t.functionName.replace('number-orders-', '')}${t.effect}:${t.label}`).join(', ')}\n`);
  }
  return { reference, orderId, status: order.status, executionStatus: ended?.status ?? 'NOT ENDED' };
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  e2e = await startE2eStack('crash-matrix', {
    seed: 16,
    lambdaCrashes: crashes,
    // No rate limit: the leased limiter's writes would be effects too, made by whichever cell's
    // invocation happens to refill the lease.
    rateLimit: null,
    // Off: the account's work slots are one item that every line step writes twice, and ~60 orders
    // at once spend their time retrying those conditional writes. A step killed while it holds a
    // slot takes it again when retried (the holder is the line), or frees it when its lease ends.
    workSlots: 'off',
    reconcileIntervalSeconds: 0,
    // Off: a dispatcher run that takes a delivery before Notify's own first attempt changes how many
    // writes Notify makes, so a cell's planned crash may find no such write (the receiver answers
    // 204: no delivery needs a retry).
    webhookDispatchIntervalMs: 0,
    // A line that finds its kind's rent lock taken (one rent per kind at a time) waits in a Wait state.
    waitStateMs: 50,
    logLevel: 'SILENT',
    allowLocalCallbacks: true,
    sandboxBehaviour: { tendlcLinkDelayMs: 100 },
  });
  const registered = await fetch(`${e2e.sandbox.url}/__sandbox/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ campaignId: CAMPAIGN, usecase: 'MIXED' }),
  });
  expect(registered.status).toBe(201);
  sfn = new SFNClient({ endpoint: e2e.stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}, 120_000);
afterAll(async () => {
  sfn?.destroy();
  await e2e?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('the crash matrix: every task function, every side effect, a crash just before and just after', () => {
  const cells: { scenario: Scenario; reference: string; point: CrashPoint; usPrefix: string }[] = [];

  it('enumerates the effects of each representative order from a clean run', async () => {
    const traced = await Promise.all(SCENARIOS.map(async (scenario) => ({ scenario, clean: await run(scenario, `clean-${scenario.name}`) })));
    let rentCellsLeft = 2 * traced.flatMap(({ clean }) => (traces.get(clean.orderId) ?? []).filter((e) => e.line === 0 && e.functionName === ORDER_FUNCTIONS.RentFunctionArn.functionName)).length;
    for (const { scenario, clean } of traced) {
      expect([scenario.name, clean.status]).toEqual([scenario.name, scenario.status]);
      const effects = traces.get(clean.orderId) ?? [];
      if (process.env.CRASH_MATRIX_TRACE) process.stdout.write(`${scenario.name}:\n${effects.map((e) => `  ${e.functionName} ${e.line ?? '-'} ${e.effect} ${e.label} ${e.requestId.slice(0, 8)}`).join('\n')}\n`);
      for (const effect of effects.filter((e) => scenario.functions?.includes(e.functionName) ?? true)) {
        for (const when of ['before', 'after'] as const) {
          const reference = `${scenario.name}:${effect.functionName}:${effect.line ?? '-'}:${effect.effect}:${when}`;
          const point = { functionName: effect.functionName, line: effect.line, effect: effect.effect, when };
          plans.set(reference, [point]);
          // A rent killed between its claim and the release of its kind's rent lock leaves the lock
          // held until its lease runs out (60 s), stalling every rent of that kind: each Rent cell
          // of the US line rents an area code of its own.
          // The others too while area codes last (one rent of a kind at a time: cells of one kind queue).
          const usPrefix = (effect.functionName === ORDER_FUNCTIONS.RentFunctionArn.functionName && effect.line === 0) || spareUsPrefixes.length > rentCellsLeft ? spareUsPrefixes.pop() : scenario.usPrefix;
          if (usPrefix === undefined) throw new Error('the sandbox has too few US area codes for the Rent cells');
          if (effect.functionName === ORDER_FUNCTIONS.RentFunctionArn.functionName && effect.line === 0) rentCellsLeft -= 1;
          cells.push({ scenario, reference, point, usPrefix });
        }
      }
    }
    // Every task function of the workflow makes effects here.
    const functions = new Set(cells.map((cell) => cell.point.functionName));
    expect([...functions].sort()).toEqual(Object.values(ORDER_FUNCTIONS).map((f) => f.functionName).sort());
  }, 60_000);

  it('ends every cell as its clean run did, each planned crash fired, every number owned by exactly one record', async () => {
    const startedAt = Date.now();
    // CRASH_MATRIX_ONLY=<regex> runs the cells whose reference matches (to look at one cell).
    const only = process.env.CRASH_MATRIX_ONLY ? new RegExp(process.env.CRASH_MATRIX_ONLY) : undefined;
    if (only) cells.splice(0, cells.length, ...cells.filter((cell) => only.test(cell.reference)));
    const outcomes = await Promise.all(cells.map((cell) => run(cell.scenario, cell.reference, cell.usPrefix)));
    const wrong = outcomes.filter((outcome, i) => {
      const cell = cells[i];
      return !cell || outcome.status !== cell.scenario.status || outcome.executionStatus !== 'SUCCEEDED' || crashes.unfired(outcome.orderId) !== 0;
    });
    expect(wrong.map((o) => `${o.reference}: ${o.status} (${o.executionStatus}), unfired ${crashes.unfired(o.orderId)}`)).toEqual([]);
    let audit = await auditAccount({ plivo: e2e.plivo, store: e2e.stack.store });
    // Nothing nobody's by any record, ever.
    expect(audit.foreignNumbers).toEqual([]);
    // Under load a rent can time out at the client and be carried out by Plivo after its retry
    // reconciled: its numbers are expected (provable orphans) until the reconciler's pass, which
    // this stack does not run on its own, claims them and gives back what no line needs.
    for (let pass = 0; pass < 3 && audit.provableOrphans.length > 0; pass++) {
      await e2e.stack.reconciler.runOnce();
      audit = await auditAccount({ plivo: e2e.plivo, store: e2e.stack.store });
    }
    expect({ provable: audit.provableOrphans, foreign: audit.foreignNumbers, twice: audit.ownedTwice, gone: audit.gone }).toEqual({ provable: [], foreign: [], twice: {}, gone: [] });
    const owned = outcomes.filter((outcome, i) => (audit.ownedByOrder[outcome.orderId] ?? 0) !== cells[i]?.scenario.owned);
    expect(owned.map((o) => `${o.reference}: owns ${audit.ownedByOrder[o.orderId] ?? 0}`)).toEqual([]);
    expect(crashes.killed).toBe(cells.length);
    if (process.env.CRASH_MATRIX_REPORT) process.stdout.write(`crash matrix: ${cells.length} cells in ${Date.now() - startedAt} ms\n`);
  }, 180_000);
});
