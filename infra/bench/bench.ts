/**
 * `npm run bench`: runs the real order workflow on the local stack (DynamoDB Local, local Step
 * Functions, in-process handlers) against the Plivo sandbox, and measures it against Plivo's rate
 * limit: calls per number, time against the rate-limit lower bound, state transitions and Lambda
 * invocations per number, peak payload, memory, and numbers lost. Every figure is counted, never
 * estimated: Plivo calls are counted where they are made and in the sandbox, and both are printed.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlivoCallCounter, PlivoClient, poolUuidOf, InMemoryRateLimiter, unlimited } from '../../functions/lib/plivo/index.js';
import { formatRateLimit, parseRateLimit, type RateLimit } from '../../functions/lib/plivo/rate-limit.js';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/lib/aws-clients.js';
import { startLocalStack, type LocalStack } from '../local/stack.js';

export const HELP = `Usage: npm run bench -- [options]

Runs one order through the local stack against the Plivo sandbox and prints what it cost.

Options:
  --numbers N         numbers to order (default 1000)
  --lines L           lines to spread them over, across US area codes (default 10)
  --rate-limit R      Plivo's limit, kept by the handlers and enforced by the sandbox (default 300/5s)
  --no-rate-limit     no limit at all
  --latency-ms N      latency the sandbox adds to every call (default 0)
  --concurrency N     Plivo calls in flight per handler invocation (default 16)
  --warm-up-writes N  DynamoDB Local writes before measuring, to warm its JIT (default 4000; 0 = none)
  --skip-naive        skip the naive baseline (per number: search, rent 1, add to pool, get)
  --skip-rebalance    skip the rebalance run (after the order: a policy with one rule per area code,
                      each 5% short of its target, and one scheduled run over the pool)
  --naive-numbers N   numbers for the naive baseline (default: min(--numbers, 200)); per-number figures are compared
  --plivo-url URL     use another Plivo endpoint (with --plivo-auth-id/--plivo-auth-token) instead of the sandbox
  --plivo-auth-id ID
  --plivo-auth-token TOKEN
  --json              print one JSON object as the last line
  -h, --help          this text
`;

/** US area codes with deep stock (the sandbox holds 18,000+ SMS numbers in each); lines cycle through them. */
export const US_PREFIXES = ['512', '415', '213', '312', '305', '617', '713', '737', '916', '714', '503', '801', '214', '904', '347', '253'];

export interface BenchOptions {
  numbers: number;
  lines: number;
  rateLimit: RateLimit | null;
  latencyMs: number;
  concurrency: number;
  skipNaive: boolean;
  skipRebalance: boolean;
  naiveNumbers: number;
  warmUpWrites: number;
  plivoUrl?: string;
  plivoAuthId?: string;
  plivoAuthToken?: string;
  json: boolean;
}

