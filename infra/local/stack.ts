/**
 * The local stack: every part of number-orders on loopback, in one process tree, with no AWS
 * account and no internet — DynamoDB Local, the Plivo sandbox (or another Plivo endpoint), the
 * local Step Functions endpoint running statemachines/order.asl.json with the real handler
 * modules, and the local API gateway in front of the real orders-api handler. Handlers learn
 * endpoints only from configuration, as in AWS.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { createDocumentClient, createSfnClient } from '../../functions/lib/aws-clients.js';
import type { Env } from '../../functions/lib/config.js';
import { type DynamoDbFaultRates, formatDynamoDbFaults } from '../../functions/lib/dynamodb-faults.js';
import { PlivoClient } from '../../functions/lib/plivo/client.js';
import { staticCredentials } from '../../functions/lib/plivo/credentials.js';
import type { PlivoAttempt } from '../../functions/lib/plivo/http.js';
import { formatRateLimit, type RateLimit, unlimited } from '../../functions/lib/plivo/rate-limit.js';
import { setSfnClient } from '../../functions/lib/runtime/sfn.js';
import { MetricsRecorder } from '../../functions/lib/metrics.js';
import { createWorkflowRuntime, setWorkflowRuntime, workflowRuntime } from '../../functions/lib/runtime/workflow-runtime.js';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import { createOrdersApi, ordersApiPublicPaths, ordersApiResources } from '../../functions/orders-api/api.js';
import { createWebhookRuntime, setWebhookRuntime, startWebhookDispatcher, webhookRuntime } from '../../functions/lib/webhooks/index.js';
import { createPlivoWebhooksApi, plivoWebhooksApiPublicPaths, plivoWebhooksApiResources } from '../../functions/webhooks-api/api.js';
import { buildConsoleAssets } from '../console/bundle.js';
import { startLocalApiGateway } from './api-gateway.js';
import { openDataDir } from './data-dir.js';
import { assertPortFree } from './ports.js';
import { ensureLocalTable, startDynamoDbLocal } from './dynamodb.js';
import { LambdaCrashes } from './lambda-crashes.js';
import { localLambdaContext } from './lambda-context.js';
import { startPlivoSandbox, type PlivoSandbox, type SandboxOptions } from './plivo-sandbox/index.js';
import { lambdaFunctionArn, LOCAL_PARTITION, startLocalStepFunctions, substituteDefinition, type LocalStepFunctions } from './stepfunctions/index.js';
import {
  handlerModuleUrl,
  ORDER_ASL_FILE,
  ORDER_ASL_PATH,
  ORDER_FUNCTION_KEYS,
  ORDER_FUNCTIONS,
  orderSubstitutions,
  type OrderFunctionKey,
} from '../../statemachines/order-functions.js';

export const ORDER_STATE_MACHINE = 'number-orders-order';
/** The local stack's default webhook signing secret: a development value, like the API key `local-dev-key`. */
export const LOCAL_WEBHOOK_SECRET = `whsec_${Buffer.from('number-orders local development secret').toString('base64')}`;

