/**
 * npm run chaos — randomized orders against the whole local stack with faults, then an audit of the
 * account against the records. What it throws at the system: 1–4 lines per order (US, CA, toll-free,
 * and FR/DE, whose rents Plivo answers pending), out-of-stock prefixes, partial and all-or-nothing
 * orders, short regulatory deadlines, sandbox faults (errors before and after the work, dropped
 * connections, 429s, latency, numbers failing at rent, pool adds visible late), cancels, duplicate
 * POSTs with one Idempotency-Key, lines of specific numbers (bought one by one), late approvals and
 * rejections of pending numbers. When everything has settled it prints one table (and one JSON line with --json); it exits 1 on any violation:
 * a number in the account owned by nobody, a number owned twice, an order not ended (other than
 * lines waiting for a future deadline).
 *
 * DynamoDB faults are on by default (`--dynamodb-faults`, the handlers' client; `none` for off), and
 * so are Lambda crashes (`--crash-rate`: a task invocation killed after one of its side effects).
 * With `--restart`, the stack is stopped halfway and started again on its data directory.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { type DynamoDbFaultRates, parseDynamoDbFaults } from '../../functions/lib/dynamodb-faults.js';
import { type PlivoClient, poolUuidOf } from '../../functions/lib/plivo/index.js';
import { auditAccount } from '../audit/audit.js';
import { seeded } from '../seeded.js';
import { terminalOrderStatuses } from '../../functions/lib/orders/model.js';
import type { LineItem } from '../../functions/lib/store/items.js';
import type { AccountNumber } from '../../functions/lib/plivo/schemas.js';
import { matchesExpectation } from '../../functions/lib/workflow/deliveries.js';
import { matchesKind } from '../../functions/lib/workflow/numbering.js';
import { listOpenRents } from '../../functions/lib/workflow/orphans.js';
import { RENT_LOCK_LEASE_MS } from '../../functions/lib/workflow/rent-lock.js';
import type { FaultRuleInput } from '../local/plivo-sandbox/faults.js';
import type { PlivoSandbox } from '../local/plivo-sandbox/index.js';
import { LambdaCrashes, parseShare } from '../local/lambda-crashes.js';
import { setupPlivoClient, startLocalStack, type LocalStack } from '../local/stack.js';

/** The share of task invocations a run kills mid-way unless told otherwise. */
export const DEFAULT_CHAOS_CRASH_RATE = 0.03;

const HELP = `npm run chaos -- [--orders N] [--seed S] [--concurrency C] [--json]

Randomized orders (among their lines: specific numbers, regulated countries, US lines linked to a
10DLC campaign) with faults (failed 10DLC links among them), cancels, duplicate requests and late
regulatory answers against the whole local stack; then an audit of the sandbox's account against the records.
  --orders N        orders to place (default 30)
  --seed S          seed of the orders, the faults and the sandbox (default 1)
  --concurrency C   orders in flight at once: the next is placed when one has ended or waits on
                    regulations (default 8)
  --dynamodb-faults R  faults the handlers' DynamoDB client injects, e.g. conflict=0.05,throttle=0.05,timeout=0.01
                    (the default), or none
  --log-level L     the handlers' JSON logs: DEBUG, INFO, WARN, ERROR, CRITICAL or SILENT (default
                    SILENT: the table is the output)
  --crash-rate P    the share of task invocations killed after a random one of their side effects,
                    as a Lambda timeout does (default ${DEFAULT_CHAOS_CRASH_RATE}; 0 for none)
  --restart         stop the stack once half the orders are placed and start it again on the same
                    data directory (a temporary one): the orders in flight end through the
                    recovery of their dead executions
  --json            also print the figures as one JSON line
  -h, --help        this text
Exit status 1 when a number in the account is owned by nobody or twice, a record holds a number the
account no longer has, or an order has not ended.`;