export function parseBenchArgs(argv: string[]): BenchOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      numbers: { type: 'string', default: '1000' },
      lines: { type: 'string', default: '10' },
      'rate-limit': { type: 'string', default: '300/5s' },
      'no-rate-limit': { type: 'boolean', default: false },
      'latency-ms': { type: 'string', default: '0' },
      concurrency: { type: 'string', default: '16' },
      'skip-naive': { type: 'boolean', default: false },
      'skip-rebalance': { type: 'boolean', default: false },
      'warm-up-writes': { type: 'string', default: '4000' },
      'naive-numbers': { type: 'string' },
      'plivo-url': { type: 'string' },
      'plivo-auth-id': { type: 'string' },
      'plivo-auth-token': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const int = (name: string, text: string, min: number, max: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}; got "${text}"`);
    return value;
  };
  const numbers = int('numbers', values.numbers, 1, 100_000);
  const lines = int('lines', values.lines, 1, 50);
  if (numbers < lines) throw new Error('--numbers must be at least --lines');
  if (Math.ceil(numbers / lines) > 10_000) throw new Error('at most 10,000 numbers per line: raise --lines');
  return {
    numbers,
    lines,
    rateLimit: values['no-rate-limit'] ? null : parseRateLimit(values['rate-limit'], '--rate-limit'),
    latencyMs: int('latency-ms', values['latency-ms'], 0, 60_000),
    concurrency: int('concurrency', values.concurrency, 1, 256),
    skipNaive: values['skip-naive'],
    skipRebalance: values['skip-rebalance'],
    warmUpWrites: int('warm-up-writes', values['warm-up-writes'], 0, 1_000_000),
    naiveNumbers: values['naive-numbers'] === undefined ? Math.min(numbers, 200) : int('naive-numbers', values['naive-numbers'], 1, 100_000),
    ...(values['plivo-url'] ? { plivoUrl: values['plivo-url'] } : {}),
    ...(values['plivo-auth-id'] ? { plivoAuthId: values['plivo-auth-id'] } : {}),
    ...(values['plivo-auth-token'] ? { plivoAuthToken: values['plivo-auth-token'] } : {}),
    json: values.json,
    help: values.help,
  };
}

/**
 * DynamoDB Local is a JVM: its first thousand or so writes run ~4× slower than later ones while
 * the JIT warms up (measured: 1.9 ms per transactional item cold, 0.4–0.5 ms warm). A long-running
 * local stack is warm, and DynamoDB itself has no warm-up, so the bench warms it before measuring:
 * transactions of 99 puts on scratch items that expire (TTL), outside the order's keys.
 */
export async function warmUpDynamoDb(stack: LocalStack, items: number): Promise<void> {
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

/** Quantities per line: as even as possible. */
export function spread(numbers: number, lines: number): number[] {
  return Array.from({ length: lines }, (_, i) => Math.floor(numbers / lines) + (i < numbers % lines ? 1 : 0));
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

export async function runBench(options: BenchOptions, say: (line: string) => void = () => undefined) {
  const counter = new PlivoCallCounter();
  // When each call was made, to show how the rate limit's windows were used.
  const callTimes: number[] = [];
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  sampler.unref();
  const stack = await startLocalStack({
    apiPort: 0,
    sandboxPort: 0,
    sfnPort: 0,
    dynamodbPort: 0,
    rateLimit: options.rateLimit,
    sandboxLatencyMs: options.latencyMs,
    concurrency: options.concurrency,
    onPlivoAttempt: (attempt) => {
      counter.record(attempt);
      callTimes.push(Date.now());
    },
    ...(options.plivoUrl ? { plivoUrl: options.plivoUrl } : {}),
    ...(options.plivoAuthId ? { plivoAuthId: options.plivoAuthId } : {}),
    ...(options.plivoAuthToken ? { plivoAuthToken: options.plivoAuthToken } : {}),
  });
  try {
    const setup = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
    const poolUuid = poolUuidOf(await setup.createPowerpack({ name: 'bench' }));
    if (options.warmUpWrites > 0) {
      say(`Warming DynamoDB Local up (${options.warmUpWrites} writes)…`);
      await warmUpDynamoDb(stack, options.warmUpWrites);
    }
    // Start measuring from a clean count, at the start of a rate-limit window (as a fresh account would).
    if (options.rateLimit) await sleep(options.rateLimit.windowMs - (Date.now() % options.rateLimit.windowMs));
    stack.sandbox?.snapshot();
    const sandboxBefore = stack.sandbox?.snapshot().requests;
    counter.reset();
    callTimes.length = 0;
    const quantities = spread(options.numbers, options.lines);
    const lines = quantities.map((quantity, i) => ({ countryIso: 'US', numberType: 'local', prefix: US_PREFIXES[i % US_PREFIXES.length], quantity }));
    say(`Ordering ${options.numbers} numbers in ${options.lines} lines (rate limit ${formatRateLimit(options.rateLimit)}, sandbox latency ${options.latencyMs} ms)…`);
    const started = Date.now();
    const response = await fetch(`${stack.apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
      body: JSON.stringify({ poolUuid, lines }),
    });
    const accepted = (await response.json()) as { orderId: string; executionArn: string; error?: string };
    if (response.status !== 202) throw new Error(`order refused (${response.status}): ${accepted.error ?? ''}`);
    const execution = await stack.stepFunctions.waitForExecution(accepted.executionArn);
    const wallSeconds = (Date.now() - started) / 1000;
    const order = await stack.store.orders.get(accepted.orderId);
    const orderLines = await stack.store.lines.list(accepted.orderId);
    const stats = stack.stepFunctions.stats(accepted.executionArn);
    const calls = counter.snapshot();
    const windowMs = options.rateLimit?.windowMs ?? 1_000;
    const callsPerWindow: number[] = [];
    for (const at of callTimes) {
      const index = Math.floor((at - started) / windowMs);
      while (callsPerWindow.length <= index) callsPerWindow.push(0);
      callsPerWindow[index] = (callsPerWindow[index] ?? 0) + 1;
    }

    // Ground truth from the sandbox: every call it answered, and where every rented number is.
    let sandboxCalls: number | null = null;
    let http429 = 0;
    let numbersLost: number | null = null;
    if (stack.sandbox) {
      const truth = stack.sandbox.snapshot();
      sandboxCalls = truth.requests.total - (sandboxBefore?.total ?? 0);
      for (const [route, counts] of Object.entries(truth.requests.byRoute)) {
        http429 += (counts['429'] ?? 0) - (sandboxBefore?.byRoute[route]?.['429'] ?? 0);
      }
      const inAccount = new Set(truth.numbers.map((n) => n.number));
      const inPool = new Set((truth.pools[poolUuid]?.members ?? []).map((m) => m.number));
      const numbers = await stack.store.numbers.list(accepted.orderId, undefined);
      numbersLost = numbers.filter(
        (n) => !((n.status === 'VERIFIED' && inPool.has(n.number)) || (n.status === 'RELEASED' && !inAccount.has(n.number))),
      ).length;
    }
    const provisioned = orderLines.reduce((sum, line) => sum + line.verified, 0);
    const groups = orderLines.reduce((sum, line) => sum + line.plan.length, 0);
    const searches = calls.byRoute['GET AvailableNumberGroup/'] ?? 0;
    const lowerBoundCalls = searches + groups + provisioned + Math.ceil(provisioned / 20);
    const rateLimitPerSecond = options.rateLimit ? options.rateLimit.requests / (options.rateLimit.windowMs / 1000) : null;
    const lowerBoundSeconds = rateLimitPerSecond ? lowerBoundCalls / rateLimitPerSecond : null;
    const lambdaInvocations = stats.totalLambdaInvocations;
    const result = {
      numbers: options.numbers,
      lines: options.lines,
      orderStatus: order.status,
      executionStatus: execution.status,
      provisioned,
      wallSeconds: round(wallSeconds),
      plivoCalls: calls.total,
      plivoCallsBySandbox: sandboxCalls,
      plivoCallsAgree: sandboxCalls === null ? null : sandboxCalls === calls.total,
      plivoCallsByEndpoint: calls.byRoute,
      plivoRetries: calls.retries,
      /** Calls made in each rate-limit window (or second, without a limit) from the order's start. */
      callsPerWindow,
      plivoCallsPerNumber: round(calls.total / Math.max(1, provisioned), 4),
      lowerBoundCalls,
      rateLimit: formatRateLimit(options.rateLimit),
      rateLimitPerSecond,
      lowerBoundSeconds: lowerBoundSeconds === null ? null : round(lowerBoundSeconds),
      timeRatio: lowerBoundSeconds ? round(wallSeconds / lowerBoundSeconds, 3) : null,
      rateLimitShareUsed: rateLimitPerSecond ? round(calls.total / wallSeconds / rateLimitPerSecond, 3) : null,
      http429,
      transitions: stats.transitions,
      transitionsPerNumber: round(stats.transitions / Math.max(1, provisioned), 4),
      lambdaInvocations,
      lambdaInvocationsPerNumber: round(lambdaInvocations / Math.max(1, provisioned), 4),
      lambdaInvocationsByFunction: stats.lambdaInvocations,
      peakPayloadBytes: stats.maxPayloadBytes,
      numbersLost,
      peakRssMiB: round(peakRss / 1024 / 1024, 1),
      latencyMs: options.latencyMs,
      naive: null as (NaiveResult & { callsRatio: number }) | null,
      rebalance: null as RebalanceResult | null,
    };
    if (!options.skipRebalance && order.status === 'COMPLETED') {
      say('Rebalance: one run over the pool, one rule per area code, each 5% short…');
      result.rebalance = await runRebalanceBench(stack, counter, poolUuid, lines);
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
    await stack.close();
  }
}