export interface LocalStackOptions {
  /** @default 3000 (0 = free port) */
  apiPort?: number;
  /** @default 4010 (0 = free port) */
  sandboxPort?: number;
  /** @default 4020 (0 = free port) */
  sfnPort?: number;
  /** @default 4030 (0 = free port) */
  dynamodbPort?: number;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local. */
  dynamodbUrl?: string;
  /**
   * Keep DynamoDB Local's tables, the sandbox's state and the executions' records in this directory
   * (created if missing; one stack at a time), and continue from them: after a kill, the first
   * reconciler pass runs at start and recovers every order whose execution the kill ended.
   * With `dynamodbUrl` or `plivoUrl`, those keep their own data. @default in memory
   */
  dataDir?: string;
  /** @default "number-orders" */
  tableName?: string;
  /**
   * DynamoDB faults injected into the handlers' DynamoDB client (`DYNAMODB_FAULTS`): conflicts,
   * throttles and timeouts that DynamoDB Local never has. @default none
   */
  dynamodbFaults?: DynamoDbFaultRates;
  /** The key the local gateway accepts in `x-api-key`. @default "local-dev-key" */
  apiKey?: string;
  /** @default the sandbox's default auth id */
  plivoAuthId?: string;
  /** @default the sandbox's default auth token */
  plivoAuthToken?: string;
  /** Use this Plivo endpoint (scheme and host) instead of the in-process sandbox. */
  plivoUrl?: string;
  /** Standard Webhooks secret (`whsec_…`) for customer callbacks. @default LOCAL_WEBHOOK_SECRET */
  webhookSecret?: string;
  /** Allow http:// callback URLs to loopback (never private or metadata addresses). @default false */
  allowLocalCallbacks?: boolean;
  /** Compress the webhook retry schedule by this factor (1000: minutes become tens of ms). @default 1000 */
  webhookRetryCompress?: number;
  /** Seed of the sandbox. @default 1 */
  seed?: number;
  /** The limit the handlers keep to (and the sandbox enforces). null = none. @default 300 per 5 s */
  rateLimit?: RateLimit | null;
  /** Latency the sandbox adds to every call, in ms. @default 0 */
  sandboxLatencyMs?: number;
  /** The sandbox's fidelity switches (reissue of unrented numbers, `fixed` share, rate window, pending shape). @default the sandbox's */
  sandboxBehaviour?: Pick<SandboxOptions, 'reissueUnrented' | 'reclaimDays' | 'fixedShare' | 'rateWindow' | 'pendingShape' | 'tendlcLinkDelayMs' | 'require10dlc'>;
  /** Plivo calls in flight per handler invocation. @default 16 */
  concurrency?: number;
  /** `WORK_SLOTS`: line steps in flight across the account, a number or "off". @default "20" */
  workSlots?: string;
  /** Log level of the handlers' JSON logs. @default `POWERTOOLS_LOG_LEVEL`, else "WARN" */
  logLevel?: string;
  /** `PLIVO_LOST_CALLBACK_SECONDS`: a 10DLC link not called back this long is read from the sandbox. @default 600 */
  lostCallbackSeconds?: number;
  /** Counts every Plivo attempt the handlers make (the benchmark). */
  onPlivoAttempt?: (attempt: PlivoAttempt) => void;
  /**
   * Probability (0 to 1) that a workflow task invocation is killed after one of its side effects,
   * as a Lambda timeout or out-of-memory kill would (see lambda-crashes.ts). @default 0
   */
  crashRate?: number;
  /** The crash injector to use instead of one built from `crashRate` (the fault matrix: a plan, a trace). */
  lambdaCrashes?: LambdaCrashes;
  /** Seconds between reconciler runs (EventBridge Scheduler's stand-in). 0 = never. @default 60 */
  reconcileIntervalSeconds?: number;
  /**
   * Hours between the reconciler's whole-account reads for the orphan report (in between it reads
   * only where a waiting line could find its numbers). @default 0: every run (a local account is small; AWS: 24)
   */
  orphanScanHours?: number;
  /** Seconds an order recorded but never started waits before the reconciler starts it. @default 60 (as in AWS) */
  unstartedGraceSeconds?: number;
  /** Seconds between scheduled rebalance runs of every pool with a policy. 0 = never. @default 0 */
  rebalanceIntervalSeconds?: number;
  /**
   * How often the webhook dispatcher's stand-in retries due deliveries; 0: never (tests that count
   * each invocation's writes: a dispatcher run racing Notify's own first attempt changes them). @default 250
   */
  webhookDispatchIntervalMs?: number;
  /** Local Step Functions only: pause this long before every Retry instead of the ASL's intervals (tests). */
  retryPauseMs?: number;
  /** Local Step Functions only: every Wait state waits this long instead of what the ASL says (tests). */
  waitStateMs?: number;
  /** Where the stack says what it starts. @default silent */
  say?: (line: string) => void;
}

/** The operations console of the API at `apiUrl`. */
export const consoleUrl = (apiUrl: string): string => `${apiUrl}/console`;

