/**
 * The notify task on the container's webhook runtime: record the event announcing the order's
 * current status (unless told not to), then make one attempt of each of the order's due
 * deliveries.
 */
import { z } from 'zod';
import { announceOrderStatus, deliverDue, type DeliverDueResult } from '../webhooks/delivery.js';
import type { WebhookEventType } from '../webhooks/events.js';
import { webhookRuntime } from '../webhooks/runtime.js';

/** The task's Payload (statemachines/order.asl.json: AnnounceReceived, AnnounceOutcome). */
export const notifyInput = z.object({
  orderId: z.string().min(1).max(80),
  /** Record the event of the order's current status first. @default true */
  announce: z.boolean().optional(),
});
type NotifyInput = z.infer<typeof notifyInput>;

export interface NotifyResult extends DeliverDueResult {
  orderId: string;
  /** The event recorded for the current status, if any (null: none, or no callbackUrl). */
  announced: WebhookEventType | null;
}

export async function notifyOrder(input: NotifyInput, remainingMs?: () => number): Promise<NotifyResult> {
  const { deps, logger } = webhookRuntime();
  const announced = input.announce === false ? null : await announceOrderStatus(deps, input.orderId);
  const result = await deliverDue(deps, { orderId: input.orderId, ...(remainingMs ? { remainingMs } : {}) });
  if (result.attempted > 0) logger.info('notify', { orderId: input.orderId, announced: announced?.type ?? null, ...result });
  return { orderId: input.orderId, announced: announced?.type ?? null, ...result };
}
