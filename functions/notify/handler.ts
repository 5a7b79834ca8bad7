/**
 * Step Functions task: tell the customer. Input `{"orderId", "announce"?}`. First records the
 * event that announces the order's current status (order.received, order.completed, …; nothing
 * for IN_PROGRESS or a dry run's PLANNED) unless `announce` is false — idempotent, so a retried
 * task or an event the workflow recorded itself is still one delivery — then makes one attempt
 * of each of the order's due deliveries. A receiver that fails is not this task's failure: the
 * attempt is recorded and the webhook-dispatcher retries it on schedule. Only a storage error
 * or bad configuration throws (and Step Functions' Lambda retry applies).
 *
 * Configuration: see functions/lib/webhooks/runtime.ts (`TABLE_NAME`, `WEBHOOK_SECRET`, …).
 * Each attempt may take `WEBHOOK_TIMEOUT_MS` (5 s): give the Task a TimeoutSeconds of 30 or more.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { notifyInput, notifyOrder, type NotifyResult } from '../lib/runtime/notify.js';
import { parseStepInput } from '../lib/runtime/step-input.js';
import { metricsMiddleware } from '../lib/runtime/metrics.js';

export const handler = middy<unknown, NotifyResult, Error, Context>()
  .use(metricsMiddleware())
  .handler(async (event, context) =>
  notifyOrder(
    parseStepInput('notify', notifyInput, event),
    context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : undefined,
  ),
);
