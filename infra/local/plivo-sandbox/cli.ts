/**
 * `npm run sandbox -- [options]`: runs the Plivo sandbox until Ctrl-C.
 *
 * The help text is generated from the same table parseArgs reads, so it cannot drift from what
 * the command accepts.
 */
import { parseArgs } from 'node:util';
import { formatRateLimit, parseRateLimit, PLIVO_DEFAULT_RATE_LIMIT } from '../../../functions/lib/plivo/rate-limit.js';
import { ADMIN_ROUTES } from './admin.js';
import { RATE_WINDOWS, type RateWindow } from './rate-limiter.js';
import { SANDBOX_DEFAULTS, startPlivoSandbox, type SandboxOptions } from './server.js';
import { INACTIVE_POOL_ADDS, PENDING_SHAPES } from './world.js';

interface OptionSpec {
  type: 'string' | 'boolean';
  value?: string;
  help: string;
}

const D = SANDBOX_DEFAULTS;

const OPTIONS = {
  port: { type: 'string', value: 'P', help: `port to listen on; 0 picks a free one (default ${D.port})` },
  host: { type: 'string', value: 'H', help: `interface to listen on (default ${D.host})` },
  'auth-id': { type: 'string', value: 'ID', help: `the account auth id (default ${D.authId})` },
  'auth-token': { type: 'string', value: 'TOKEN', help: `the account auth token; also signs async callbacks (default ${D.authToken})` },
  seed: { type: 'string', value: 'N', help: `seed of generated numbers, fault draws, api_ids and uuids (default ${D.seed})` },
  'rate-limit': {
    type: 'string',
    value: 'R',
    help: `requests per window per account, e.g. 300/5s, 10/500ms, or off (default ${formatRateLimit(PLIVO_DEFAULT_RATE_LIMIT)})`,
  },
  'latency-ms': { type: 'string', value: 'N', help: `delay added to every API answer, in ms (default ${D.latencyMs})` },
  'state-file': { type: 'string', value: 'F', help: 'load state from F if it exists; save to it after changes and on exit (default: none)' },
  'pending-countries': {
    type: 'string',
    value: 'LIST',
    help: `countries whose rents answer "pending", comma-separated (default ${D.pendingCountries.join(',')})`,
  },
  'pending-shape': {
    type: 'string',
    value: 'SHAPE',
    help: `how a group rent in a pending country answers: order (no numbers, "details") or number (fulfilled, each number "pending", inactive until approved) (default ${D.pendingShape})`,
  },
  'inactive-pool-add': {
    type: 'string',
    value: 'MODE',
    help: `a pool add of a number still pending verification: reject (400) or accept (default ${D.inactivePoolAdd})`,
  },
  'rate-window': {
    type: 'string',
    value: 'W',
    help: `how the rate limit counts: sliding (the last window) or fixed (clock-aligned windows) (default ${D.rateWindow})`,
  },
  'reissue-unrented': { type: 'boolean', help: 'unrented numbers go back to stock (after --reclaim-days) and are handed out again first' },
  'reclaim-days': { type: 'string', value: 'N', help: `days an unrented number waits before it is back in stock (default ${D.reclaimDays})` },
  'fixed-share': { type: 'string', value: 'S', help: `share of local numbers the account lists as "fixed", 0 to 1 (default ${D.fixedShare})` },
  'tendlc-delay-ms': {
    type: 'string',
    value: 'N',
    help: `how long a 10DLC number link stays PROCESSING, in ms of the sandbox clock (default ${D.tendlcLinkDelayMs})`,
  },
  'require-10dlc': { type: 'boolean', help: 'refuse (400) a pool add of a US local number whose 10DLC registration is not COMPLETED' },
  quiet: { type: 'boolean', help: 'do not log each request' },
  help: { type: 'boolean', help: 'show this help and exit' },
} as const satisfies Record<string, OptionSpec>;

function helpText(): string {
  const rows = Object.entries(OPTIONS).map(([name, spec]: [string, OptionSpec]) => [
    `--${name}${spec.value ? ` ${spec.value}` : ''}`,
    spec.help,
  ]);
  const width = Math.max(...rows.map(([flag]) => flag?.length ?? 0));
  return [
    'Plivo sandbox: a local stand-in for Plivo\'s number APIs (search, rent, account numbers, Powerpacks, number pools).',
    '',
    'Usage: npm run sandbox -- [options]',
    '',
    'Options:',
    ...rows.map(([flag, help]) => `  ${(flag ?? '').padEnd(width)}  ${help}`),
    '',
    'Admin routes (loopback only, no auth):',
    ...ADMIN_ROUTES.map((route) => `  ${route}`),
    '',
    'Documentation: docs/plivo-sandbox.md',
  ].join('\n');
}