type LineRequest = Record<string, unknown>;
const LINE_KINDS: readonly ((r: () => number) => LineRequest)[] = [
  (r) => ({ countryIso: 'US', numberType: 'local', prefix: pick(r, ['512', '415', '737', '213', '305', '206']), quantity: 1 + Math.floor(r() * 8) }),
  (r) => ({ countryIso: 'US', numberType: 'local', prefix: '999', quantity: 1 + Math.floor(r() * 3) }), // no such area code: nothing to rent
  (r) => ({ countryIso: 'CA', numberType: 'local', quantity: 1 + Math.floor(r() * 4) }),
  (r) => ({ countryIso: 'US', numberType: 'tollfree', quantity: 1 + Math.floor(r() * 3) }),
  (r) => ({ countryIso: 'FR', numberType: 'local', quantity: 1 + Math.floor(r() * 3) }),
  (r) => ({ countryIso: 'DE', numberType: 'local', quantity: 1 + Math.floor(r() * 3) }),
  // Linked to a 10DLC campaign before the pool (some links fail: FAULTS).
  (r) => ({ countryIso: 'US', numberType: 'local', prefix: pick(r, ['512', '737', '206']), quantity: 1 + Math.floor(r() * 5), campaignId: CHAOS_CAMPAIGN }),
];

/** The 10DLC campaign of the runs' campaign lines, registered in the sandbox at start. */
const CHAOS_CAMPAIGN = 'CCHAOS';

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

const FAULTS: FaultRuleInput[] = [
  { method: 'POST', path: 'AvailableNumberGroup/', status: 500, when: 'after', rate: 0.08 },
  { method: 'POST', path: 'AvailableNumberGroup/', status: 503, when: 'before', rate: 0.05 },
  { method: 'POST', path: 'AvailableNumberGroup/', drop: true, when: 'after', rate: 0.03 },
  { method: 'POST', path: 'AvailableNumberGroup/', numberFailureRate: 0.15, rate: 0.3 },
  { method: 'POST', path: 'NumberPool/', status: 500, when: 'after', rate: 0.05 },
  { method: 'POST', path: 'NumberPool/', status: 429, rate: 0.05 },
  { method: 'POST', path: 'NumberPool/', visibleAfterMs: 300, rate: 0.1 },
  { method: 'GET', path: 'NumberPool/', status: 503, rate: 0.05 },
  { method: 'DELETE', path: 'Number/', status: 500, when: 'after', rate: 0.05 },
  { method: 'POST', path: '10dlc/', numberFailureRate: 0.2, rate: 0.5 },
  { method: 'POST', path: '10dlc/', status: 500, when: 'after', rate: 0.05 },
  { latencyMs: 20, rate: 0.3 },
];

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];

/** How long the run waits for every order to end or park, once the faults stop. */
const SETTLE_MS = 180_000;

/** Reconciler passes the run allows, after everything settled, for provable orphans to find their owner. */
const SETTLING_PASSES = 3;

interface Placed {
  orderId: string;
  cancelled: boolean;
}

/**
 * The stack under test, which a restart replaces (same data directory, new ports). A call made
 * while it restarts, or cut off by the restart, is made again on the new stack once it serves.
 */
class StackUnderTest {
  private ready: Promise<void> = Promise.resolve();
  private restarting = false;

  constructor(
    public current: LocalStack,
    private readonly start: () => Promise<LocalStack>,
  ) {}

  async use<T>(call: (stack: LocalStack) => Promise<T> | T): Promise<T> {
    for (;;) {
      await this.ready;
      const stack = this.current;
      try {
        return await call(stack);
      } catch (error) {
        if (!this.restarting && stack === this.current) throw error;
      }
    }
  }

  /** Stops the stack (its executions end where they are) and starts it again on the same data. */
  async restart(): Promise<void> {
    let serving = () => undefined as void;
    this.ready = new Promise<void>((resolve) => (serving = resolve));
    this.restarting = true;
    try {
      await this.current.close();
      this.current = await this.start();
    } finally {
      this.restarting = false;
      serving();
    }
  }
}

