/**
 * `npm run bench`: runs the real order workflow on the local stack (DynamoDB Local, local Step
 * Functions, in-process handlers) against the Plivo sandbox, and measures it against Plivo's rate
 * limit: calls per number, time against the rate-limit lower bound, state transitions and Lambda
 * invocations per number, peak payload, memory, numbers lost, DynamoDB request units and an AWS
 * cost estimate; optionally over a prefilled pool, with concurrent orders, a rebalance run over a
 * large pool, and the reconciler's scan of a large account. Every figure is counted, never
 * estimated, except the dollars (counts × list prices, prices.ts): Plivo calls are counted where
 * they are made and in the sandbox, and both are printed.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createSfnClient } from '../../functions/lib/aws-clients.js';
import { PlivoCallCounter, PlivoClient, poolUuidOf, InMemoryRateLimiter, unlimited } from '../../functions/lib/plivo/index.js';
import { formatRateLimit } from '../../functions/lib/plivo/rate-limit.js';
import { LINK_BATCH } from '../../functions/lib/workflow/link.js';
import { startDynamoDbLocal } from '../local/dynamodb.js';
import type { PlivoSandbox } from '../local/plivo-sandbox/index.js';
import { setupPlivoClient, startLocalStack, type LocalStack } from '../local/stack.js';
import { FUNCTION_MEMORY_MB } from '../stack/function-memory.js';
import { HELP, parseBenchArgs, spread, US_PREFIXES, type BenchOptions } from './args.js';
import { CallLog } from './call-log.js';
import { round, unitsLessIdle, type BenchContext } from './context.js';
import { costPer1000Numbers, gbSeconds, type CostEstimate } from './cost.js';
import { startDynamoDbMeter } from './dynamodb-meter.js';
import { lowerBoundCalls, measureOrders, type OrderLine, type OrdersMeasurement } from './orders.js';
import { prefill } from './prefill.js';
import { PRICES, PRICES_REGION, PRICES_TAKEN } from './prices.js';
import { runRebalanceBench, type RebalanceResult } from './rebalance.js';
import { runScanBench, type ScanResult } from './scan.js';
import { callsPerWindow } from './windows.js';

/**
 * DynamoDB Local is a JVM: its first thousand or so writes run ~4× slower than later ones while
 * the JIT warms up (measured: 1.9 ms per transactional item cold, 0.4–0.5 ms warm). A long-running
 * local stack is warm, and DynamoDB itself has no warm-up, so the bench warms it before measuring:
 * transactions of 99 puts on scratch items that expire (TTL), outside the order's keys.
 */
async function warmUpDynamoDb(stack: LocalStack, items: number): Promise<void> {
  const db = createDocumentClient({ DYNAMODB_ENDPOINT: stack.dynamodbEndpoint });
  const expiresAt = Math.floor(Date.now() / 1000) + 600;
  for (let i = 0; i < items; i += 99) {
    await db.send(
      new TransactWriteCommand({
        TransactItems: Array.from({ length: Math.min(99, items - i) }, (_, j) => ({
          Put: { TableName: stack.tableName, Item: { pk: `WARMUP#${(i + j) % 50}`, sk: String(i + j), expiresAt }, ConditionExpression: 'attribute_not_exists(sk)' },
        })),
      }),
    );
  }
  db.destroy();
}

/** The order's lines: `numbers` spread over `lines` lines cycling through the area codes. */
function orderLines(numbers: number, lines: number, campaignId?: string): OrderLine[] {
  return spread(numbers, lines).map((quantity, i) => ({
    countryIso: 'US',
    numberType: 'local',
    prefix: US_PREFIXES[i % US_PREFIXES.length] as string,
    quantity,
    ...(campaignId ? { campaignId } : {}),
  }));
}

/** The client's routes of the Number Linking API: a link request per batch, a status read per number. */
const LINK_ROUTE = 'POST 10dlc/Campaign/{campaign_id}/Number/';
const LINK_STATUS_ROUTE = 'GET 10dlc/Campaign/{campaign_id}/Number/{number}/';

