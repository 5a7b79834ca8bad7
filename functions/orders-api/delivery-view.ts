/**
 * What the API shows of a webhook delivery. The order views are the public contract's
 * (functions/lib/orders/views.ts); deliveries are shown by the API only.
 */
import type { DeliveryItem } from '../lib/store/deliveries.js';
import type { WebhookDeliveryView } from './schemas.js';

/** One webhook delivery with its attempts (`GET /orders/{id}/webhooks`); the body sent is not shown. */
export function toWebhookDeliveryView(delivery: DeliveryItem): WebhookDeliveryView {
  return {
    deliveryId: delivery.deliveryId,
    type: delivery.type,
    status: delivery.status,
    url: delivery.url,
    scheduledAttempts: delivery.scheduledAttempts,
    ...(delivery.nextAttemptAt !== undefined ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
    ...(delivery.deliveredAt !== undefined ? { deliveredAt: delivery.deliveredAt } : {}),
    attempts: delivery.attempts.map((attempt) => ({
      attempt: attempt.attempt,
      at: attempt.at,
      durationMs: attempt.durationMs,
      ...(attempt.statusCode !== undefined ? { statusCode: attempt.statusCode } : {}),
      ...(attempt.error !== undefined ? { error: attempt.error } : {}),
      outcome: attempt.outcome,
      trigger: attempt.trigger,
    })),
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}