export interface LocalStack {
  apiUrl: string;
  /** The operations console (`GET /console`). */
  consoleUrl: string;
  apiKey: string;
  sfnEndpoint: string;
  dynamodbEndpoint: string;
  plivoUrl: string;
  plivoAuthId: string;
  plivoAuthToken: string;
  /** The Standard Webhooks secret customer webhooks are signed with. */
  webhookSecret: string;
  tableName: string;
  stateMachineArn: string;
  /** The in-process sandbox, unless `plivoUrl` was given. */
  sandbox: PlivoSandbox | undefined;
  stepFunctions: LocalStepFunctions;
  /** The crash injector of the workflow's task invocations, when `crashRate` or `lambdaCrashes` was given. */
  lambdaCrashes: LambdaCrashes | undefined;
  /** The scheduler loop's reconciler: run it now, or hold it (tests that need the account still). */
  reconciler: { runOnce(): Promise<unknown>; pause(): void; resume(): void };
  /** The scheduler loop's rebalance of every pool with a policy: run it now. */
  rebalancer: { runOnce(): Promise<unknown> };
  store: Stores;
  /**
   * The business metrics every handler emitted (functions/lib/metrics.ts), kept in memory: in Lambda
   * they are CloudWatch embedded-metric JSON on stdout, which would flood this console.
   */
  metrics: MetricsRecorder;
  /**
   * With a data directory, what the reconciler's pass at start found: executions that were running
   * when the last stack stopped, orders it recovered, orders it started that were never started.
   */
  recovery: { lostExecutions: number; recovered: number; startedUnstarted: number } | undefined;
  close(): Promise<void>;
}

/**
 * A Plivo client of the stack's account with no rate limit, for setting up and checking (the
 * demo's Powerpack, the chaos runner's audit): the workflow's own calls go through the leased limiter.
 */
export function setupPlivoClient(stack: Pick<LocalStack, 'plivoAuthId' | 'plivoAuthToken' | 'plivoUrl'>): PlivoClient {
  return new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
}

/** The context a scheduled Lambda gets when a scheduler loop invokes it (5 minutes to run). */
function scheduledContext(functionName: string): Context {
  return localLambdaContext({ functionName, functionArn: lambdaFunctionArn(functionName), deadline: Date.now() + 300_000 });
}

