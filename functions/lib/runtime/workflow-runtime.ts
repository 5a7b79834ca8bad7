/**
 * The long-lived parts a workflow Lambda builds once per container (cold start): configuration,
 * the DynamoDB store, and one Plivo client whose rate limiter is the DynamoDB-leased bucket that
 * every process of the account shares. Locally every handler runs in one process and shares them.
 *
 * In AWS the Plivo credentials are a Secrets Manager secret (`PLIVO_CREDENTIALS_SECRET_ARN`, see
 * `secrets.ts`), read by the Plivo client at its first call — a step that never calls Plivo never
 * reads it — and again when Plivo refuses them; locally `PLIVO_AUTH_ID`/`PLIVO_AUTH_TOKEN` are used.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { asWorkflowLogger } from './logger.js';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { createDocumentClient } from '../aws-clients.js';
import { type Env, optional, positiveInteger, readPlivoConfig, readWorkSlots, required } from '../config.js';
import type { CredentialSource } from '../plivo/credentials.js';
import { PlivoClient } from '../plivo/client.js';
import { unlimited, type RateLimiter } from '../plivo/rate-limit.js';
import type { PlivoAnswer, PlivoAttempt } from '../plivo/http.js';
import { LeasedRateLimiter } from '../store/leased-rate-limiter.js';
import { createStores, type Stores } from '../store/stores.js';
import type { WorkflowDeps } from '../workflow/deps.js';
import { LOST_CALLBACK_MS } from '../workflow/link.js';
import { METRIC, type Metrics } from '../metrics.js';
import { metricsFor } from './metrics.js';
import { plivoAccountKey, plivoCredentialSource } from './secrets.js';

export interface WorkflowRuntime {
  store: Stores;
  plivo: PlivoClient;
  logger: Logger;
  /** Business metrics (the store counts its own changes through them too). */
  metrics: Metrics;
  concurrency: number;
  /** Per-invocation dependencies, with a logger that puts the order id on every line. */
  depsFor(keys: { orderId: string; line?: number; step: string }): WorkflowDeps;
}

export interface RuntimeHooks {
  /** Called for every Plivo attempt (the benchmark counts them). */
  onPlivoAttempt?: (attempt: PlivoAttempt) => void;
  /** Called for every Plivo attempt answered, before the caller reads the answer (the local stack's crash injection). */
  onPlivoAnswer?: (answer: PlivoAnswer) => void;
  /** Where metrics go. @default Powertools when `POWERTOOLS_METRICS_NAMESPACE` is set, else none (runtime/metrics.ts) */
  metrics?: Metrics;
  /**
   * The public URL of the Plivo callback route, asked for each step (the local stack knows its
   * gateway's address only once it listens). @default `PLIVO_CALLBACK_URL`
   */
  plivoCallbackUrl?: () => string | undefined;
}

/**
 * `TABLE_NAME`, the `PLIVO_*` settings, `PLIVO_CONCURRENCY` (calls in flight per invocation, default
 * 16), `WORK_SLOTS`, `PLIVO_CALLBACK_URL` (where Plivo posts 10DLC link statuses; unset, they are
 * read from Plivo), `PLIVO_LOST_CALLBACK_SECONDS` (a link status not called back this long is read
 * from Plivo; default 600); the credentials from `credentials`, by default `plivoCredentialSource(env)`.
 */
export function createWorkflowRuntime(env: Env = process.env, hooks: RuntimeHooks = {}, credentials: CredentialSource = plivoCredentialSource(env)): WorkflowRuntime {
  const tableName = required(env, 'TABLE_NAME');
  const plivoConfig = readPlivoConfig(env);
  const concurrency = positiveInteger(env, 'PLIVO_CONCURRENCY', 16);
  const workSlots = readWorkSlots(env);
  const configuredCallbackUrl = optional(env, 'PLIVO_CALLBACK_URL');
  const plivoCallbackUrl = hooks.plivoCallbackUrl ?? (() => configuredCallbackUrl);
  const lostCallbackMs = positiveInteger(env, 'PLIVO_LOST_CALLBACK_SECONDS', LOST_CALLBACK_MS / 1000) * 1000;
  const db = createDocumentClient(env);
  const metrics = hooks.metrics ?? metricsFor(env);
  const store = createStores(db, tableName, { metrics });
  const limiter: RateLimiter = plivoConfig.rateLimit
    ? new LeasedRateLimiter({ db, tableName, account: plivoAccountKey(env), limit: plivoConfig.rateLimit, backgroundShare: plivoConfig.backgroundShare })
    : unlimited;
  const plivo = new PlivoClient({
    credentials,
    baseUrl: plivoConfig.baseUrl,
    timeoutMs: plivoConfig.timeoutMs,
    limiter,
    onAttempt: (attempt) => {
      metrics.count(METRIC.plivoCalls);
      hooks.onPlivoAttempt?.(attempt);
    },
    onAnswer: (answer) => {
      if (answer.status === 429) metrics.count(METRIC.plivoThrottled);
      hooks.onPlivoAnswer?.(answer);
    },
  });
  const logger = new Logger({
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'number-orders',
    ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL as LogLevel } : {}),
  });
  return {
    store,
    plivo,
    logger,
    metrics,
    concurrency,
    depsFor: (keys) => {
      const child = logger.createChild();
      child.appendPersistentKeys(keys);
      const callbackUrl = plivoCallbackUrl();
      return {
        store,
        plivo,
        metrics,
        concurrency,
        ...(workSlots === undefined ? {} : { workSlots }),
        ...(callbackUrl === undefined ? {} : { plivoCallbackUrl: callbackUrl }),
        lostCallbackMs,
        logger: asWorkflowLogger(child),
      };
    },
  };
}

let shared: WorkflowRuntime | undefined;

/** The container's runtime, built on first use from `process.env` (no secret is read here). */
export function workflowRuntime(): WorkflowRuntime {
  shared ??= createWorkflowRuntime(process.env);
  return shared;
}

/** For the local stack and tests: replace the container's runtime. */
export function setWorkflowRuntime(runtime: WorkflowRuntime | undefined): void {
  shared = runtime;
}
