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
import { z } from 'zod';
import { announceOrderStatus, deliverDue, type DeliverDueResult } from '../lib/webhooks/delivery.js';
import type { WebhookEventType } from '../lib/webhooks/events.js';
import { webhookRuntime } from '../lib/webhooks/runtime.js';
import { InvalidStepInputError } from '../lib/errors.js';

export const notifyInput = z.object({
  orderId: z.string().min(1).max(80),
  /** Record the event of the order's current status first. @default true */
  announce: z.boolean().optional(),
});
export type NotifyInput = z.infer<typeof notifyInput>;

export interface NotifyResult extends DeliverDueResult {
  orderId: string;
  /** The event recorded for the current status, if any (null: none, or no callbackUrl). */
  announced: WebhookEventType | null;
}

/** What the handler does, without middy: the local stack may call it directly. */
export async function notifyOrder(input: NotifyInput, remainingMs?: () => number): Promise<NotifyResult> {
  const { deps, logger } = webhookRuntime();
  const announced = input.announce === false ? null : await announceOrderStatus(deps, input.orderId);
  const result = await deliverDue(deps, { orderId: input.orderId, ...(remainingMs ? { remainingMs } : {}) });
  if (result.attempted > 0) logger.info('notify', { orderId: input.orderId, announced: announced?.type ?? null, ...result });
  return { orderId: input.orderId, announced: announced?.type ?? null, ...result };
}

export const handler = middy<unknown, NotifyResult, Error, Context>().handler(async (event, context) => {
  const parsed = notifyInput.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidStepInputError(`notify: input ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`);
  }
  const remaining = context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : undefined;
  return notifyOrder(parsed.data, remaining);
});
