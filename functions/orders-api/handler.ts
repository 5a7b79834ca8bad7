/**
 * Lambda entry of the orders HTTP API (API Gateway REST proxy). Configuration is read once, at
 * cold start, failing with the variable's name: `TABLE_NAME`, `STATE_MACHINE_ARN`; endpoints
 * (`DYNAMODB_ENDPOINT`, `SFN_ENDPOINT`) as `functions/lib/aws-clients.ts` reads them.
 *
 * Optional, each enabling its routes (without it they answer 500 and log why):
 * - Plivo credentials (`PLIVO_CREDENTIALS_SECRET_ARN` in AWS, or `PLIVO_AUTH_ID`/`PLIVO_AUTH_TOKEN`):
 *   resolving a regulatory line with numbers, through the workflow runtime's client, so its calls
 *   count against the account's shared rate budget;
 * - the webhook signing secret (`WEBHOOK_SECRET_ARN` in AWS, or `WEBHOOK_SECRET`): the customer
 *   webhook routes (list deliveries, retry);
 * - `REBALANCE_WINDOW_SECONDS` (default 3600): the scheduled rebalance's window, so that a run on
 *   demand shares the schedule's idempotency key.
 * The console's assets are compiled into the bundle (console-assets.ts); unbundled, /console answers 404.
 * The webhook secret is read from Secrets Manager before the handler exists (top-level await: the
 * init phase); the Plivo credentials when a route first calls Plivo, so `/health` and the other
 * routes answer whatever state the Plivo secret is in.
 */
import { createDocumentClient, createSfnClient } from '../lib/aws-clients.js';
import { positiveInteger, required } from '../lib/config.js';
import { metricsFor } from '../lib/runtime/metrics.js';
import { PLIVO_CREDENTIALS_SECRET_ARN, withWebhookSecret } from '../lib/runtime/secrets.js';
import { workflowRuntime } from '../lib/runtime/workflow-runtime.js';
import { createStores } from '../lib/store/stores.js';
import { createWebhookRuntime } from '../lib/webhooks/runtime.js';
import { createOrdersApi } from './api.js';
import { bundledConsoleAssets } from './console-assets.js';

const env = await withWebhookSecret(process.env);
const tableName = required(env, 'TABLE_NAME');
const stateMachineArn = required(env, 'STATE_MACHINE_ARN');
const db = createDocumentClient(env);
const hasPlivo = Boolean(env[PLIVO_CREDENTIALS_SECRET_ARN]?.trim() || env.PLIVO_AUTH_ID?.trim());
const consoleAssets = bundledConsoleAssets();
const webhooks = env.WEBHOOK_SECRET?.trim() ? createWebhookRuntime(env, { db, tableName }).deps : undefined;

export const handler = createOrdersApi({
  // Resolving a line with numbers claims them: counted as the workflow's claims are.
  store: createStores(db, tableName, { metrics: metricsFor(env) }),
  sfn: createSfnClient(env),
  stateMachineArn,
  ...(hasPlivo ? { plivo: workflowRuntime().plivo } : {}),
  ...(webhooks ? { webhooks } : {}),
  rebalanceWindowSeconds: positiveInteger(env, 'REBALANCE_WINDOW_SECONDS', 3600),
  ...(consoleAssets ? { console: consoleAssets } : {}),
});

export { createOrdersApi };
