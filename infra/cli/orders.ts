/**
 * The orders CLI: place, inspect, watch and list orders through the orders HTTP API, and keep
 * pools between min and max (pool rebalancing).
 *
 *   npm run orders -- create --pool P --line US:local:512:25 --line CA:local::15
 *   npm run orders -- create --pool P --line US:local:numbers=14155550100,14155550101
 *   npm run orders -- watch ID
 *   npm run orders -- pool set-policy P policy.json && npm run orders -- pool rebalance P --dry-run
 *
 * Exit codes: 0 done; 1 the request failed (API error, unreachable); 2 bad usage; 3 `watch`
 * saw the order end in a status other than COMPLETED or PLANNED.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { orderStatuses, type OrderRequestInput, type OrderStatus } from '../../functions/lib/orders/model.js';
import type { OrderView } from '../../functions/lib/orders/contract.js';
import { ApiError, OrdersClient, UnreachableError } from './client.js';
import { DEFAULT_URL, ordersCommand } from './hints.js';
import { LineSpecError, LINE_SPEC_SYNTAX, parseLineSpec } from './line-spec.js';
import { renderPolicy, renderPoolState, renderRun, renderRuns } from './pool-view.js';
import { progressState, renderProgress } from './progress.js';

export { DEFAULT_URL } from './hints.js';
/** The key the local stack starts its gateway with, unless told otherwise. */
export const DEFAULT_LOCAL_API_KEY = 'local-dev-key';

export const EXIT = { ok: 0, failed: 1, usage: 2, orderNotCompleted: 3 } as const;

/** An order of more numbers than this is confirmed before it is placed (unless --yes). */
export const CONFIRM_ABOVE_NUMBERS = 100;
/** …and one whose monthly cost may exceed this many USD (its numbers × --max-monthly-rate). */
export const CONFIRM_ABOVE_MONTHLY_USD = 100;

export const HELP = `Usage: npm run orders -- <command> [options]

Commands:
  create --pool UUID --line SPEC [--line SPEC …]   place an order (202: prints its id)
  get ID                                           show an order: status, lines, counts, plan, errors
  watch ID                                         show progress until the order ends
  list [--status S] [--limit N] [--cursor C]       list orders, newest first
  numbers ID [--line N] [--limit N]                list an order's numbers (every page)

Pool rebalancing (keep pool P between min and max per rule; P is the number pool uuid):
  pool set-policy P FILE [--if-match V]            set P's policy from a JSON file (- reads stdin)
  pool policy P                                    show P's policy and its version
  pool delete-policy P                             stop rebalancing P
  pool status P                                    per rule: in pool, in transit, min/target/max, and
                                                   what a run now would decide (records nothing)
  pool rebalance P [--dry-run]                     run now: order the deficit, release or report the
                                                   surplus; prints the run and its order id
  pool runs P [--limit N]                          P's runs, newest first, a line each (at most 20)

Options for create:
  --pool UUID             the Powerpack number pool (required)
  --line SPEC             ${LINE_SPEC_SYNTAX}, repeatable, e.g.
                          US:local:512:25  CA:local::15  US:local:region=Texas:10  US:tollfree:800:5
                          numbers=N,N buys exactly those numbers (E.164 digits without +; the
                          quantity may be left out): US:local:numbers=14155550100,14155550101
                          compliance=ID sends a Plivo compliance application with every rent
                          and buy (an approved one needs no wait): FR:local:compliance=CA1:5
                          campaign=ID links a US local line's numbers to that 10DLC campaign
                          before they go into the pool: US:local:512:campaign=CUOGHIN:10
  --campaign ID           the 10DLC campaign for every US local line (a line's campaign= wins)
  --link-deadline-hours H how long a line waits for its 10DLC links (default 24); a number not
                          linked by then is released
  --service sms|mms       pool service (default sms)
  --no-partial            all or nothing: any shortfall rolls the whole order back
  --dry-run               plan and price only; rent nothing
  --reference R           your reference, shown back on the order
  --callback-url U        where webhooks about the order go
  --max-monthly-rate USD  refuse groups (and numbers) dearer than this per month, e.g. 1.00
  --max-setup-rate USD    refuse groups (and numbers) with a dearer setup fee
  --idempotency-key K     repeat-safe: the same key and body return the same order
  --yes                   place it without asking: an order of more than ${CONFIRM_ABOVE_NUMBERS} numbers, or
                          one --max-monthly-rate lets cost more than $${CONFIRM_ABOVE_MONTHLY_USD} a month, is
                          confirmed first on a terminal, and refused without --yes elsewhere
  --watch                 then watch it, as the watch command does

Options for watch (and create --watch):
  --interval MS           poll every MS milliseconds (default 1000)
  --timeout S             give up after S seconds (default: never)

Options for list:  --status ${orderStatuses.join('|')}
                   --limit N (1-100, default 20)  --cursor C (from the previous page)
Options for numbers: --line N (0-based line index)  --limit N (at most N numbers; default all)
Options for pool:  --if-match V  only replace version V of the policy (else HTTP 412)
                   --dry-run     decide and record the run, but order and release nothing
                   --limit N     at most N runs

Common options:
  --url URL               the API (default $NUMBER_ORDERS_URL, else ${DEFAULT_URL})
  --api-key KEY           the API key (default $NUMBER_ORDERS_API_KEY, else the local
                          stack's key, ${DEFAULT_LOCAL_API_KEY})
  --json                  print the API's JSON answers instead of text
  -h, --help              this help

Exit codes: 0 done; 1 the request failed; 2 bad usage; 3 watch saw the order end in a
status other than COMPLETED or PLANNED (PARTIAL, FAILED, ROLLED_BACK, CANCELLED).
`;

const OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  pool: { type: 'string' },
  line: { type: 'string', multiple: true },
  service: { type: 'string' },
  'no-partial': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  reference: { type: 'string' },
  'callback-url': { type: 'string' },
  campaign: { type: 'string' },
  'link-deadline-hours': { type: 'string' },
  'max-monthly-rate': { type: 'string' },
  'max-setup-rate': { type: 'string' },
  'idempotency-key': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'if-match': { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
const COMMON: readonly OptionName[] = ['url', 'api-key', 'json', 'help'];
const WATCH: readonly OptionName[] = ['interval', 'timeout'];

interface CommandSpec {
  /** The positional arguments: a name for usage, and what it is, said when it is missing. */
  args: readonly { name: string; what: string }[];
  options: readonly OptionName[];
}
const ORDER_ID = { name: 'ID', what: 'one order id' };
const POOL = { name: 'P', what: 'a pool uuid P' };
const COMMANDS: Record<string, CommandSpec> = {
  create: {
    args: [],
    options: ['pool', 'line', 'service', 'no-partial', 'dry-run', 'reference', 'callback-url', 'campaign', 'link-deadline-hours', 'max-monthly-rate', 'max-setup-rate', 'idempotency-key', 'yes', 'watch', ...WATCH],
  },
  get: { args: [ORDER_ID], options: [] },
  watch: { args: [ORDER_ID], options: WATCH },
  list: { args: [], options: ['status', 'limit', 'cursor'] },
  numbers: { args: [ORDER_ID], options: ['line', 'limit'] },
  'pool set-policy': { args: [POOL, { name: 'FILE', what: 'a policy FILE (JSON, or - for standard input)' }], options: ['if-match'] },
  'pool policy': { args: [POOL], options: [] },
  'pool delete-policy': { args: [POOL], options: [] },
  'pool status': { args: [POOL], options: [] },
  'pool rebalance': { args: [POOL], options: ['dry-run'] },
  'pool runs': { args: [POOL], options: ['limit'] },
};
const POOL_COMMANDS = Object.keys(COMMANDS)
  .filter((name) => name.startsWith('pool '))
  .map((name) => name.slice('pool '.length));

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width, when it is one. */
  columns?: number;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** For tests: how `watch` waits between polls. */
  sleep?: (ms: number) => Promise<unknown>;
  /** Where `pool set-policy P -` reads the policy. @default process.stdin */
  stdin?: AsyncIterable<string | Uint8Array>;
  /** Asks a yes/no question on the terminal; absent when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

/** The command line is wrong: exit 2, nothing was sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

export type ParsedCommand =
  | { help: true }
  | {
      help?: false;
      /** `create`, `get`, …, or `pool status` etc. */
      command: string;
      args: string[];
      values: Values;
    };