interface RebalanceResult {
  rules: number;
  poolNumbers: number;
  ordered: number;
  plivoCalls: number;
  plivoCallsByEndpoint: Record<string, number>;
  /** Listing pages per rule: ceil(numbers of the rule / 20). */
  lowerBoundCalls: number;
  wallSeconds: number;
  orderStatus: string | null;
}

/**
 * One scheduled rebalance run over the bench's pool (as the EventBridge schedule would start it):
 * a rule per area code, its target 5% above what the order put in the pool, so every rule orders.
 * Measures the run itself (counting and the cost searches), then waits for the order it placed.
 */
async function runRebalanceBench(stack: LocalStack, counter: PlivoCallCounter, poolUuid: string, lines: readonly { prefix: string | undefined; quantity: number }[]): Promise<RebalanceResult> {
  const byPrefix = new Map<string, number>();
  for (const line of lines) byPrefix.set(line.prefix ?? '', (byPrefix.get(line.prefix ?? '') ?? 0) + line.quantity);
  const rules = [...byPrefix].map(([prefix, held]) => {
    const target = held + Math.max(1, Math.round(held * 0.05));
    return { countryIso: 'US', numberType: 'local', prefix, min: target, target, max: target * 2 };
  });
  const put = await fetch(`${stack.apiUrl}/pools/${poolUuid}/policy`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    body: JSON.stringify({ rules }),
  });
  if (put.status !== 200) throw new Error(`policy refused (${put.status}): ${await put.text()}`);
  counter.reset();
  const started = Date.now();
  await stack.rebalancer.runOnce();
  const wallSeconds = (Date.now() - started) / 1000;
  const calls = counter.snapshot();
  const [run] = await stack.store.pools.runs.list(poolUuid, 1);
  const ordered = (run?.rules ?? []).reduce((sum, r) => sum + (r.decision === 'order' || r.decision === 'capped' ? r.quantity : 0), 0);
  let orderStatus: string | null = null;
  if (run?.orderId) {
    const placed = await stack.store.orders.get(run.orderId);
    await stack.stepFunctions.waitForExecution(placed.executionArn ?? '');
    orderStatus = (await stack.store.orders.get(run.orderId)).status;
  }
  const poolNumbers = [...byPrefix.values()].reduce((a, b) => a + b, 0);
  return {
    rules: rules.length,
    poolNumbers,
    ordered,
    plivoCalls: calls.total,
    plivoCallsByEndpoint: calls.byRoute,
    lowerBoundCalls: [...byPrefix.values()].reduce((sum, held) => sum + Math.max(1, Math.ceil(held / 20)), 0) + rules.length,
    wallSeconds: round(wallSeconds),
    orderStatus,
  };
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function formatTable(result: Awaited<ReturnType<typeof runBench>>): string {
  const rows: [string, unknown][] = [
    ['order', `${result.orderStatus} (${result.provisioned}/${result.numbers} numbers, ${result.lines} lines)`],
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
  ];
  if (result.rebalance) {
    const r = result.rebalance;
    rows.push(['rebalance run: Plivo calls', `${r.plivoCalls} (lower bound ${r.lowerBoundCalls}: a listing page per 20 pool numbers per rule, one price search per short rule) for ${r.poolNumbers} pool numbers, ${r.rules} rules`]);
    rows.push(['rebalance run: time, ordered', `${r.wallSeconds} s; ordered ${r.ordered} numbers, order ${r.orderStatus ?? 'none'}`]);
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
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(result.numbersLost ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