/** Quantities per area code of a list of lines. */
function byPrefix(lines: readonly OrderLine[]): Map<string, number> {
  const held = new Map<string, number>();
  for (const line of lines) held.set(line.prefix, (held.get(line.prefix) ?? 0) + line.quantity);
  return held;
}

/** What the pool holds per US area code, from the sandbox's ground truth (prefilled numbers and every order's). */
function poolHeldByPrefix(sandbox: PlivoSandbox, poolUuid: string, prefixes: readonly string[]): Map<string, number> {
  const members = sandbox.snapshot().pools[poolUuid]?.members ?? [];
  return new Map(prefixes.map((prefix) => [prefix, members.filter((m) => m.number.startsWith(`1${prefix}`)).length]));
}

interface NaiveResult {
  numbers: number;
  plivoCalls: number;
  plivoCallsPerNumber: number;
  wallSeconds: number;
  secondsPerNumber: number;
}

/** The same kind of order scripted by hand: per number, search, rent 1, add to pool, get it back. */
async function runNaive(stack: LocalStack, options: BenchOptions, numbers: number): Promise<NaiveResult> {
  const counter = new PlivoCallCounter();
  const plivo = new PlivoClient({
    authId: stack.plivoAuthId,
    authToken: stack.plivoAuthToken,
    baseUrl: stack.plivoUrl,
    limiter: options.rateLimit ? new InMemoryRateLimiter({ limit: options.rateLimit }) : unlimited,
    onAttempt: counter.record,
  });
  const pool = poolUuidOf(await plivo.createPowerpack({ name: 'bench-naive' }));
  counter.reset();
  const started = Date.now();
  for (let i = 0; i < numbers; i++) {
    const prefix = US_PREFIXES[i % US_PREFIXES.length] as string;
    const group = (await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local', prefix, services: 'sms', limit: 1 })).objects[0];
    if (!group) throw new Error(`naive: no group for ${prefix}`);
    const rent = await plivo.rentFromGroup(group.group_id, { quantity: 1 });
    if (rent.status !== 'fulfilled' || !rent.rented[0]) throw new Error('naive: rent did not fulfil');
    await plivo.addToPool(pool, rent.rented[0], { service: 'sms' });
    await plivo.getPoolNumber(pool, rent.rented[0]);
  }
  const wallSeconds = (Date.now() - started) / 1000;
  const calls = counter.snapshot().total;
  return { numbers, plivoCalls: calls, plivoCallsPerNumber: calls / numbers, wallSeconds, secondsPerNumber: wallSeconds / numbers };
}

/** Counts behind the cost estimate, and the estimate (US dollars per 1,000 numbers). */
interface CostResult {
  numbers: number;
  stateTransitions: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
  lambdaMemoryMb: number;
  dynamoDbReadUnits: number;
  dynamoDbWriteUnits: number;
  /** Conditional writes refused (counted as one write unit each, two in a transaction). */
  dynamoDbFailedWrites: number;
  dynamoDbRequests: number;
  dynamoDbRequestsByOperation: Record<string, number>;
  dynamoDbUnitsByOperation: Record<string, number>;
  /** Units per second of the idle stack, taken off. */
  dynamoDbIdleUnitsPerSecond: { read: number; write: number };
  usdPer1000Numbers: CostEstimate;
  prices: { region: string; taken: string };
}

function costOf(measurement: OrdersMeasurement, ctx: BenchContext): CostResult {
  const numbers = measurement.orders.reduce((sum, order) => sum + order.provisioned, 0);
  const units = unitsLessIdle(measurement.dynamoDb, measurement.wallSeconds, ctx.idleUnitsPerSecond);
  const counts = {
    numbers,
    stateTransitions: measurement.orders.reduce((sum, order) => sum + order.transitions, 0),
    lambdaRequests: measurement.orders.reduce((sum, order) => sum + order.lambdaInvocations, 0),
    lambdaGbSeconds: gbSeconds(measurement.orders.flatMap((order) => order.invocationMs), FUNCTION_MEMORY_MB),
    dynamoDbReadUnits: units.read,
    dynamoDbWriteUnits: units.write,
  };
  const estimate = costPer1000Numbers(counts, PRICES);
  const rounded = Object.fromEntries(Object.entries(estimate).map(([key, usd]) => [key, round(usd, 5)])) as unknown as CostEstimate;
  return {
    ...counts,
    lambdaGbSeconds: round(counts.lambdaGbSeconds, 2),
    lambdaMemoryMb: FUNCTION_MEMORY_MB,
    dynamoDbReadUnits: round(units.read, 1),
    dynamoDbWriteUnits: round(units.write, 1),
    dynamoDbFailedWrites: measurement.dynamoDb.failedWrites,
    dynamoDbRequests: measurement.dynamoDb.requests,
    dynamoDbRequestsByOperation: measurement.dynamoDb.byOperation,
    dynamoDbUnitsByOperation: measurement.dynamoDb.unitsByOperation,
    dynamoDbIdleUnitsPerSecond: { read: round(ctx.idleUnitsPerSecond.read, 2), write: round(ctx.idleUnitsPerSecond.write, 2) },
    usdPer1000Numbers: rounded,
    prices: { region: PRICES_REGION, taken: PRICES_TAKEN },
  };
}

/** DynamoDB units the idle stack consumes per second, over `ms`. */
async function idleRate(ctx: Pick<BenchContext, 'meter'>, ms: number): Promise<BenchContext['idleUnitsPerSecond']> {
  const before = ctx.meter.snapshot();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = ctx.meter.snapshot();
  return { read: ((after.readUnits - before.readUnits) * 1000) / ms, write: ((after.writeUnits - before.writeUnits) * 1000) / ms };
}

interface ConcurrentResult {
  orders: number;
  /** Each order's numbers, status and completion time (s from the common start). */
  perOrder: { numbers: number; provisioned: number; status: string; seconds: number }[];
  spreadSeconds: number;
  /** One order of the smallest size, alone, before. */
  alone: { numbers: number; seconds: number; status: string; plivoCalls: number };
  /** The smallest order's time among the others over its time alone. */
  smallestSlowdown: number;
}

export async function runBench(options: BenchOptions, say: (line: string) => void = () => undefined) {
  const calls = new CallLog();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  sampler.unref();
  const closers: (() => Promise<void>)[] = [];
  try {
    const dynamodb = await startDynamoDbLocal({ port: 0 });
    closers.push(() => dynamodb.stop());
    const meter = await startDynamoDbMeter(dynamodb.endpoint);
    closers.push(() => meter.close());
    const stack = await startLocalStack({
      apiPort: 0,
      sandboxPort: 0,
      sfnPort: 0,
      dynamodbUrl: meter.url,
      rateLimit: options.rateLimit,
      sandboxLatencyMs: options.latencyMs,
      concurrency: options.concurrency,
      // Never on its own: a scheduled pass over a prefilled account would spend the order's budget.
      reconcileIntervalSeconds: 0,
      onPlivoAttempt: calls.record,
      ...(options.plivoUrl ? { plivoUrl: options.plivoUrl } : {}),
      ...(options.plivoAuthId ? { plivoAuthId: options.plivoAuthId } : {}),
      ...(options.plivoAuthToken ? { plivoAuthToken: options.plivoAuthToken } : {}),
    });
    closers.push(() => stack.close());
    const sfn = createSfnClient({ SFN_ENDPOINT: stack.sfnEndpoint, AWS_REGION: 'us-east-1' });
    closers.push(async () => sfn.destroy());
    const sandbox = stack.sandbox;
    const setup = setupPlivoClient(stack);
    const newPool = async (name: string) => {
      const create = () => setup.createPowerpack({ name });
      return poolUuidOf(await (sandbox ? sandbox.withoutRateLimit(create) : create()));
    };
    const poolUuid = await newPool('bench');
    const ctx: BenchContext = { stack, sandbox, calls, meter, sfn, rateLimit: options.rateLimit, idleUnitsPerSecond: { read: 0, write: 0 } };

    const orderSizes = spread(options.numbers, options.concurrentOrders);
    const orders = orderSizes.map((size) => orderLines(size, options.lines, options.campaign));
    // A small order placed behind the others (POSTed last): what fair sharing is for.
    if (options.smallOrder > 0) orders.push(orderLines(options.smallOrder, 1, options.campaign));
    if (options.campaign && sandbox) {
      const registered = await fetch(`${sandbox.url}/__sandbox/campaigns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ campaignId: options.campaign, usecase: 'MIXED' }),
      });
      if (registered.status !== 201) throw new Error(`the sandbox did not register campaign ${options.campaign}: ${registered.status}`);
    }
    const allLines = orders.flat();
    let prefilled = null as { numbers: number; seconds: number } | null;
    if (options.prefill > 0 && sandbox) {
      say(`Prefilling the pool with ${options.prefill} numbers of the order's area codes (sandbox limit off, not counted)…`);
      const prefixes = [...byPrefix(allLines).keys()];
      prefilled = await prefill(sandbox, spread(options.prefill, prefixes.length).map((quantity, i) => ({ prefix: prefixes[i] as string, quantity })), poolUuid);
      prefilled.seconds = round(prefilled.seconds);
    }
    if (options.warmUpWrites > 0) {
      say(`Warming DynamoDB Local up (${options.warmUpWrites} writes)…`);
      await warmUpDynamoDb(stack, options.warmUpWrites);
    }
    ctx.idleUnitsPerSecond = await idleRate(ctx, 2_000);

    let concurrent: ConcurrentResult | null = null;
    let alone: OrdersMeasurement | null = null;
    if (options.concurrentOrders > 1 || options.smallOrder > 0) {
      const small = options.smallOrder > 0;
      const smallest = small ? options.smallOrder : Math.min(...orderSizes);
      say(`One order of ${smallest} numbers alone first…`);
      alone = await measureOrders(ctx, poolUuid, [orderLines(smallest, small ? 1 : options.lines, options.campaign)]);
    }
    say(
      `Ordering ${options.numbers} numbers in ${options.concurrentOrders > 1 ? `${options.concurrentOrders} orders of ` : ''}${options.lines} lines${options.smallOrder ? ` and ${options.smallOrder} more behind them` : ''} ` +
        `(rate limit ${formatRateLimit(options.rateLimit)}, sandbox latency ${options.latencyMs} ms${options.prefill ? `, pool prefilled with ${options.prefill}` : ''})…`,
    );
    const measurement = await measureOrders(ctx, poolUuid, orders);
    const provisioned = measurement.orders.reduce((sum, order) => sum + order.provisioned, 0);
    const transitions = measurement.orders.reduce((sum, order) => sum + order.transitions, 0);
    const lambdaInvocations = measurement.orders.reduce((sum, order) => sum + order.lambdaInvocations, 0);
    const statuses = [...new Set(measurement.orders.map((order) => order.status))];
    const lost = measurement.orders.map((order) => order.numbersLost);
    // Linking: at best one request per batch of LINK_BATCH numbers of each line (statuses by callback).
    const linkBound = allLines.reduce((sum, line) => sum + (line.campaignId ? Math.ceil(line.quantity / LINK_BATCH) : 0), 0);
    const bound = lowerBoundCalls(measurement) + linkBound;
    const rateLimitPerSecond = options.rateLimit ? options.rateLimit.requests / (options.rateLimit.windowMs / 1000) : null;
    const lowerBoundSeconds = rateLimitPerSecond ? bound / rateLimitPerSecond : null;
    const byFunction: Record<string, number> = {};
    for (const order of measurement.orders) for (const [name, count] of Object.entries(order.lambdaInvocationsByFunction)) byFunction[name] = (byFunction[name] ?? 0) + count;
    if (alone) {
      const [single] = alone.orders;
      const times = measurement.orders.map((order) => order.seconds);
      const smallestIndex = measurement.orders.reduce((best, order, i) => (order.requested < (measurement.orders[best]?.requested ?? Infinity) ? i : best), 0);
      concurrent = {
        orders: orders.length,
        perOrder: measurement.orders.map((order) => ({ numbers: order.requested, provisioned: order.provisioned, status: order.status, seconds: round(order.seconds) })),
        spreadSeconds: round(Math.max(...times) - Math.min(...times)),
        alone: { numbers: single?.requested ?? 0, seconds: round(single?.seconds ?? 0), status: single?.status ?? 'none', plivoCalls: alone.calls.total },
        smallestSlowdown: round((measurement.orders[smallestIndex]?.seconds ?? 0) / Math.max(0.001, single?.seconds ?? 0), 2),
      };
    }
    const result = {
      numbers: options.numbers,
      lines: options.lines,
      orderStatus: statuses.length === 1 ? (statuses[0] as string) : statuses.join('/'),
      executionStatus: [...new Set(measurement.orders.map((order) => order.executionStatus))].join('/'),
      provisioned,
      prefill: options.prefill,
      prefilled,
      wallSeconds: round(measurement.wallSeconds),
      plivoCalls: measurement.calls.total,
      plivoCallsBySandbox: measurement.sandboxCalls,
      plivoCallsAgree: measurement.sandboxCalls === null ? null : measurement.sandboxCalls === measurement.calls.total,
      plivoCallsByEndpoint: measurement.calls.byRoute,
      plivoRetries: measurement.calls.retries,
      /** Calls made in each rate-limit window (or second, without a limit) from the orders' start. */
      callsPerWindow: callsPerWindow(measurement.callTimes, measurement.startedAt, options.rateLimit?.windowMs ?? 1_000),
      plivoCallsPerNumber: round(measurement.calls.total / Math.max(1, provisioned), 4),
      lowerBoundCalls: bound,
      rateLimit: formatRateLimit(options.rateLimit),
      rateLimitPerSecond,
      lowerBoundSeconds: lowerBoundSeconds === null ? null : round(lowerBoundSeconds),
      timeRatio: lowerBoundSeconds ? round(measurement.wallSeconds / lowerBoundSeconds, 3) : null,
      rateLimitShareUsed: rateLimitPerSecond ? round(measurement.calls.total / measurement.wallSeconds / rateLimitPerSecond, 3) : null,
      http429: measurement.http429,
      transitions,
      transitionsPerNumber: round(transitions / Math.max(1, provisioned), 4),
      lambdaInvocations,
      lambdaInvocationsPerNumber: round(lambdaInvocations / Math.max(1, provisioned), 4),
      lambdaInvocationsByFunction: byFunction,
      peakPayloadBytes: Math.max(...measurement.orders.map((order) => order.peakPayloadBytes)),
      numbersLost: lost.includes(null) ? null : lost.reduce((sum: number, n) => sum + (n ?? 0), 0),
      peakRssMiB: 0,
      latencyMs: options.latencyMs,
      cost: provisioned > 0 ? costOf(measurement, ctx) : null,
      concurrent,
      linking: options.campaign
        ? {
            campaignId: options.campaign,
            linkRequests: measurement.calls.byRoute[LINK_ROUTE] ?? 0,
            statusReads: measurement.calls.byRoute[LINK_STATUS_ROUTE] ?? 0,
            lowerBound: linkBound,
            perNumber: round(((measurement.calls.byRoute[LINK_ROUTE] ?? 0) + (measurement.calls.byRoute[LINK_STATUS_ROUTE] ?? 0)) / Math.max(1, provisioned), 4),
          }
        : null,
      naive: null as (NaiveResult & { callsRatio: number }) | null,
      rebalance: null as RebalanceResult | null,
      poolRebalance: null as RebalanceResult | null,
      scan: null as ScanResult | null,
    };
    if (!options.skipRebalance && statuses.length === 1 && statuses[0] === 'COMPLETED') {
      say('Rebalance: one run over the pool, one rule per area code, each 5% short…');
      const held = sandbox ? poolHeldByPrefix(sandbox, poolUuid, [...byPrefix(allLines).keys()]) : byPrefix(allLines);
      result.rebalance = await runRebalanceBench(ctx, poolUuid, held);
    }
    if (options.poolSize > 0 && sandbox) {
      say(`Rebalance of a pool of ${options.poolSize} numbers under ${options.rules} rules: prefilling it…`);
      const pool = await newPool('bench-rebalance');
      const targets = spread(options.poolSize, options.rules).map((quantity, i) => ({ prefix: US_PREFIXES[i] as string, quantity }));
      await prefill(sandbox, targets, pool);
      say('…and one scheduled run over it');
      result.poolRebalance = await runRebalanceBench(ctx, pool, new Map(targets.map((t) => [t.prefix, t.quantity])));
    }
    if (options.scanSize > 0 && sandbox) {
      const held = sandbox.snapshot().numbers.length;
      if (held < options.scanSize) {
        say(`Scan: topping the account up from ${held} to ${options.scanSize} numbers (unpooled)…`);
        await prefill(sandbox, spread(options.scanSize - held, US_PREFIXES.length).map((quantity, i) => ({ prefix: US_PREFIXES[i] as string, quantity })).filter((t) => t.quantity > 0));
      }
      say('Scan: the reconciler until one whole pass over the account…');
      result.scan = await runScanBench(ctx);
    }
    if (!options.skipNaive) {
      say(`Naive baseline: ${options.naiveNumbers} numbers, one at a time…`);
      const naive = await runNaive(stack, options, options.naiveNumbers);
      result.naive = { ...naive, plivoCallsPerNumber: round(naive.plivoCallsPerNumber, 4), callsRatio: round(naive.plivoCallsPerNumber / result.plivoCallsPerNumber, 2) };
    }
    result.peakRssMiB = round(Math.max(peakRss, process.memoryUsage().rss) / 1024 / 1024, 1);
    return result;
  } finally {
    clearInterval(sampler);
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

const usd = (value: number) => `$${value.toFixed(4)}`;

export function formatTable(result: Awaited<ReturnType<typeof runBench>>): string {
  const rows: [string, unknown][] = [
    ['order', `${result.orderStatus} (${result.provisioned}/${result.numbers} numbers, ${result.lines} lines${result.concurrent ? ` per order, ${result.concurrent.orders} orders` : ''})`],
  ];
  if (result.prefilled) rows.push(['pool prefilled with', `${result.prefilled.numbers} numbers (${result.prefilled.seconds} s, not measured)`]);
  rows.push(
    ['wall time', `${result.wallSeconds} s`],
    ['Plivo calls (client / sandbox)', `${result.plivoCalls} / ${result.plivoCallsBySandbox ?? 'n/a'}${result.plivoCallsAgree === false ? '  ← DISAGREE' : ''}`],
    ['Plivo calls per number', result.plivoCallsPerNumber],
    ['lower bound calls', result.lowerBoundCalls],
    ['rate limit', `${result.rateLimit}${result.rateLimitPerSecond ? ` (${result.rateLimitPerSecond}/s)` : ''}`],
    ['lower bound time', result.lowerBoundSeconds === null ? 'n/a (no limit)' : `${result.lowerBoundSeconds} s`],
    ['time ratio', result.timeRatio ?? 'n/a'],
    ['share of rate limit used', result.rateLimitShareUsed ?? 'n/a'],
    ['HTTP 429', result.http429],
    ['state transitions (per number)', `${result.transitions} (${result.transitionsPerNumber})`],
    ['Lambda invocations (per number)', `${result.lambdaInvocations} (${result.lambdaInvocationsPerNumber})`],
    ['peak state payload', `${result.peakPayloadBytes} bytes`],
    ['numbers lost', result.numbersLost ?? 'n/a'],
    ['peak memory (RSS)', `${result.peakRssMiB} MiB`],
    ['calls per window', result.callsPerWindow.join(' ')],
    ['calls by endpoint', Object.entries(result.plivoCallsByEndpoint).map(([k, v]) => `${k}: ${v}`).join('; ')],
  );
  if (result.linking) {
    const l = result.linking;
    rows.push([
      '10DLC linking calls',
      `${l.linkRequests} link requests (lower bound ${l.lowerBound}: one per ${LINK_BATCH} numbers of a line) + ${l.statusReads} status reads = ${l.perNumber} per number (campaign ${l.campaignId})`,
    ]);
  }
  if (result.concurrent) {
    const c = result.concurrent;
    rows.push(['orders: completion times', c.perOrder.map((o) => `${o.seconds} s (${o.numbers}, ${o.status})`).join('; ')]);
    rows.push(['orders: spread (max − min)', `${c.spreadSeconds} s`]);
    rows.push(['smallest order alone', `${c.alone.seconds} s for ${c.alone.numbers} numbers (${c.alone.status}, ${c.alone.plivoCalls} calls)`]);
    rows.push(['smallest order: time / alone', c.smallestSlowdown]);
  }
  if (result.cost) {
    const c = result.cost;
    const u = c.usdPer1000Numbers;
    rows.push(['Lambda GB-seconds', `${c.lambdaGbSeconds} (${c.lambdaRequests} invocations at ${c.lambdaMemoryMb} MB, durations from the execution histories)`]);
    rows.push([
      'DynamoDB request units',
      `${c.dynamoDbReadUnits} read, ${c.dynamoDbWriteUnits} write (ConsumedCapacity of ${c.dynamoDbRequests} requests; ${c.dynamoDbFailedWrites} refused writes at 1 unit; idle ${c.dynamoDbIdleUnitsPerSecond.read}/s read taken off)`,
    ]);
    rows.push([
      `AWS cost per 1,000 numbers (${c.prices.region}, prices of ${c.prices.taken})`,
      `${usd(u.total)}: Step Functions ${usd(u.stepFunctions)}, Lambda requests ${usd(u.lambdaRequests)}, Lambda duration ${usd(u.lambdaDuration)}, DynamoDB reads ${usd(u.dynamoDbReads)}, writes ${usd(u.dynamoDbWrites)}`,
    ]);
  }
  const rebalanceRows = (label: string, r: RebalanceResult) => {
    rows.push([`${label}: run's Plivo calls`, `${r.plivoCalls} (${r.plivoCallsPerRule} per rule; target ${r.targetCalls}: one count per rule, one price search per short rule, whatever the pool's size) for ${r.poolNumbers} pool numbers, ${r.rules} rules`]);
    rows.push([`${label}: its order's calls`, `${r.orderPlivoCalls} for ${r.ordered} numbers ordered, order ${r.orderStatus ?? 'none'}`]);
    rows.push([`${label}: time`, `run ${r.wallSeconds} s; order done at ${r.orderSeconds ?? 'n/a'} s; DynamoDB ${r.dynamoDbUnits.read} read / ${r.dynamoDbUnits.write} write units`]);
  };
  if (result.rebalance) rebalanceRows('rebalance run', result.rebalance);
  if (result.poolRebalance) rebalanceRows('pool-size rebalance', result.poolRebalance);
  if (result.scan) {
    const s = result.scan;
    rows.push(['orphan scan: Plivo calls', `${s.plivoCalls} (lower bound ceil(${s.accountNumbers}/20) = ${s.lowerBoundCalls}) in ${s.invocations} reconciler invocation(s), ${s.seconds} s`]);
    rows.push([
      'orphan scan: busiest window',
      `${s.busiestClockWindowCalls} calls in one clock window${s.busiestClockWindowShare === null ? '' : ` (${s.busiestClockWindowShare} of the limit)`}; ` +
        `${s.busiestWindowCalls} in any window-long interval${s.busiestWindowShare === null ? '' : ` (${s.busiestWindowShare})`}; HTTP 429: ${s.http429 ?? 'n/a'}`,
    ]);
    rows.push(['orphan scan: cost counts', `${s.lambdaGbSeconds} GB-s; DynamoDB ${s.dynamoDbUnits.read} read / ${s.dynamoDbUnits.write} write units`]);
  }
  if (result.naive) {
    rows.push(['naive: calls per number', `${result.naive.plivoCallsPerNumber} (${result.naive.callsRatio}× ours)`]);
    rows.push(['naive: time', `${result.naive.wallSeconds} s for ${result.naive.numbers} numbers (${round(result.naive.secondsPerNumber, 3)} s/number)`]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${String(value)}`).join('\n');
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(HELP);
    return;
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const result = await runBench(options, say);
  process.stdout.write(`${formatTable(result)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify({ ...result, pricesSources: Object.fromEntries(Object.entries(PRICES).map(([key, price]) => [key, price.source])) })}\n`);
  process.exit(result.numbersLost ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