async function post(stack: LocalStack, path: string, body: unknown, key?: string): Promise<Response> {
  return fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey, ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
}

async function placeOne(under: StackUnderTest, poolUuid: string, r: () => number): Promise<Placed | undefined> {
  const lines = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, LINE_KINDS)(r));
  // Now and then a line of specific numbers, bought one by one: some on offer now (another order may
  // rent them first; each such number then fails alone, with its reason). Faults can refuse the search.
  if (r() < 0.15 && lines.length < 4) {
    const pattern = pick(r, ['512', '415', '737']);
    const offered = await under.use((stack) => plivoOf(stack).searchPhoneNumbers({ countryIso: 'US', type: 'local', pattern, limit: 5 })).catch(() => undefined);
    const numbers = (offered?.objects ?? []).slice(0, 1 + Math.floor(r() * 2)).map((n) => n.number);
    if (numbers.length > 0) lines.push({ countryIso: 'US', numberType: 'local', numbers });
  }
  const body = {
    poolUuid,
    lines,
    partialAllowed: r() < 0.7,
    ...(r() < 0.3 ? { regulatoryDeadlineDays: (2 + r() * 6) / 86_400 } : {}),
  };
  const key = randomUUID();
  const duplicate = r() < 0.15;
  // Sent again after a restart with the same key: the order is placed once.
  const answers = await Promise.all((duplicate ? [0, 1] : [0]).map(() => under.use((stack) => post(stack, '/orders', body, key))));
  const accepted = answers.find((a) => a.status === 202);
  if (!accepted) return undefined;
  const { orderId } = (await accepted.json()) as { orderId: string };
  let cancelled = false;
  if (r() < 0.12) {
    await sleep(Math.floor(r() * 1500));
    cancelled = (await under.use((stack) => post(stack, `/orders/${orderId}/cancel`, {}))).status === 202;
  }
  return { orderId, cancelled };
}

function sandboxOf(stack: LocalStack): PlivoSandbox {
  if (!stack.sandbox) throw new Error('the chaos run needs the in-process sandbox');
  return stack.sandbox;
}

/** Approves or rejects a pending order now and then, as a regulator answers days later. */
function regulator(under: StackUnderTest, r: () => number): { stop(): void } {
  let running = true;
  void (async () => {
    while (running) {
      await sleep(400 + Math.floor(r() * 800));
      await under.use((stack) => {
        const sandbox = sandboxOf(stack);
        const pending = sandbox.snapshot().pendingOrders;
        if (pending.length === 0) return;
        const order = pick(r, pending);
        try {
          if (r() < 0.75) sandbox.approvePending(order.id);
          else sandbox.rejectPending(order.id);
        } catch {
          // settled meanwhile
        }
      });
    }
  })();
  return { stop: () => void (running = false) };
}

export interface ChaosFigures {
  orders: number;
  byStatus: Record<string, number>;
  numbersRented: number;
  owned: number;
  released: number;
  leaked: number;
  unowned: number;
  provableOrphans: number;
  foreignNumbers: number;
  ownedTwice: number;
  /** Records that hold a number the account no longer has. */
  gone: number;
  notEnded: number;
  /** The orders not ended (at most 10): id, status, and each line's status. */
  notEndedOrders: string[];
  /**
   * Promise rejections nothing handled while the run went on (in Lambda each would crash its
   * invocation; here it would have crashed the whole run): a violation. The first is in `rejections`.
   */
  unhandledRejections: number;
  rejections: string[];
  /** Task invocations killed mid-way (`--crash-rate`). */
  lambdaCrashes: number;
  /**
   * For each provable orphan left (at most 5): the number as the account lists it, and the records
   * that make it provable (expectations and open rents of its kind, with their lines' statuses).
   */
  orphanDetails: string[];
  /** Reconciler passes run after the end for provable orphans (at most SETTLING_PASSES). */
  settlingPasses: number;
  /** Times the stack was stopped and started again mid-run. */
  restarts: number;
  /** Orders the restarted stack's reconciler pass recovered (their executions died with the stop). */
  recoveredAtRestart: number;
  wallSeconds: number;
}