interface ScheduledJob {
  /** Runs now (or joins the run under way). */
  runOnce(): Promise<unknown>;
  /** Holds the interval (runOnce still works). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** One scheduled Lambda on an interval, never two runs at once; 0 seconds = only on demand. */
function scheduledJob(job: { label: string; everySeconds: number; run: () => Promise<unknown>; say: (line: string) => void }): ScheduledJob {
  let paused = false;
  let running: Promise<unknown> | undefined;
  const runOnce = () => (running ??= job.run().finally(() => (running = undefined)));
  let timer: NodeJS.Timeout | undefined;
  if (job.everySeconds > 0) {
    timer = setInterval(() => {
      if (paused || running) return;
      runOnce().catch((error: unknown) => job.say(`${job.label.toLowerCase()} run failed: ${error instanceof Error ? error.message : String(error)}`));
    }, job.everySeconds * 1000);
    timer.unref();
    job.say(`${job.label.padEnd(16)}every ${job.everySeconds} s`);
  }
  return {
    runOnce,
    pause: () => (paused = true),
    resume: () => (paused = false),
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** A Lambda handler as the local Step Functions endpoint invokes it. */
type OrderHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Every workflow function's `handler`, from the modules `ORDER_FUNCTIONS` names. */
export async function loadOrderHandlers(): Promise<Record<OrderFunctionKey, OrderHandler>> {
  const loaded = await Promise.all(
    ORDER_FUNCTION_KEYS.map(async (key) => {
      const module = (await import(fileURLToPath(handlerModuleUrl(key)))) as { handler?: unknown };
      if (typeof module.handler !== 'function') throw new Error(`${ORDER_FUNCTIONS[key].handler} exports no handler function (${key})`);
      const handler = module.handler as OrderHandler;
      return [key, (event: unknown, context: Context) => handler(event, context)] as const;
    }),
  );
  return Object.fromEntries(loaded) as Record<OrderFunctionKey, OrderHandler>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const say = options.say ?? (() => undefined);
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
    setWorkflowRuntime(undefined);
    setWebhookRuntime(undefined);
  };
  try {
    const dataDir = options.dataDir === undefined ? undefined : await openDataDir(options.dataDir);
    if (dataDir) {
      closers.push(() => dataDir.release());
      say(`Data            ${dataDir.path}  (kept across restarts)`);
    }
    // Every fixed port checked before anything starts: a taken one is said at once, not after
    // DynamoDB Local's JVM has started (seconds) only to be stopped again.
    const fixedPorts: [number | undefined, number, string][] = [
      [options.dynamodbUrl === undefined ? options.dynamodbPort : 0, 4030, '--dynamodb-port'],
      [options.plivoUrl === undefined ? options.sandboxPort : 0, 4010, '--sandbox-port'],
      [options.sfnPort, 4020, '--sfn-port'],
      [options.apiPort, 3000, '--api-port'],
    ];
    for (const [port, fallback, flag] of fixedPorts) if (port !== 0) await assertPortFree(port ?? fallback, flag);
    const tableName = options.tableName ?? 'number-orders';
    let dynamodbEndpoint = options.dynamodbUrl;
    if (!dynamodbEndpoint) {
      const dynamodb = await startDynamoDbLocal({ port: options.dynamodbPort ?? 4030, ...(dataDir ? { dbPath: dataDir.dynamodb } : {}) });
      closers.push(() => dynamodb.stop());
      dynamodbEndpoint = dynamodb.endpoint;
    }
    await ensureLocalTable(dynamodbEndpoint, tableName);
    say(`DynamoDB        ${dynamodbEndpoint}  (table ${tableName}${options.dynamodbFaults ? `, faults ${formatDynamoDbFaults(options.dynamodbFaults)}` : ''})`);

    const rateLimit = options.rateLimit === undefined ? { requests: 300, windowMs: 5_000 } : options.rateLimit;
    let sandbox: PlivoSandbox | undefined;
    let plivoUrl = options.plivoUrl;
    let plivoAuthId = options.plivoAuthId;
    let plivoAuthToken = options.plivoAuthToken;
    if (!plivoUrl) {
      sandbox = await startPlivoSandbox({
        port: options.sandboxPort ?? 4010,
        seed: options.seed ?? 1,
        rateLimit,
        latencyMs: options.sandboxLatencyMs ?? 0,
        ...(dataDir ? { stateFile: dataDir.sandboxState } : {}),
        ...options.sandboxBehaviour,
        ...(plivoAuthId ? { authId: plivoAuthId } : {}),
        ...(plivoAuthToken ? { authToken: plivoAuthToken } : {}),
      });
      const started = sandbox;
      closers.push(() => started.close());
      plivoUrl = sandbox.url;
      plivoAuthId = sandbox.authId;
      plivoAuthToken = sandbox.authToken;
      say(`Plivo sandbox   ${sandbox.url}  (account ${sandbox.authId}, rate limit ${formatRateLimit(rateLimit)}, admin ${sandbox.url}/__sandbox/state)`);
    } else {
      if (!plivoAuthId || !plivoAuthToken) throw new Error('--plivo-url needs --plivo-auth-id and --plivo-auth-token');
      say(`Plivo           ${plivoUrl}  (account ${plivoAuthId})`);
    }

    const webhookSecret = options.webhookSecret ?? LOCAL_WEBHOOK_SECRET;
    // The handlers' configuration, exactly the variables a Lambda gets in AWS (endpoints aside).
    const env: Env = {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      AWS_REGION: 'us-east-1',
      PLIVO_BASE_URL: plivoUrl,
      PLIVO_AUTH_ID: plivoAuthId,
      PLIVO_AUTH_TOKEN: plivoAuthToken,
      PLIVO_RATE_LIMIT: formatRateLimit(rateLimit),
      PLIVO_CONCURRENCY: String(options.concurrency ?? 16),
      ...(options.workSlots === undefined ? {} : { WORK_SLOTS: options.workSlots }),
      ...(options.lostCallbackSeconds === undefined ? {} : { PLIVO_LOST_CALLBACK_SECONDS: String(options.lostCallbackSeconds) }),
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      WEBHOOK_SECRET: webhookSecret,
      WEBHOOK_ALLOW_LOCAL_CALLBACKS: options.allowLocalCallbacks ? 'true' : 'false',
      WEBHOOK_RETRY_COMPRESS: String(options.webhookRetryCompress ?? 1000),
      ...(options.dynamodbFaults ? { DYNAMODB_FAULTS: formatDynamoDbFaults(options.dynamodbFaults) } : {}),
    };
    const metrics = new MetricsRecorder();
    // The gateway's address, once it listens: the sandbox's callbacks (10DLC link statuses) go to its /webhooks/plivo.
    let gatewayUrl = '';
    const crashes = options.lambdaCrashes ?? (options.crashRate ? new LambdaCrashes({ rate: options.crashRate }) : undefined);
    const onPlivoAttempt = options.onPlivoAttempt;
    setWorkflowRuntime(
      createWorkflowRuntime(env, {
        metrics,
        // Only the in-process sandbox can reach this machine's gateway; a real Plivo (--plivo-url) gets no callback URL, and link statuses are read.
        plivoCallbackUrl: () => (sandbox && gatewayUrl ? `${gatewayUrl}/webhooks/plivo` : undefined),
        ...(crashes || onPlivoAttempt
          ? {
              onPlivoAttempt: (attempt) => {
                crashes?.beforePlivo(attempt);
                onPlivoAttempt?.(attempt);
              },
            }
          : {}),
        ...(crashes ? { onPlivoAnswer: crashes.afterPlivo } : {}),
      }),
    );
    setWebhookRuntime(createWebhookRuntime(env, { metrics }));
    if (crashes) {
      crashes.installDynamoDb(workflowRuntime().store.db);
      crashes.installDynamoDb(webhookRuntime().deps.db);
      say(`Lambda crashes  ${crashes.rate > 0 ? `rate ${crashes.rate} per task invocation` : 'as planned'} (Sandbox.Timedout)`);
    }

    // Imported after the runtime is set: the handler modules are the very ones Lambda runs.
    const handlers = await loadOrderHandlers();
    const arns = Object.fromEntries(ORDER_FUNCTION_KEYS.map((key) => [key, lambdaFunctionArn(ORDER_FUNCTIONS[key].functionName)]));
    const definition = substituteDefinition(await readFile(ORDER_ASL_PATH, 'utf8'), orderSubstitutions(arns, LOCAL_PARTITION), ORDER_ASL_FILE);
    const stepFunctions = await startLocalStepFunctions({
      port: options.sfnPort ?? 4020,
      stateMachines: [{ name: ORDER_STATE_MACHINE, definition }],
      ...(options.retryPauseMs === undefined ? {} : { retryPauseMs: options.retryPauseMs }),
      ...(dataDir ? { journalFile: dataDir.stepFunctionsJournal } : {}),
      ...(options.waitStateMs === undefined ? {} : { waitStateMs: options.waitStateMs }),
      lambdaHandlers: Object.fromEntries(ORDER_FUNCTION_KEYS.map((key) => [arns[key] as string, crashes ? crashes.wrap(handlers[key]) : handlers[key]])),
    });
    closers.push(() => stepFunctions.close());
    const stateMachineArn = stepFunctions.stateMachineArn(ORDER_STATE_MACHINE);
    setSfnClient(createSfnClient({ ...env, SFN_ENDPOINT: stepFunctions.endpoint }));
    closers.push(async () => setSfnClient(undefined));

    // The scheduler loops standing in for EventBridge Scheduler: the scheduled Lambdas, on intervals.
    const reconcilerModule = await import('../../functions/reconciler/handler.js');
    let recovery: LocalStack['recovery'];
    if (dataDir) {
      // A restart: recover now what the last stop interrupted rather than at the first interval.
      // No grace: whatever the table holds was written by a stack that is gone. Before the API
      // listens, so that no order placed now is taken for one the old stack left.
      const passStarted = Date.now();
      const pass = (await reconcilerModule
        .handler({ stateMachineArn, orphanScanHours: options.orphanScanHours ?? 0, unstartedGraceSeconds: 0 }, scheduledContext('number-orders-reconciler'))
        .catch((error: unknown) => say(`reconciler run at start failed: ${error instanceof Error ? error.message : String(error)}`))) as
        | { recovered?: number; startedUnstarted?: number; notRecovered?: string[] }
        | undefined;
      recovery = { lostExecutions: stepFunctions.lostExecutions.length, recovered: pass?.recovered ?? 0, startedUnstarted: pass?.startedUnstarted ?? 0 };
      if (stepFunctions.lostExecutions.length > 0 || (pass?.recovered ?? 0) + (pass?.startedUnstarted ?? 0) > 0) {
        say(
          `Recovery        ${stepFunctions.lostExecutions.length} executions were running when the stack stopped (now FAILED, Local.EndpointLost); ` +
            `the reconciler recovered ${pass?.recovered ?? 0} orders and started ${pass?.startedUnstarted ?? 0} left unstarted` +
            `${pass?.notRecovered?.length ? `; out of recoveries (an operator must look): ${pass.notRecovered.join(', ')}` : ''}` +
            ` (${Date.now() - passStarted} ms)`,
        );
      }
    }
    const reconciler = scheduledJob({
      label: 'Reconciler',
      everySeconds: options.reconcileIntervalSeconds ?? 60,
      run: () =>
        reconcilerModule.handler(
          {
            stateMachineArn,
            orphanScanHours: options.orphanScanHours ?? 0,
            ...(options.unstartedGraceSeconds === undefined ? {} : { unstartedGraceSeconds: options.unstartedGraceSeconds }),
          },
          scheduledContext('number-orders-reconciler'),
        ),
      say,
    });
    closers.push(() => reconciler.stop());
    const rebalanceModule = await import('../../functions/rebalance/handler.js');
    const rebalanceWindowSeconds = options.rebalanceIntervalSeconds || 3600;
    const rebalancer = scheduledJob({
      label: 'Rebalance',
      everySeconds: options.rebalanceIntervalSeconds ?? 0,
      // The idempotency window is the loop's interval, as REBALANCE_WINDOW_SECONDS is the schedule's rate in AWS.
      run: () => rebalanceModule.handler({ stateMachineArn, windowSeconds: rebalanceWindowSeconds }, scheduledContext('number-orders-rebalance')),
      say,
    });
    closers.push(() => rebalancer.stop());
    say(`Step Functions  ${stepFunctions.endpoint}  (${stateMachineArn})`);

    // The webhook dispatcher's stand-in: retries due deliveries on an interval (EventBridge Scheduler in AWS).
    if (options.webhookDispatchIntervalMs !== 0) {
      const dispatcher = startWebhookDispatcher(webhookRuntime().deps, {
        intervalMs: options.webhookDispatchIntervalMs ?? 250,
        onError: (error) => say(`webhook dispatcher run failed: ${error instanceof Error ? error.message : String(error)}`),
      });
      closers.push(async () => dispatcher.stop());
    }

    const apiEnv: Env = { ...env, SFN_ENDPOINT: stepFunctions.endpoint };
    const store = createStores(createDocumentClient(apiEnv), tableName, { metrics });
    const logLevel = (options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN') as LogLevel;
    const apiDb = createDocumentClient(apiEnv);
    const ordersApi = createOrdersApi({
      store,
      sfn: createSfnClient(apiEnv),
      stateMachineArn,
      plivo: workflowRuntime().plivo,
      webhooks: { db: apiDb, tableName, secret: webhookSecret, schedule: { compress: options.webhookRetryCompress ?? 1000 } },
      allowLocalCallbacks: options.allowLocalCallbacks ?? false,
      rebalanceWindowSeconds,
      console: buildConsoleAssets(),
      logger: new Logger({ serviceName: 'orders-api', logLevel }),
    });
    const apiKey = options.apiKey ?? 'local-dev-key';
    // One gateway in front of both APIs, as one API Gateway is in AWS: /webhooks/plivo goes to its own Lambda.
    // Built at the first callback: the URL Plivo signs is the gateway's, known once it listens.
    let plivoWebhooksApi: ReturnType<typeof createPlivoWebhooksApi> | undefined;
    const plivoWebhooks = () =>
      (plivoWebhooksApi ??= createPlivoWebhooksApi({
        db: apiDb,
        tableName,
        credentials: staticCredentials({ authId: plivoAuthId, authToken: plivoAuthToken }),
        publicUrl: `${gatewayUrl}/webhooks/plivo`,
        logger: new Logger({ serviceName: 'webhooks-api', logLevel }),
      }));
    const gateway = await startLocalApiGateway({
      port: options.apiPort ?? 3000,
      apiKey,
      handler: (event, context) => (event.path.startsWith('/webhooks/plivo') ? plivoWebhooks()(event, context) : ordersApi(event, context)),
      publicPaths: [...ordersApiPublicPaths, ...plivoWebhooksApiPublicPaths],
      resources: [...ordersApiResources, ...plivoWebhooksApiResources],
      logger: new Logger({ serviceName: 'local-api-gateway', logLevel }),
    });
    gatewayUrl = gateway.url;
    closers.push(() => gateway.close());
    say(`API             ${gateway.url}  (x-api-key: ${apiKey})`);
    say(`Console         ${consoleUrl(gateway.url)}  (asks for the API key)`);

    return {
      apiUrl: gateway.url,
      consoleUrl: consoleUrl(gateway.url),
      apiKey,
      sfnEndpoint: stepFunctions.endpoint,
      dynamodbEndpoint,
      plivoUrl,
      plivoAuthId,
      plivoAuthToken,
      webhookSecret,
      tableName,
      stateMachineArn,
      sandbox,
      stepFunctions,
      lambdaCrashes: crashes,
      store,
      metrics,
      reconciler,
      rebalancer,
      recovery,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