/** Reads the command line: the command, its arguments and options, each checked to apply. Throws UsageError. */
export function parseCommand(argv: string[]): ParsedCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  let [command, ...args] = positionals;
  if (values.help || command === 'help') return { help: true };
  if (!command) throw new UsageError('no command given');
  if (command === 'pool') {
    const [sub, ...rest] = args;
    if (!sub) throw new UsageError(`pool needs a command: ${POOL_COMMANDS.join(', ')}`);
    if (!COMMANDS[`pool ${sub}`]) throw new UsageError(`unknown pool command "${sub}" (${POOL_COMMANDS.join(', ')})`);
    command = `pool ${sub}`;
    args = rest;
  }
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  const missing = spec.args[args.length];
  if (missing) throw new UsageError(`${command} needs ${missing.what}`);
  if (args.length > spec.args.length) {
    throw new UsageError(
      spec.args.length === 0 ? `${command} takes no arguments; got "${args.join(' ')}"` : `${command} takes ${spec.args.map((a) => a.name).join(' ')} only; got "${args.join(' ')}"`,
    );
  }
  for (const name of Object.keys(values) as OptionName[]) {
    if (!COMMON.includes(name) && !spec.options.includes(name)) throw new UsageError(`--${name} does not apply to ${command}`);
  }
  return { command, args, values };
}

function positiveInt(name: string, text: string | undefined, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`--${name} must be a positive whole number; got "${text}"`);
  return Number(text);
}

function buildRequest(values: Values): OrderRequestInput {
  if (!values.pool) throw new UsageError('create needs --pool UUID');
  if (!values.line || values.line.length === 0) throw new UsageError(`create needs at least one --line ${LINE_SPEC_SYNTAX}`);
  if (values.service !== undefined && values.service !== 'sms' && values.service !== 'mms') throw new UsageError(`--service must be sms or mms; got "${values.service}"`);
  return {
    poolUuid: values.pool,
    lines: values.line.map(parseLineSpec),
    ...(values.service ? { service: values.service } : {}),
    ...(values['no-partial'] ? { partialAllowed: false } : {}),
    ...(values['dry-run'] ? { dryRun: true } : {}),
    ...(values.reference !== undefined ? { reference: values.reference } : {}),
    ...(values['callback-url'] !== undefined ? { callbackUrl: values['callback-url'] } : {}),
    ...(values['max-monthly-rate'] !== undefined ? { maxMonthlyRate: values['max-monthly-rate'] } : {}),
    ...(values['max-setup-rate'] !== undefined ? { maxSetupRate: values['max-setup-rate'] } : {}),
    ...(values.campaign !== undefined ? { campaignId: values.campaign } : {}),
    ...(values['link-deadline-hours'] !== undefined ? { linkDeadlineHours: linkDeadlineHours(values['link-deadline-hours']) } : {}),
  };
}

/** `--link-deadline-hours` as a number (its range is the API's to check, in the API's words). */
function linkDeadlineHours(text: string): number {
  const hours = Number(text);
  if (text.trim() === '' || !Number.isFinite(hours)) throw new UsageError(`--link-deadline-hours must be a number of hours; got "${text}"`);
  return hours;
}