/** The orders' outcomes, and the account audited against the records (infra/audit, read-only). */
async function audit(stack: LocalStack, plivo: PlivoClient, orders: readonly Placed[], startedMs: number): Promise<ChaosFigures> {
  const byStatus: Record<string, number> = {};
  let notEnded = 0;
  const notEndedOrders: string[] = [];
  let numbersRented = 0;
  let released = 0;
  let leaked = 0;
  for (const { orderId } of orders) {
    const order = await stack.store.orders.get(orderId);
    byStatus[order.status] = (byStatus[order.status] ?? 0) + 1;
    const lines = await stack.store.lines.list(orderId);
    if (!terminalOrderStatuses.includes(order.status) && !parked(lines, new Date().toISOString())) {
      notEnded++;
      if (notEndedOrders.length < 10) notEndedOrders.push(`${orderId} ${order.status} (lines ${lines.map((l) => l.status).join(', ')})`);
    }
    for (const n of await stack.store.numbers.list(orderId, undefined)) {
      numbersRented++;
      if (n.status === 'RELEASED') released++;
      else if (n.status === 'LEAKED') leaked++;
    }
  }
  const account = await auditAccount({ plivo, store: stack.store });
  return {
    orders: orders.length,
    byStatus,
    numbersRented,
    owned: account.owned,
    released,
    leaked,
    unowned: account.provableOrphans.length + account.foreignNumbers.length,
    provableOrphans: account.provableOrphans.length,
    foreignNumbers: account.foreignNumbers.length,
    ownedTwice: Object.keys(account.ownedTwice).length,
    gone: account.gone.length,
    notEnded,
    notEndedOrders,
    unhandledRejections: 0,
    rejections: [],
    lambdaCrashes: 0,
    orphanDetails: account.provableOrphans.length > 0 ? await explainOrphans(stack, plivo, account.provableOrphans.slice(0, 5)) : [],
    settlingPasses: 0,
    restarts: 0,
    recoveredAtRestart: 0,
    wallSeconds: Math.round((Date.now() - startedMs) / 100) / 10,
  };
}

/** Why each of `numbers` is a provable orphan: what the account says of it, and the records of its kind. */
async function explainOrphans(stack: LocalStack, plivo: PlivoClient, numbers: readonly string[]): Promise<string[]> {
  const wanted = new Set(numbers);
  const listed: AccountNumber[] = [];
  for await (const number of plivo.allAccountNumbers()) if (wanted.has(number.number)) listed.push(number);
  const expectations = await stack.store.expectations.list();
  const rents = await listOpenRents(stack.store);
  const details: string[] = [];
  for (const number of listed) {
    const why: string[] = [];
    for (const e of expectations.filter((x) => matchesExpectation(x, number))) {
      const line = await stack.store.lines.get(e.orderId, e.line);
      const before = (await stack.store.numbers.list(e.orderId, e.line)).find((item) => item.number === number.number);
      const record = before ? `, its record of the number ${before.status}` : '';
      why.push(`expected by ${e.orderId}#${e.line}#${e.seq} (line ${line.status}${record}, ${e.delivered}/${e.quantity} delivered, uncertain ${e.uncertain}, since ${e.since}, until ${e.expectedUntil})`);
    }
    for (const { line, intent } of rents.filter((rent) => matchesKind(rent.kind, number))) {
      why.push(`open rent ${line.orderId}#${line.line}#${intent.seq} (line ${line.status}, started ${intent.startedAt})`);
    }
    details.push(`${number.number} (${number.number_type ?? '?'}, ${number.region ?? '?'}, added ${number.added_on ?? '?'}): ${why.join('; ')}`);
  }
  return details;
}

