/**
 * The orders CLI: place, inspect, watch and list orders through the orders HTTP API.
 *
 *   npm run orders -- create --pool P --line US:local:512:25 --line CA:local::15
 *   npm run orders -- watch ID
 *
 * Exit codes: 0 done; 1 the request failed (API error, unreachable); 2 bad usage; 3 `watch`
 * saw the order end in a status other than COMPLETED or PLANNED.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { orderStatuses, type OrderRequestInput, type OrderStatus } from '../../functions/lib/orders/model.js';
import type { OrderView } from '../../functions/orders-api/schemas.js';
import { ApiError, OrdersClient, UnreachableError } from './client.js';
import { LineSpecError, LINE_SPEC_SYNTAX, parseLineSpec } from './line-spec.js';
import { progressState, renderProgress } from './progress.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';
/** The key the local stack starts its gateway with, unless told otherwise. */
export const DEFAULT_LOCAL_API_KEY = 'local-dev-key';

export const EXIT = { ok: 0, failed: 1, usage: 2, orderNotCompleted: 3 } as const;

export const HELP = `Usage: npm run orders -- <command> [options]

Commands:
  create --pool UUID --line SPEC [--line SPEC …]   place an order (202: prints its id)
  get ID                                           show an order: status, lines, counts, plan, errors
  watch ID                                         show progress until the order ends
  list [--status S] [--limit N] [--cursor C]       list orders, newest first
  numbers ID [--line N] [--limit N]                list an order's numbers (every page)

Options for create:
  --pool UUID             the Powerpack number pool (required)
  --line SPEC             ${LINE_SPEC_SYNTAX}, repeatable, e.g.
                          US:local:512:25  CA:local::15  US:local:region=Texas:10  US:tollfree:800:5
  --service sms|mms       pool service (default sms)
  --no-partial            all or nothing: any shortfall rolls the whole order back
  --dry-run               plan and price only; rent nothing
  --reference R           your reference, shown back on the order
  --callback-url U        where webhooks about the order go
  --max-monthly-rate USD  refuse groups dearer than this per month, e.g. 1.00
  --max-setup-rate USD    refuse groups with a dearer setup fee
  --idempotency-key K     repeat-safe: the same key and body return the same order
  --watch                 then watch it, as the watch command does

Options for watch (and create --watch):
  --interval MS           poll every MS milliseconds (default 1000)
  --timeout S             give up after S seconds (default: never)

Options for list:  --status ${orderStatuses.join('|')}
                   --limit N (1-100, default 20)  --cursor C (from the previous page)
Options for numbers: --line N (0-based line index)  --limit N (at most N numbers; default all)

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
  'max-monthly-rate': { type: 'string' },
  'max-setup-rate': { type: 'string' },
  'idempotency-key': { type: 'string' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
const COMMON: readonly OptionName[] = ['url', 'api-key', 'json', 'help'];
const WATCH: readonly OptionName[] = ['interval', 'timeout'];
const COMMANDS: Record<string, { args: number; options: readonly OptionName[] }> = {
  create: {
    args: 0,
    options: ['pool', 'line', 'service', 'no-partial', 'dry-run', 'reference', 'callback-url', 'max-monthly-rate', 'max-setup-rate', 'idempotency-key', 'watch', ...WATCH],
  },
  get: { args: 1, options: [] },
  watch: { args: 1, options: WATCH },
  list: { args: 0, options: ['status', 'limit', 'cursor'] },
  numbers: { args: 1, options: ['line', 'limit'] },
};

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** For tests: how `watch` waits between polls. */
  sleep?: (ms: number) => Promise<unknown>;
}

class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
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
  };
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
      const text = renderProgress(order, { tty, color });
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
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === 'help') {
    print(io.stdout, HELP);
    return EXIT.ok;
  }
  if (!command) throw new UsageError('no command given');
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  if (args.length !== spec.args) throw new UsageError(spec.args === 1 ? `${command} needs one order id` : `${command} takes no arguments; got "${args.join(' ')}"`);
  for (const name of Object.keys(values) as OptionName[]) {
    if (!COMMON.includes(name) && !spec.options.includes(name)) throw new UsageError(`--${name} does not apply to ${command}`);
  }

  const client = new OrdersClient({
    url: values.url ?? io.env.NUMBER_ORDERS_URL ?? DEFAULT_URL,
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
      const { order, replayed } = await client.createOrder(request, values['idempotency-key']);
      if (values.json) print(io.stdout, JSON.stringify(order));
      else {
        print(
          io.stdout,
          [
            `order ${order.orderId} ${replayed ? 'already existed for this idempotency key' : 'accepted'}: ${order.requested} numbers in ${order.lineCount} ${order.lineCount === 1 ? 'line' : 'lines'}${order.dryRun ? ' (dry run)' : ''}`,
            ...(order.executionArn ? [`execution ${order.executionArn}`] : []),
            ...(values.watch ? [] : [`watch it: npm run orders -- watch ${order.orderId}`]),
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
      for (const order of page.orders) {
        print(io.stdout, [order.orderId, order.status.padEnd(18), String(order.requested).padStart(6), order.createdAt, order.dryRun ? 'dry-run' : '', order.reference ?? ''].join('  ').trimEnd());
      }
      if (page.nextCursor) print(io.stderr, `more: npm run orders -- list --cursor ${page.nextCursor}${values.status ? ` --status ${values.status}` : ''}`);
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
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
