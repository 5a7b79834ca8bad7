/**
 * The orders API's own schemas: path, query and header parameters, and the answers only the API
 * gives (health, webhook deliveries). The order request is `orderRequestSchema` (the domain
 * model); the answers clients read are the public contract (functions/lib/orders/contract.ts).
 * The router validates with these, and the OpenAPI document is generated from them.
 */
import { z } from 'zod';
import { HttpError } from '../lib/errors.js';
import { orderIdSchema, timestampSchema as timestamp } from '../lib/orders/contract.js';
import { LIMITS, orderStatuses } from '../lib/orders/model.js';
import { attemptOutcomes, deliveryStatuses } from '../lib/store/deliveries.js';
import { WEBHOOK_EVENT_TYPES } from '../lib/webhooks/events.js';

// ---- parameters ---------------------------------------------------------------------------

export const orderPathParams = z.object({ orderId: orderIdSchema });

/** The 404 of every route under `/orders/{orderId}` whose order is not recorded. */
export const orderNotFound = (orderId: string) => new HttpError(404, `order ${orderId} does not exist`);

const cursor = z.string().min(1).max(2048).meta({ description: 'Opaque cursor from the previous page (`nextCursor`)' });

function limit(max: number, fallback: number) {
  return z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .meta({ description: `Page size, 1 to ${max}`, example: fallback });
}

export const NUMBERS_PAGE = { max: 1000, default: 100 } as const;
export const ORDERS_PAGE = { max: 100, default: 20 } as const;

export const listOrdersQuery = z
  .object({
    status: z.enum(orderStatuses).optional().meta({ description: 'Only orders in this status' }),
    limit: limit(ORDERS_PAGE.max, ORDERS_PAGE.default),
    cursor: cursor.optional(),
  })
  .strict();

export const orderNumbersQuery = z
  .object({
    line: z.coerce
      .number()
      .int()
      .min(0)
      .max(LIMITS.maxLines - 1)
      .optional()
      .meta({ description: 'Only the numbers of this line (0-based index into `lines`)' }),
    limit: limit(NUMBERS_PAGE.max, NUMBERS_PAGE.default),
    cursor: cursor.optional(),
  })
  .strict();

/** Webhook delivery ids are the `webhook-id` of their requests: `msg_` and 32 base64url characters. */
export const deliveryIdSchema = z
  .string()
  .regex(/^msg_[A-Za-z0-9_-]{1,64}$/, 'is not a webhook delivery id (they start with msg_)')
  .meta({ description: 'Webhook delivery id, also the `webhook-id` header of its requests', example: 'msg_3kTq0Zb4c1yQ8W2nJm5xVf7hLr9sDa6E' });

export const deliveryPathParams = z.object({ orderId: orderIdSchema, deliveryId: deliveryIdSchema });

/** Printable ASCII, 1 to 255 characters. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x20-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters')
  .meta({
    description:
      'Makes the request safe to retry: the same key and the same body return the same order (202, same body) and start nothing; the same key with another body is 409. Keys are scoped to the API key and remembered for 24 hours.',
    example: 'order-2026-11-23-0001',
  });

/** Headers, by lower-case name (the handler normalises them). */
export const createOrderHeaders = z.object({ 'idempotency-key': idempotencyKeySchema.optional() });

// ---- answers only the API gives ----------------------------------------------------------

export const healthSchema = z.object({ status: z.literal('ok') });

export const webhookAttemptSchema = z.object({
  attempt: z.number().int().meta({ description: '1-based, over every attempt of the delivery' }),
  at: timestamp,
  durationMs: z.number().int(),
  statusCode: z.number().int().optional().meta({ description: "The receiver's status code, when it answered" }),
  error: z.string().optional().meta({ description: 'Why no status code came back: timeout, refused address, connection error', example: 'no answer within 5000 ms' }),
  outcome: z.enum(attemptOutcomes).meta({ description: '`delivered`: 2xx; `gone`: 410 (no more attempts); `failed`: anything else' }),
  trigger: z.enum(['scheduled', 'manual']).meta({ description: '`manual`: sent by the retry route' }),
});

export const webhookDeliverySchema = z.object({
  deliveryId: deliveryIdSchema,
  type: z.enum(WEBHOOK_EVENT_TYPES),
  status: z
    .enum(deliveryStatuses)
    .meta({ description: '`PENDING`: more attempts to come; `DELIVERED`: a 2xx; `FAILED`: every scheduled attempt failed; `GONE`: the receiver answered 410' }),
  url: z.string().meta({ description: "The order's callbackUrl when the event was recorded" }),
  scheduledAttempts: z.number().int().meta({ description: 'Scheduled attempts made (manual ones do not use up the schedule)' }),
  nextAttemptAt: timestamp.optional().meta({ description: 'When the next scheduled attempt is due; only while PENDING' }),
  deliveredAt: timestamp.optional(),
  attempts: z.array(webhookAttemptSchema),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const orderWebhooksSchema = z.object({
  orderId: orderIdSchema,
  deliveries: z.array(webhookDeliverySchema).meta({ description: 'Oldest first, one per event' }),
});

export const webhookRetrySchema = z.object({
  deliveryId: deliveryIdSchema,
  outcome: z.enum(attemptOutcomes).meta({ description: 'The outcome of the attempt just made' }),
  attempt: webhookAttemptSchema,
  delivery: webhookDeliverySchema,
});

export type WebhookDeliveryView = z.infer<typeof webhookDeliverySchema>;
export type OrderWebhooks = z.infer<typeof orderWebhooksSchema>;
export type WebhookRetry = z.infer<typeof webhookRetrySchema>;
