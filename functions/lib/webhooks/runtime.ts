/**
 * What the webhook Lambdas (notify, webhook-dispatcher) build once per container: the DynamoDB
 * client, the secret, the policy and the schedule, from configuration. The local stack, where
 * every handler runs in one process, builds its own and installs it with `setWebhookRuntime`
 * (as it does for the workflow runtime).
 *
 * Variables: `TABLE_NAME` and `WEBHOOK_SECRET` (`whsec_…`) are required; `WEBHOOK_ALLOW_LOCAL_CALLBACKS`
 * (`true`/`1`: http and loopback receivers, local stack only), `WEBHOOK_RETRY_COMPRESS` (divide
 * every retry wait by this, default 1), `WEBHOOK_TIMEOUT_MS` (per attempt, default 5000),
 * `WEBHOOK_MAX_ATTEMPTS` (default 8), `POWERTOOLS_LOG_LEVEL`; `DYNAMODB_ENDPOINT` as
 * aws-clients.ts reads it.
 */
import { asWorkflowLogger } from '../runtime/logger.js';
import { metricsFor } from '../runtime/metrics.js';
import { withWebhookSecret } from '../runtime/secrets.js';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { createDocumentClient } from '../aws-clients.js';
import { type Env, positiveInteger, required } from '../config.js';
import { ConfigurationError, WebhookSecretError } from '../errors.js';
import type { WebhookDeps } from './delivery.js';
import { assertWebhookSecret } from './signing.js';

export interface WebhookRuntime {
  deps: WebhookDeps;
  logger: Logger;
}

function flag(env: Env, name: string): boolean {
  const text = env[name]?.trim().toLowerCase();
  if (text === undefined || text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw new ConfigurationError(`${name} must be true or false; got "${env[name]}"`);
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive number; got "${text}"`);
  return value;
}

/**
 * Builds the runtime from `env`; `overrides` replace what they name (the local stack passes its
 * DynamoDB client; a caller that reads the secret from Secrets Manager passes `secret`).
 * @throws ConfigurationError naming the variable (never quoting the secret).
 */
export function createWebhookRuntime(env: Env = process.env, overrides: Partial<WebhookDeps> = {}): WebhookRuntime {
  const logger = new Logger({
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'number-orders-webhooks',
    ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL as LogLevel } : {}),
  });
  let secret: string;
  try {
    secret = assertWebhookSecret(overrides.secret ?? env.WEBHOOK_SECRET);
  } catch (error) {
    if (error instanceof WebhookSecretError) throw new ConfigurationError(`WEBHOOK_SECRET: ${error.message}`, { cause: error });
    throw error;
  }
  const deps: WebhookDeps = {
    db: overrides.db ?? createDocumentClient(env),
    tableName: overrides.tableName ?? required(env, 'TABLE_NAME'),
    allowLocalCallbacks: flag(env, 'WEBHOOK_ALLOW_LOCAL_CALLBACKS'),
    schedule: {
      compress: positiveNumber(env, 'WEBHOOK_RETRY_COMPRESS', 1),
      timeoutMs: positiveInteger(env, 'WEBHOOK_TIMEOUT_MS', 5_000),
      maxAttempts: positiveInteger(env, 'WEBHOOK_MAX_ATTEMPTS', 8),
    },
    logger: asWorkflowLogger(logger),
    metrics: metricsFor(env),
    ...overrides,
    secret,
  };
  return { deps, logger };
}

let shared: WebhookRuntime | undefined;

/** The container's runtime, built on first use from `process.env`. */
/**
 * The container's environment with the webhook signing secret read from Secrets Manager once, at
 * cold start (Lambda init), when `WEBHOOK_SECRET_ARN` names it; unchanged otherwise (local stack).
 */
const containerEnv = await withWebhookSecret(process.env);

export function webhookRuntime(): WebhookRuntime {
  shared ??= createWebhookRuntime(containerEnv);
  return shared;
}

/** For the local stack and tests: replace the container's runtime (undefined: build it again from the environment). */
export function setWebhookRuntime(runtime: WebhookRuntime | undefined): void {
  shared = runtime;
}
