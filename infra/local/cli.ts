/**
 * `npm start`: the local stack on loopback, and (unless --no-demo) a demo order placed through the
 * HTTP API and followed to its end. Ctrl-C stops everything.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDynamoDbFaults } from '../../functions/lib/dynamodb-faults.js';
import { PortInUseError, portInUse } from './ports.js';
import { parseRateLimit } from '../../functions/lib/plivo/rate-limit.js';
import { DataDirInUseError } from './data-dir.js';
import { JavaMissingError } from './dynamodb.js';
import { parseShare } from './lambda-crashes.js';
import { PENDING_SHAPES, type PendingShape } from './plivo-sandbox/world.js';
import { ordersCommand } from '../cli/hints.js';
import { runDemo } from './demo.js';
import { startLocalStack, type LocalStackOptions } from './stack.js';

export const HELP = `Usage: npm start -- [options]

Starts the local stack on loopback — DynamoDB Local, the Plivo sandbox, the local Step Functions
endpoint running statemachines/order.asl.json with the real handlers, and the HTTP API — then
places a demo order (three lines: US 512 ×25, US 415 ×20, CA ×15) and shows its progress, then
sets a rebalancing policy on the demo pool and shows one rebalance run (it orders US 512's deficit
of 10 through the same workflow and reports CA's surplus of 5). Keeps serving until Ctrl-C.

While it serves, with P the demo's number pool, try the two kinds of line Plivo's current number
API makes possible:
  specific numbers, bought one by one (a number Plivo will not sell fails alone, with its reason):
    npm run orders -- create --pool P --line US:local:numbers=14155550100,14155550101 --watch
  an FR line under an approved compliance application (no wait for regulatory approval; without
  one, FR and DE lines wait until POST /__sandbox/regulatory/approve):
    curl -X POST http://127.0.0.1:4010/__sandbox/compliance-applications -H 'content-type: application/json' \
      -d '{"countryIso2":"FR","numberType":"local","status":"approved"}'      # answers {"id":"CA…"}
    npm run orders -- create --pool P --line FR:local:compliance=CA…:5 --watch

Options:
  --no-demo                   start the stack only
  --api-port N                HTTP API port (default 3000; 0 = free port)
  --sandbox-port N            Plivo sandbox port (default 4010; 0 = free port)
  --sfn-port N                Step Functions endpoint port (default 4020; 0 = free port)
  --dynamodb-port N           DynamoDB Local port (default 4030; 0 = free port)
  --dynamodb-url URL          use this DynamoDB endpoint instead of starting DynamoDB Local
  --data-dir DIR              keep DynamoDB Local's tables, the sandbox's state and the executions'
                              records in DIR (created if missing) and continue from them at the next
                              start, even after kill -9: the reconciler runs at start and recovers
                              every order the stop interrupted. One stack per DIR. (default: none,
                              all in memory; e.g. --data-dir .local-data, which git ignores)
  --dynamodb-faults SPEC      inject DynamoDB's own failures into the handlers' DynamoDB client, per
                              attempt: conflict=P (cancelled transactions, TransactionConflict; writes
                              that overlap on one item conflict too), throttle=P (throttling
                              exceptions), timeout=P (timeouts, half of them after the write was
                              carried out); e.g. conflict=0.05,throttle=0.05,timeout=0.01 (default: none)
  --crash-rate P              kill each workflow task invocation with probability P (0 to 1) after one
                              of its side effects, drawn at random (a Plivo call answered, a DynamoDB
                              write carried out), as a Lambda timeout or out-of-memory kill would: its
                              later Plivo and DynamoDB calls are refused and the state machine sees
                              Sandbox.Timedout (default 0)
  --work-slots N|off          line steps (Rent, AssignToPool, Verify) in flight at once across the
                              account, shared fairly between orders; a step that finds none free waits
                              in the state machine (default 20, as WORK_SLOTS in AWS)
  --api-key KEY               the x-api-key the API accepts (default local-dev-key)
  --plivo-url URL             use this Plivo endpoint (scheme://host[:port]) instead of the sandbox
  --plivo-auth-id ID          Plivo auth id (default: the sandbox's MASANDBOX0000000000A)
  --plivo-auth-token TOKEN    Plivo auth token (default: the sandbox's)
  --webhook-secret SECRET     whsec_… secret customer webhooks are signed with (default: the local dev secret in the README)
  --allow-local-callbacks     accept http:// callback URLs to loopback (never private or metadata addresses)
  --reconcile-interval SECS   seconds between reconciler runs (default 60; 0 = never)
  --rebalance-interval SECS   seconds between pool rebalance runs (default 0 = off)
  --seed N                    seed of the sandbox (default 1)
  --rate-limit R              Plivo rate limit kept and enforced, e.g. 300/5s (default) or off
  --latency-ms N              latency the sandbox adds to every call (default 0)
  --reissue-unrented          the sandbox puts unrented numbers back in stock and hands them out again first
  --fixed-share S             share of local numbers the sandbox lists as "fixed", 0 to 1 (default 0.25)
  --tendlc-delay-ms MS        how long the sandbox takes to carry out a 10DLC number link (default 5000)
  --require-10dlc             the sandbox refuses a pool add of a US local number not linked to a 10DLC campaign
  --pending-shape SHAPE       how the sandbox answers a rent in a country with verification requirements:
                              order (a pending order, numbers delivered on approval; default) or
                              number (fulfilled, each number "pending" in the account until approved)
  --log-level LEVEL           handlers' JSON log level: DEBUG, INFO, WARN, ERROR (default POWERTOOLS_LOG_LEVEL, else WARN)
  -h, --help                  this text
`;

const isPendingShape = (value: string): value is PendingShape => (PENDING_SHAPES as readonly string[]).includes(value);

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) throw new Error(`${name} must be a port number (0-65535); got "${value}"`);
  return number;
}

export function parseStartArgs(argv: string[]): { options: LocalStackOptions; demo: boolean; help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      'no-demo': { type: 'boolean', default: false },
      'api-port': { type: 'string' },
      'sandbox-port': { type: 'string' },
      'sfn-port': { type: 'string' },
      'dynamodb-port': { type: 'string' },
      'dynamodb-url': { type: 'string' },
      'data-dir': { type: 'string' },
      'dynamodb-faults': { type: 'string' },
      'work-slots': { type: 'string' },
      'crash-rate': { type: 'string' },
      'api-key': { type: 'string' },
      'plivo-url': { type: 'string' },
      'plivo-auth-id': { type: 'string' },
      'plivo-auth-token': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'allow-local-callbacks': { type: 'boolean', default: false },
      'reconcile-interval': { type: 'string' },
      'rebalance-interval': { type: 'string' },
      seed: { type: 'string' },
      'rate-limit': { type: 'string' },
      'latency-ms': { type: 'string' },
      'reissue-unrented': { type: 'boolean', default: false },
      'fixed-share': { type: 'string' },
      'tendlc-delay-ms': { type: 'string' },
      'require-10dlc': { type: 'boolean', default: false },
      'pending-shape': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const options: LocalStackOptions = {};
  const set = <K extends keyof LocalStackOptions>(key: K, value: LocalStackOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('apiPort', port(values['api-port'], '--api-port'));
  set('sandboxPort', port(values['sandbox-port'], '--sandbox-port'));
  set('sfnPort', port(values['sfn-port'], '--sfn-port'));
  set('dynamodbPort', port(values['dynamodb-port'], '--dynamodb-port'));
  set('dynamodbUrl', values['dynamodb-url']);
  if (values['data-dir'] !== undefined) {
    if (values['data-dir'].trim() === '') throw new Error('--data-dir must name a directory');
    options.dataDir = values['data-dir'];
  }
  if (values['dynamodb-faults'] !== undefined) options.dynamodbFaults = parseDynamoDbFaults(values['dynamodb-faults'], '--dynamodb-faults');
  const crashRate = values['crash-rate'];
  if (crashRate !== undefined) {
    options.crashRate = parseShare('crash-rate', crashRate);
  }
  const slots = values['work-slots'];
  if (slots !== undefined) {
    if (!/^(off|[1-9]\d*)$/i.test(slots.trim())) throw new Error(`--work-slots must be a positive integer or "off"; got "${slots}"`);
    options.workSlots = slots.trim();
  }
  set('apiKey', values['api-key']);
  set('plivoUrl', values['plivo-url']);
  set('plivoAuthId', values['plivo-auth-id']);
  set('plivoAuthToken', values['plivo-auth-token']);
  set('webhookSecret', values['webhook-secret']);
  if (values['allow-local-callbacks']) options.allowLocalCallbacks = true;
  if (values['reconcile-interval'] !== undefined) {
    const seconds = Number(values['reconcile-interval']);
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--reconcile-interval must be a number of seconds; got "${values['reconcile-interval']}"`);
    options.reconcileIntervalSeconds = seconds;
  }
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer; got "${values.seed}"`);
    options.seed = seed;
  }
  if (values['rate-limit'] !== undefined) options.rateLimit = parseRateLimit(values['rate-limit'], '--rate-limit');
  if (values['latency-ms'] !== undefined) {
    const latency = Number(values['latency-ms']);
    if (!Number.isInteger(latency) || latency < 0) throw new Error(`--latency-ms must be a whole number of ms; got "${values['latency-ms']}"`);
    options.sandboxLatencyMs = latency;
  }
  const behaviour: NonNullable<LocalStackOptions['sandboxBehaviour']> = {};
  if (values['reissue-unrented']) behaviour.reissueUnrented = true;
  if (values['fixed-share'] !== undefined) {
    const share = Number(values['fixed-share']);
    if (values['fixed-share'].trim() === '' || !(share >= 0 && share <= 1)) throw new Error(`--fixed-share must be a number from 0 to 1; got "${values['fixed-share']}"`);
    behaviour.fixedShare = share;
  }
  if (values['tendlc-delay-ms'] !== undefined) {
    const delay = Number(values['tendlc-delay-ms']);
    if (values['tendlc-delay-ms'].trim() === '' || !Number.isInteger(delay) || delay < 0) throw new Error(`--tendlc-delay-ms must be a whole number of ms; got "${values['tendlc-delay-ms']}"`);
    behaviour.tendlcLinkDelayMs = delay;
  }
  if (values['require-10dlc']) behaviour.require10dlc = true;
  const shape = values['pending-shape'];
  if (shape !== undefined) {
    if (!isPendingShape(shape)) throw new Error(`--pending-shape must be one of ${PENDING_SHAPES.join(', ')}; got "${shape}"`);
    behaviour.pendingShape = shape;
  }
  if (Object.keys(behaviour).length > 0) options.sandboxBehaviour = behaviour;
  if (values['rebalance-interval'] !== undefined) {
    const seconds = Number(values['rebalance-interval']);
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--rebalance-interval must be a number of seconds; got "${values['rebalance-interval']}"`);
    options.rebalanceIntervalSeconds = seconds;
  }
  set('logLevel', values['log-level']?.toUpperCase());
  return { options, demo: !values['no-demo'], help: values.help };
}

/** The flag that sets the port a listen found taken. */
function portFlag(port: number, options: LocalStackOptions): string | undefined {
  const ports: [number, string][] = [
    [options.apiPort ?? 3000, '--api-port'],
    [options.sandboxPort ?? 4010, '--sandbox-port'],
    [options.sfnPort ?? 4020, '--sfn-port'],
    [options.dynamodbPort ?? 4030, '--dynamodb-port'],
  ];
  return ports.find(([candidate]) => candidate === port)?.[1];
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let parsed;
  try {
    parsed = parseStartArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say('Starting the local stack…');
  let stack;
  try {
    stack = await startLocalStack({ ...parsed.options, say });
  } catch (error) {
    if (error instanceof JavaMissingError || error instanceof PortInUseError || error instanceof DataDirInUseError) {
      process.stderr.write(`npm start: ${error.message}\n`);
      process.exit(1);
    }
    const port = portInUse(error);
    const flag = port === undefined ? undefined : portFlag(port, parsed.options);
    if (port !== undefined && flag) {
      process.stderr.write(`npm start: ${new PortInUseError(port, flag).message}\n`);
      process.exit(1);
    }
    throw error;
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('\nStopping…');
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  say(`\nAPI key: ${stack.apiKey}   try: curl -H 'x-api-key: ${stack.apiKey}' ${stack.apiUrl}/orders`);
  say(`Customer webhooks are signed with ${parsed.options.webhookSecret ? 'the --webhook-secret given' : 'the local default secret (README, "Local webhooks")'}; Plivo callbacks: POST ${stack.apiUrl}/webhooks/plivo`);
  if (parsed.demo) {
    const outcome = await runDemo(stack, {
      tty: Boolean(process.stdout.isTTY),
      ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
      write: (text) => process.stdout.write(text),
    });
    say(`\nDemo order ${outcome.orderId} ended ${outcome.status}.`);
    if (outcome.rebalance) say(`Rebalance run ${outcome.rebalance.runId}${outcome.rebalance.orderId ? `: order ${outcome.rebalance.orderId} ended ${outcome.rebalance.status ?? '?'}` : ': nothing ordered'}.`);
  }
  say(`\nServing. Orders: ${ordersCommand('list', stack.apiUrl)}   Ctrl-C stops.`);
  // CI and scripts can ask the stack to stop once the demo is done.
  if (process.env.NUMBER_ORDERS_EXIT_AFTER_DEMO === '1') await stop();
}

// Run only as the entry point (`npm start`), not when a test imports the argument parser.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