const isRateWindow = (text: string): text is RateWindow => (RATE_WINDOWS as readonly string[]).includes(text);

class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

function wholeNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number, got "${text}"`);
  return Number(text);
}

function oneOf<const T extends readonly string[]>(flag: string, text: string, allowed: T): T[number] {
  if (!allowed.includes(text)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${text}"`);
  return text;
}

function optionsFromArgs(values: Record<string, string | boolean | undefined>): SandboxOptions {
  const text = (name: keyof typeof OPTIONS): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const options: SandboxOptions = {
    port: wholeNumber('port', text('port'), D.port),
    seed: wholeNumber('seed', text('seed'), D.seed),
    latencyMs: wholeNumber('latency-ms', text('latency-ms'), D.latencyMs),
  };
  const host = text('host');
  if (host !== undefined) options.host = host;
  const authId = text('auth-id');
  if (authId !== undefined) options.authId = authId;
  const authToken = text('auth-token');
  if (authToken !== undefined) options.authToken = authToken;
  const rate = text('rate-limit');
  if (rate !== undefined) options.rateLimit = parseRateLimit(rate, '--rate-limit');
  const stateFile = text('state-file');
  if (stateFile !== undefined) options.stateFile = stateFile;
  const pending = text('pending-countries');
  if (pending !== undefined) options.pendingCountries = pending.split(',').map((c) => c.trim()).filter((c) => c !== '');
  const shape = text('pending-shape');
  if (shape !== undefined) options.pendingShape = oneOf('pending-shape', shape, PENDING_SHAPES);
  const poolAdd = text('inactive-pool-add');
  if (poolAdd !== undefined) options.inactivePoolAdd = oneOf('inactive-pool-add', poolAdd, INACTIVE_POOL_ADDS);
  const window = text('rate-window');
  if (window !== undefined) {
    if (!isRateWindow(window)) throw new UsageError(`--rate-window must be one of ${RATE_WINDOWS.join(', ')}, got "${window}"`);
    options.rateWindow = window;
  }
  if (values['reissue-unrented'] === true) options.reissueUnrented = true;
  options.reclaimDays = wholeNumber('reclaim-days', text('reclaim-days'), D.reclaimDays);
  const share = text('fixed-share');
  if (share !== undefined) {
    const value = Number(share);
    if (share.trim() === '' || !(value >= 0 && value <= 1)) throw new UsageError(`--fixed-share must be a number from 0 to 1, got "${share}"`);
    options.fixedShare = value;
  }
  options.tendlcLinkDelayMs = wholeNumber('tendlc-delay-ms', text('tendlc-delay-ms'), D.tendlcLinkDelayMs);
  if (values['require-10dlc'] === true) options.require10dlc = true;
  if (values.quiet !== true) options.logger = (message) => console.log(`${new Date().toISOString()} ${message}`);
  return options;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${helpText()}`);
    process.exitCode = 2;
    return;
  }
  if (values.help === true) {
    console.log(helpText());
    return;
  }
  let options: SandboxOptions;
  try {
    options = optionsFromArgs(values);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }

  const sandbox = await startPlivoSandbox(options);
  console.log(
    [
      `Plivo sandbox listening on ${sandbox.url}`,
      `  auth id:     ${sandbox.authId}`,
      `  auth token:  ${sandbox.authToken}`,
      `  account URL: ${sandbox.accountUrl}/`,
      `  rate limit:  ${formatRateLimit(options.rateLimit === undefined ? PLIVO_DEFAULT_RATE_LIMIT : options.rateLimit)}`,
      `  seed:        ${options.seed ?? D.seed}${options.stateFile ? `, state file ${options.stateFile}` : ''}`,
      'Admin routes:',
      ...ADMIN_ROUTES.map((route) => `  ${route.replace('/__sandbox', `${sandbox.url}/__sandbox`)}`),
      'Ctrl-C stops it.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: closing the Plivo sandbox…`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