/**
 * Whether an order waits on regulations: a line is parked on a task token until an answer or its
 * deadline, so the order cannot end before then (its other lines may still be working, or done:
 * a line's final status is written when the order ends). With `at`, every such wait must have its
 * deadline still ahead (one past its deadline should have been ended).
 */
function parked(lines: readonly LineItem[], at?: string): boolean {
  const waiting = lines.filter((l) => l.status === 'PENDING_REGULATORY');
  return waiting.length > 0 && (at === undefined || waiting.every((l) => (l.deadlineAt ?? '') > at));
}

/** Whether the order has ended, or waits on regulations. */
async function settled(under: StackUnderTest, orderId: string): Promise<boolean> {
  return under.use(async (stack) => {
    if (terminalOrderStatuses.includes((await stack.store.orders.get(orderId)).status)) return true;
    return parked(await stack.store.lines.list(orderId));
  });
}

/** Waits until the order has settled, or `by` (ms since the epoch) has passed. */
async function settle(under: StackUnderTest, orderId: string, by: number): Promise<void> {
  while (Date.now() < by && !(await settled(under, orderId))) await sleep(200);
}

/**
 * Waits (at most SETTLE_MS) until every order has settled. An order that never settles (its
 * execution dead beyond its recoveries) is counted by the audit.
 */
async function settleAll(under: StackUnderTest, placed: readonly Placed[], until: number): Promise<void> {
  const by = Math.min(Date.now() + SETTLE_MS, until);
  for (const { orderId } of placed) await settle(under, orderId, by);
}

/** The DynamoDB faults of a run unless told otherwise. */
export const DEFAULT_CHAOS_DYNAMODB_FAULTS = 'conflict=0.05,throttle=0.05,timeout=0.01';

export interface ChaosOptions {
  orders: number;
  seed: number;
  /** Orders in flight at once. */
  concurrency: number;
  dynamodbFaults?: DynamoDbFaultRates;
  /** The handlers' log level. @default "SILENT" (the figures are the output) */
  logLevel?: string;
  /** Per task invocation, the chance it is killed after one of its side effects (a Lambda timeout). @default 0 */
  crashRate?: number;
  /**
   * Stop the stack once half the orders are placed and start it again on the same data directory:
   * the orders in flight are recovered by the reconciler's pass at start. @default false
   */
  restart?: boolean;
  /**
   * The longest the run waits for orders to settle, from its start: past it, the orders still
   * running are audited as not ended (a caller with a time limit gets the figures, not a timeout).
   * @default unbounded (each wait is bounded by SETTLE_MS)
   */
  settleBudgetMs?: number;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  return catchingRejections(() => chaos(options));
}

