/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): one attempt of every webhook delivery
 * that is due, across all orders, as many as fit in the invocation. The retry schedule's shortest
 * waits are shorter than a minute; in AWS they are rounded up to the next run.
 *
 * Configuration: see functions/lib/webhooks/runtime.ts, plus `WEBHOOK_DISPATCH_LIMIT`
 * (deliveries per run, default 200).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { positiveInteger } from '../lib/config.js';
import { deliverDue, type DeliverDueResult } from '../lib/webhooks/delivery.js';
import { webhookRuntime } from '../lib/webhooks/runtime.js';
import { metricsMiddleware } from '../lib/runtime/metrics.js';

const limit = positiveInteger(process.env, 'WEBHOOK_DISPATCH_LIMIT', 200);

/** One pass over the due deliveries: what the handler does, callable from the local stack's interval. */
export async function dispatchDueWebhooks(options: { limit?: number; remainingMs?: () => number } = {}): Promise<DeliverDueResult> {
  const { deps, logger } = webhookRuntime();
  const result = await deliverDue(deps, { limit: options.limit ?? limit, ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}) });
  if (result.attempted > 0) logger.info('webhook dispatch', { ...result });
  return result;
}

export const handler = middy<unknown, DeliverDueResult, Error, Context>()
  .use(metricsMiddleware())
  .handler(async (_event, context) =>
  dispatchDueWebhooks(context?.getRemainingTimeInMillis ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
);