/** What makes the order big enough to confirm first, or undefined (dry runs never are). */
export function sizeToConfirm(request: OrderRequestInput): string | undefined {
  if (request.dryRun) return undefined;
  const numbers = request.lines.reduce((sum, line) => sum + (line.quantity ?? line.numbers?.length ?? 0), 0);
  const monthly = request.maxMonthlyRate === undefined ? undefined : numbers * Number(request.maxMonthlyRate);
  if (numbers <= CONFIRM_ABOVE_NUMBERS && !(monthly !== undefined && monthly > CONFIRM_ABOVE_MONTHLY_USD)) return undefined;
  return `${numbers} ${numbers === 1 ? 'number' : 'numbers'}${monthly === undefined ? '' : ` (up to $${monthly.toFixed(2)} a month at --max-monthly-rate ${request.maxMonthlyRate})`}`;
}

/** Asks before a big order (unless --yes); throws UsageError where nobody can be asked. */
async function confirmSize(request: OrderRequestInput, values: Values, io: CliIo): Promise<boolean> {
  const size = sizeToConfirm(request);
  if (size === undefined || values.yes) return true;
  if (!io.confirm) throw new UsageError(`this order rents ${size}: add --yes to place it`);
  return io.confirm(`This order rents ${size}. Place it? [y/N] `);
}

