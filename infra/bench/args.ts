/** `npm run bench` options: the help text and their parsing (pure, tested). */
import { parseArgs } from 'node:util';
import { CAMPAIGN_ID_PATTERN, LIMITS } from '../../functions/lib/orders/model.js';
import { parseRateLimit, type RateLimit } from '../../functions/lib/plivo/rate-limit.js';

export const HELP = `Usage: npm run bench -- [options]

Runs orders through the local stack against the Plivo sandbox and prints what they cost: Plivo
calls, time against the rate limit, state transitions, Lambda invocations and GB-seconds, DynamoDB
request units, and an estimate in US dollars per 1,000 numbers (list prices: infra/bench/prices.ts).

Options:
  --numbers N         numbers to order (default 1000)
  --lines L           lines per order, across US area codes (default 10, at most 40)
  --prefill N         before measuring, the order's pool already holds N numbers of the order's area
                      codes (rented with the sandbox's limit off; those calls are not counted)
  --concurrent-orders K
                      K orders POSTed at once, --numbers split evenly, each with --lines lines
                      (default 1); one order of the smallest size runs alone first, for comparison
  --small-order N     one more order, of N numbers in one line, POSTed right after the others (a small
                      order placed behind big ones): its time against its time alone
  --pool-size N       a rebalance run over a pool prefilled with N numbers, --rules rules (one per
                      area code), each 5% short: the run's calls per rule and its order's calls apart
  --rules R           rules of the --pool-size run (default 10, at most 16)
  --scan-size N       the account holds N numbers (topped up with unpooled ones); the reconciler runs
                      until one whole pass over the account is done: its calls against ceil(N/20),
                      invocations, and the busiest rate-limit window's share
  --rate-limit R      Plivo's limit, kept by the handlers and enforced by the sandbox (default 300/5s)
  --no-rate-limit     no limit at all
  --latency-ms N      latency the sandbox adds to every call (default 0)
  --concurrency N     Plivo calls in flight per handler invocation (default 16)
  --warm-up-writes N  DynamoDB Local writes before measuring, to warm its JIT (default 4000; 0 = none)
  --skip-naive        skip the naive baseline (per number: search, rent 1, add to pool, get)
  --skip-rebalance    skip the rebalance run after the order (a policy with one rule per area code,
                      each 5% short of its target, and one scheduled run over the pool)
  --naive-numbers N   numbers for the naive baseline (default: min(--numbers, 200)); per-number figures are compared
  --campaign ID       every line links its numbers to this US 10DLC campaign before the pool (the
                      sandbox registers it first); the table shows the linking calls
  --plivo-url URL     use another Plivo endpoint (with --plivo-auth-id/--plivo-auth-token) instead of
                      the sandbox; --prefill, --pool-size and --scan-size need the sandbox
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
  prefill: number;
  concurrentOrders: number;
  /** One more order of this many numbers (one line) placed behind the others; 0 = none. */
  smallOrder: number;
  /** 0: no --pool-size run. */
  poolSize: number;
  rules: number;
  /** 0: no scan. */
  scanSize: number;
  rateLimit: RateLimit | null;
  latencyMs: number;
  concurrency: number;
  skipNaive: boolean;
  skipRebalance: boolean;
  naiveNumbers: number;
  warmUpWrites: number;
  /** Orders link their numbers to this 10DLC campaign. */
  campaign?: string;
  plivoUrl?: string;
  plivoAuthId?: string;
  plivoAuthToken?: string;
  json: boolean;
}

/** Quantities per line (or per order): as even as possible, the larger ones first. */
export function spread(numbers: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(numbers / parts) + (i < numbers % parts ? 1 : 0));
}

/** @throws Error naming the option when a value is out of range or options contradict each other */
export function parseBenchArgs(argv: string[]): BenchOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      numbers: { type: 'string', default: '1000' },
      lines: { type: 'string', default: '10' },
      prefill: { type: 'string', default: '0' },
      'concurrent-orders': { type: 'string', default: '1' },
      'small-order': { type: 'string', default: '0' },
      'pool-size': { type: 'string', default: '0' },
      rules: { type: 'string', default: '10' },
      'scan-size': { type: 'string', default: '0' },
      'rate-limit': { type: 'string', default: '300/5s' },
      'no-rate-limit': { type: 'boolean', default: false },
      'latency-ms': { type: 'string', default: '0' },
      concurrency: { type: 'string', default: '16' },
      'skip-naive': { type: 'boolean', default: false },
      'skip-rebalance': { type: 'boolean', default: false },
      'warm-up-writes': { type: 'string', default: '4000' },
      'naive-numbers': { type: 'string' },
      campaign: { type: 'string' },
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
  const lines = int('lines', values.lines, 1, LIMITS.maxLines);
  const concurrentOrders = int('concurrent-orders', values['concurrent-orders'], 1, 100);
  const smallestOrder = Math.floor(numbers / concurrentOrders);
  if (smallestOrder < lines) {
    throw new Error(concurrentOrders > 1 ? `--numbers split over ${concurrentOrders} orders must give each order at least --lines (${lines}) numbers` : '--numbers must be at least --lines');
  }
  if (Math.ceil(Math.ceil(numbers / concurrentOrders) / lines) > 10_000) throw new Error('at most 10,000 numbers per line: raise --lines');
  const smallOrder = int('small-order', values['small-order'], 0, 10_000);
  const rules = int('rules', values.rules, 1, US_PREFIXES.length);
  const poolSize = int('pool-size', values['pool-size'], 0, 100_000);
  if (poolSize > 0 && poolSize < rules) throw new Error(`--pool-size must be at least --rules (${rules}): every rule holds numbers`);
  const prefill = int('prefill', values.prefill, 0, 100_000);
  const scanSize = int('scan-size', values['scan-size'], 0, 100_000);
  if (values['plivo-url'] && prefill + poolSize + scanSize > 0) throw new Error('--prefill, --pool-size and --scan-size rent numbers outside the measurement: they need the sandbox, not --plivo-url');
  return {
    numbers,
    lines,
    prefill,
    concurrentOrders,
    smallOrder,
    poolSize,
    rules,
    scanSize,
    rateLimit: values['no-rate-limit'] ? null : parseRateLimit(values['rate-limit'], '--rate-limit'),
    latencyMs: int('latency-ms', values['latency-ms'], 0, 60_000),
    concurrency: int('concurrency', values.concurrency, 1, 256),
    skipNaive: values['skip-naive'],
    skipRebalance: values['skip-rebalance'],
    warmUpWrites: int('warm-up-writes', values['warm-up-writes'], 0, 1_000_000),
    naiveNumbers: values['naive-numbers'] === undefined ? Math.min(numbers, 200) : int('naive-numbers', values['naive-numbers'], 1, 100_000),
    ...(values.campaign !== undefined ? { campaign: campaignOption(values.campaign) } : {}),
    ...(values['plivo-url'] ? { plivoUrl: values['plivo-url'] } : {}),
    ...(values['plivo-auth-id'] ? { plivoAuthId: values['plivo-auth-id'] } : {}),
    ...(values['plivo-auth-token'] ? { plivoAuthToken: values['plivo-auth-token'] } : {}),
    json: values.json,
    help: values.help,
  };
}

/** `--campaign`: a 10DLC campaign id, as the order API takes it. */
function campaignOption(text: string): string {
  if (!CAMPAIGN_ID_PATTERN.test(text)) throw new Error(`--campaign must be a 10DLC campaign id (letters and digits, at most 32); got "${text}"`);
  return text;
}