async function chaos(options: ChaosOptions): Promise<ChaosFigures> {
  const r = seeded(options.seed);
  const startedMs = Date.now();
  const until = options.settleBudgetMs === undefined ? Infinity : startedMs + options.settleBudgetMs;
  const dataDir = options.restart ? await mkdtemp(join(tmpdir(), 'number-orders-chaos-')) : undefined;
  const pendingShape = r() < 0.5 ? 'number' : 'order';
  // One injector for the run, so its count spans a restart.
  const crashes = options.crashRate ? new LambdaCrashes({ rate: options.crashRate }) : undefined;
  const start = () =>
    startLocalStack({
      apiPort: 0,
      sandboxPort: 0,
      sfnPort: 0,
      dynamodbPort: 0,
      seed: options.seed,
      retryPauseMs: 50,
      concurrency: 4,
      reconcileIntervalSeconds: 1,
      logLevel: options.logLevel ?? 'SILENT',
      unstartedGraceSeconds: 2,
      // The restart loses the 10DLC link callbacks sent meanwhile (and the new stack listens on new
      // ports): the links are read from the sandbox after this instead of 10 minutes.
      lostCallbackSeconds: 15,
      ...(dataDir ? { dataDir } : {}),
      ...(crashes ? { lambdaCrashes: crashes } : {}),
      ...(options.dynamodbFaults ? { dynamodbFaults: options.dynamodbFaults } : {}),
      sandboxBehaviour: { pendingShape, reissueUnrented: true, reclaimDays: 0, tendlcLinkDelayMs: 500 },
    });
  const under = new StackUnderTest(await start(), async () => {
    const stack = await start();
    sandboxOf(stack).setFaults(FAULTS);
    return stack;
  });
  try {
    const first = under.current;
    const poolUuid = poolUuidOf(await plivoOf(first).createPowerpack({ name: `chaos-${options.seed}` }));
    const campaign = await fetch(`${sandboxOf(first).url}/__sandbox/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId: CHAOS_CAMPAIGN, usecase: 'MIXED' }),
    });
    if (campaign.status !== 201) throw new Error(`the sandbox did not register the 10DLC campaign: ${campaign.status}`);
    sandboxOf(first).setFaults(FAULTS);
    const answers = regulator(under, r);
    const placed: Placed[] = [];
    let next = 0;
    let restarts = 0;
    let recoveredAtRestart = 0;
    // `concurrency` workers, each with one order in flight: it places the next once its order settled.
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.orders) {
          next++;
          if (options.restart && restarts === 0 && next > options.orders / 2) {
            restarts++;
            await under.restart();
            recoveredAtRestart = (under.current.recovery?.recovered ?? 0) + (under.current.recovery?.startedUnstarted ?? 0);
          }
          const order = await placeOne(under, poolUuid, r);
          if (!order) continue;
          placed.push(order);
          await settle(under, order.orderId, Math.min(Date.now() + SETTLE_MS, until));
        }
      }),
    );
    // Settle: no more faults; every execution ends (or parks on a future deadline).
    await sleep(3_000);
    answers.stop();
    const stack = under.current;
    const sandbox = sandboxOf(stack);
    sandbox.setFaults([]);
    await settleAll(under, placed, until);
    // Late answers for what is still pending, then two reconciler passes for the deliveries.
    for (const pending of sandbox.snapshot().pendingOrders) {
      try {
        if (r() < 0.8) sandbox.approvePending(pending.id);
        else sandbox.rejectPending(pending.id);
      } catch {
        // settled meanwhile
      }
    }
    await stack.reconciler.runOnce();
    await sleep(2_000);
    await stack.reconciler.runOnce();
    // The lines those passes resumed or ended go on to the pool and Finalize: let them.
    await settleAll(under, placed, until);
    let figures = await audit(stack, plivoOf(stack), placed, startedMs);
    // A provable orphan is a number a record already accounts for (an open rent, an expected
    // delivery) on its way to an owner: the scheduled reconciler settles it. Passes as the schedule
    // would run them; one still there after SETTLING_PASSES is a violation (in AWS: the alarm).
    // The schedule's passes are 15 minutes apart: a rent lock a killed invocation left (its release
    // was never written) has expired by the next one, and the claims it held back go through. So
    // the last pass here comes once such a lease is surely over.
    let settlingPasses = 0;
    while (figures.provableOrphans > 0 && settlingPasses < SETTLING_PASSES) {
      settlingPasses++;
      if (settlingPasses === SETTLING_PASSES) await sleep(RENT_LOCK_LEASE_MS);
      await stack.reconciler.runOnce();
      await sleep(1_000);
      await settleAll(under, placed, until);
      figures = await audit(stack, plivoOf(stack), placed, startedMs);
    }
    return { ...figures, settlingPasses, restarts, recoveredAtRestart, lambdaCrashes: crashes?.killed ?? 0 };
  } finally {
    await under.current.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/** A Plivo client of the stack's account that no rate limit holds back (the run's own reads). */
function plivoOf(stack: LocalStack): PlivoClient {
  return setupPlivoClient(stack);
}

/** Everything the run must not have: the invariants broken. */
export function violations(figures: ChaosFigures): number {
  return figures.unowned + figures.ownedTwice + figures.gone + figures.notEnded + figures.unhandledRejections;
}

/** Runs `run` counting the promise rejections nothing handled meanwhile (and keeping the first). */
async function catchingRejections<T extends ChaosFigures>(run: () => Promise<T>): Promise<T> {
  const rejections: string[] = [];
  let count = 0;
  const onRejection = (reason: unknown) => {
    count++;
    if (rejections.length === 0) rejections.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
  };
  process.on('unhandledRejection', onRejection);
  try {
    const figures = await run();
    return { ...figures, unhandledRejections: count, rejections };
  } finally {
    process.off('unhandledRejection', onRejection);
  }
}

function table(figures: ChaosFigures): string {
  const rows: [string, string | number][] = [
    ['orders', figures.orders],
    ...Object.entries(figures.byStatus).map(([status, count]): [string, number] => [`  ${status}`, count]),
    ['numbers rented', figures.numbersRented],
    ['owned (in the account)', figures.owned],
    ['released', figures.released],
    ['LEAKED', figures.leaked],
    ['in the account, owned by nobody', figures.unowned],
    ['  provable orphans', figures.provableOrphans],
    ['  foreign numbers', figures.foreignNumbers],
    ['  reconciler passes to settle them', figures.settlingPasses],
    ['numbers owned twice', figures.ownedTwice],
    ['records whose number is gone', figures.gone],
    ['orders not ended', figures.notEnded],
    ['unhandled rejections', figures.unhandledRejections],
    ['Lambda invocations killed', figures.lambdaCrashes],
    ['stack restarts', figures.restarts],
    ['  orders recovered at restart', figures.recoveredAtRestart],
    ['wall time (s)', figures.wallSeconds],
  ];
  return [
    ...rows.map(([name, value]) => `${name.padEnd(34)} ${value}`),
    ...figures.notEndedOrders.map((o) => `  not ended: ${o}`),
    ...figures.orphanDetails.map((o) => `  provable orphan: ${o}`),
  ].join('\n');
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '8' },
      'dynamodb-faults': { type: 'string', default: DEFAULT_CHAOS_DYNAMODB_FAULTS },
      'log-level': { type: 'string', default: 'SILENT' },
      restart: { type: 'boolean', default: false },
      'crash-rate': { type: 'string', default: String(DEFAULT_CHAOS_CRASH_RATE) },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const whole = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}; got "${value}"`);
    return n;
  };
  const faults = values['dynamodb-faults'];
  const logLevel = (value: string) => {
    const level = value.toUpperCase();
    if (!LOG_LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got "${value}"`);
    return level;
  };
  const figures = await runChaos({
    orders: whole('orders', values.orders, 1),
    seed: whole('seed', values.seed, 0),
    concurrency: whole('concurrency', values.concurrency, 1),
    ...(faults === 'none' ? {} : { dynamodbFaults: parseDynamoDbFaults(faults, '--dynamodb-faults') }),
    logLevel: logLevel(values['log-level']),
    restart: values.restart,
    crashRate: parseShare('crash-rate', values['crash-rate']),
  });
  console.log(table(figures));
  if (values.json) console.log(JSON.stringify(figures));
  if (violations(figures) > 0) {
    console.error(
      `violations: ${figures.unowned} owned by nobody, ${figures.ownedTwice} owned twice, ${figures.gone} records whose number is gone, ` +
        `${figures.notEnded} orders not ended, ${figures.unhandledRejections} unhandled rejections`,
    );
    for (const rejection of figures.rejections) console.error(rejection);
    process.exitCode = 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