function print(out: Output, text: string): void {
  out.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function watch(client: OrdersClient, orderId: string, values: Values, io: CliIo): Promise<number> {
  const interval = positiveInt('interval', values.interval, 1000) as number;
  const timeoutS = positiveInt('timeout', values.timeout);
  const wait = io.sleep ?? sleep;
  const tty = io.stdout.isTTY === true;
  const color = tty && !io.env.NO_COLOR;
  const deadline = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000;
  let shownLines = 0;
  let lastShown = '';
  let failures = 0;
  let order: OrderView | undefined;
  for (;;) {
    try {
      order = await client.getOrder(orderId);
      failures = 0;
    } catch (error) {
      // A blip (restart, network) should not end a long watch; a real refusal (404, 403) does.
      if (!(error instanceof UnreachableError || (error instanceof ApiError && error.status >= 500)) || ++failures > 5) throw error;
      await wait(interval);
      continue;
    }
    const state = progressState(order.status);
    if (values.json) {
      const line = JSON.stringify(order);
      if (line !== lastShown || state !== 'running') print(io.stdout, line);
      lastShown = line;
    } else {
      const text = renderProgress(order, { tty, color, ...(io.stdout.columns ? { columns: io.stdout.columns } : {}) });
      if (tty) {
        // Redraw in place: up to the first line drawn last time, clear to the end of the screen.
        io.stdout.write(`${shownLines > 0 ? `\x1b[${shownLines}F\x1b[J` : ''}${text}\n`);
        shownLines = text.split('\n').length;
      } else if (text !== lastShown) {
        print(io.stdout, text);
      }
      lastShown = text;
    }
    if (state !== 'running') {
      if (!values.json) print(io.stderr, `order ${order.orderId} ended ${order.status}`);
      return state === 'succeeded' ? EXIT.ok : EXIT.orderNotCompleted;
    }
    if (Date.now() >= deadline) {
      print(io.stderr, `gave up watching after ${timeoutS} s; order ${orderId} is ${order.status}`);
      return EXIT.failed;
    }
    await wait(interval);
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv);
  if (parsed.help) {
    print(io.stdout, HELP);
    return EXIT.ok;
  }
  const { command, args, values } = parsed;

  const url = values.url ?? io.env.NUMBER_ORDERS_URL ?? DEFAULT_URL;
  const client = new OrdersClient({
    url,
    apiKey: values['api-key'] ?? io.env.NUMBER_ORDERS_API_KEY ?? DEFAULT_LOCAL_API_KEY,
    ...(io.fetch ? { fetch: io.fetch } : {}),
  });
  const tty = io.stdout.isTTY === true;
  const color = tty && !io.env.NO_COLOR;
  const orderId = args[0] ?? '';

  switch (command) {
    case 'create': {
      const request = buildRequest(values);
      positiveInt('interval', values.interval);
      positiveInt('timeout', values.timeout);
      if (!(await confirmSize(request, values, io))) {
        print(io.stderr, 'not placed: nothing was ordered');
        return EXIT.usage;
      }
      const { order, replayed } = await client.createOrder(request, values['idempotency-key']);
      if (values.json) print(io.stdout, JSON.stringify(order));
      else {
        print(
          io.stdout,
          [
            `order ${order.orderId} ${replayed ? 'already existed for this idempotency key' : 'accepted'}: ${order.requested} ${order.requested === 1 ? 'number' : 'numbers'} in ${order.lineCount} ${order.lineCount === 1 ? 'line' : 'lines'}${order.dryRun ? ' (dry run)' : ''}`,
            ...(order.executionArn ? [`execution ${order.executionArn}`] : []),
            ...(values.watch ? [] : [`watch it: ${ordersCommand(`watch ${order.orderId}`, url)}`]),
          ].join('\n'),
        );
      }
      return values.watch ? watch(client, order.orderId, values, io) : EXIT.ok;
    }
    case 'get': {
      const order = await client.getOrder(orderId);
      print(io.stdout, values.json ? JSON.stringify(order, null, 2) : renderProgress(order, { tty, color, detail: true }));
      return EXIT.ok;
    }
    case 'watch':
      return watch(client, orderId, values, io);
    case 'list': {
      if (values.status !== undefined && !(orderStatuses as readonly string[]).includes(values.status)) {
        throw new UsageError(`--status must be one of ${orderStatuses.join(', ')}; got "${values.status}"`);
      }
      const page = await client.listOrders({
        ...(values.status ? { status: values.status as OrderStatus } : {}),
        ...(values.limit ? { limit: positiveInt('limit', values.limit) } : {}),
        ...(values.cursor ? { cursor: values.cursor } : {}),
      });
      if (values.json) {
        print(io.stdout, JSON.stringify(page, null, 2));
        return EXIT.ok;
      }
      if (page.orders.length === 0) print(io.stdout, 'no orders');
      else print(io.stdout, ['ORDER'.padEnd(36), 'STATUS'.padEnd(18), 'NUMBERS', 'CREATED'.padEnd(24), 'DRY RUN', 'REFERENCE'].join('  '));
      for (const order of page.orders) {
        print(io.stdout, [order.orderId, order.status.padEnd(18), String(order.requested).padStart(7), order.createdAt.padEnd(24), (order.dryRun ? 'dry-run' : '').padEnd(7), order.reference ?? ''].join('  ').trimEnd());
      }
      if (page.nextCursor) print(io.stderr, `more: ${ordersCommand(`list --cursor ${page.nextCursor}${values.status ? ` --status ${values.status}` : ''}`, url)}`);
      return EXIT.ok;
    }
    case 'numbers': {
      const lines = values.line ?? [];
      if (lines.length > 1) throw new UsageError('numbers takes one --line');
      const line = lines[0] === undefined ? undefined : /^\d+$/.test(lines[0]) ? Number(lines[0]) : undefined;
      if (lines[0] !== undefined && line === undefined) throw new UsageError(`--line must be a line index (0, 1, …); got "${lines[0]}"`);
      const max = positiveInt('limit', values.limit, Infinity) as number;
      let cursor: string | undefined;
      let shown = 0;
      do {
        const page = await client.listNumbers(orderId, { ...(line === undefined ? {} : { line }), limit: Math.min(1000, max - shown), ...(cursor ? { cursor } : {}) });
        for (const number of page.numbers) {
          print(io.stdout, values.json ? JSON.stringify(number) : [number.number, number.status.padEnd(8), `line ${number.line}`, `group ${number.groupId}`, number.error ?? ''].join('  ').trimEnd());
        }
        shown += page.numbers.length;
        cursor = page.nextCursor;
      } while (cursor && shown < max);
      if (shown === 0 && !values.json) print(io.stderr, 'no numbers');
      return EXIT.ok;
    }
    default:
      if (command.startsWith('pool ')) return poolCommand(command, client, args, values, io, url);
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** `--if-match 3` (or `"3"`, as the ETag shows it). */
function policyVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^"?(\d+)"?$/.exec(text);
  if (!match) throw new UsageError(`--if-match must be a policy version, a whole number such as 3 (pool policy P shows it); got "${text}"`);
  return Number(match[1]);
}

async function readAll(source: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The policy file as JSON; the API checks what it says. A file that cannot be read or parsed is a usage error. */
async function readPolicy(file: string, io: CliIo): Promise<unknown> {
  const where = file === '-' ? 'the policy on standard input' : `the policy file "${file}"`;
  let text: string;
  try {
    text = file === '-' ? await readAll(io.stdin ?? process.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${where} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function poolCommand(command: string, client: OrdersClient, args: string[], values: Values, io: CliIo, url: string): Promise<number> {
  const poolUuid = args[0] ?? '';
  const show = (json: unknown, text: () => string) => print(io.stdout, values.json ? JSON.stringify(json, null, 2) : text());
  switch (command) {
    case 'pool set-policy': {
      const ifMatch = policyVersion(values['if-match']);
      const stored = await client.putPoolPolicy(poolUuid, await readPolicy(args[1] ?? '', io), ifMatch);
      const rules = Array.isArray(stored.policy.rules) ? stored.policy.rules.length : 0;
      show(stored, () => `policy of pool ${poolUuid} stored: version ${stored.version}, ${rules} ${rules === 1 ? 'rule' : 'rules'}\nwhat a run would do: npm run orders -- pool status ${poolUuid}`);
      return EXIT.ok;
    }
    case 'pool policy': {
      const stored = await client.getPoolPolicy(poolUuid);
      show(stored, () => renderPolicy(stored));
      return EXIT.ok;
    }
    case 'pool delete-policy': {
      const deleted = await client.deletePoolPolicy(poolUuid);
      show(deleted, () => `policy of pool ${poolUuid} deleted: the pool is no longer rebalanced`);
      return EXIT.ok;
    }
    case 'pool status': {
      const plan = await client.getPool(poolUuid);
      show(plan, () => renderPoolState(plan, { url }));
      return EXIT.ok;
    }
    case 'pool rebalance': {
      const run = await client.rebalancePool(poolUuid, { dryRun: values['dry-run'] ?? false });
      show(run, () => renderRun(run, { url }));
      return EXIT.ok;
    }
    case 'pool runs': {
      const limit = positiveInt('limit', values.limit, Infinity) as number;
      const page = await client.listPoolRuns(poolUuid);
      const runs = page.runs.slice(0, limit);
      show({ ...page, runs }, () => (runs.length ? renderRuns(runs) : 'no runs'));
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof LineSpecError) {
      print(io.stderr, `error: ${error.message}\nrun with --help for usage`);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      const issues = error.body?.issues ?? [];
      print(io.stderr, [`error: ${error.message}`, ...issues.slice(1).map((issue) => `  ${issue.path || 'body'}: ${issue.message}`)].join('\n'));
      if (error.status === 401 || error.status === 403) print(io.stderr, 'check --api-key (or NUMBER_ORDERS_API_KEY)');
      if (error.body?.requestId) print(io.stderr, `request id ${error.body.requestId}: quote it when asking for help`);
      return EXIT.failed;
    }
    if (error instanceof UnreachableError) {
      print(io.stderr, `error: ${error.message}: is the API running? (npm start), or set --url / NUMBER_ORDERS_URL`);
      return EXIT.failed;
    }
    print(io.stderr, `error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const confirm = async (question: string): Promise<boolean> => {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await prompt.question(question)).trim());
    } finally {
      prompt.close();
    }
  };
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, ...(process.stdin.isTTY && process.stderr.isTTY ? { confirm } : {}) };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
