/**
 * The orders API's schemas beyond the order request itself (which is `orderRequestSchema`, in
 * the domain model): path, query and header parameters, and every answer. The router validates
 * with them, the views are typed by them, and the OpenAPI document is generated from them.
 */
import { z } from 'zod';
import { LIMITS, lineStatuses, numberStatuses, orderLineSchema, orderStatuses } from '../lib/orders/model.js';
import { attemptOutcomes, deliveryStatuses } from '../lib/store/deliveries.js';
import { WEBHOOK_EVENT_TYPES } from '../lib/webhooks/events.js';

// ---- parameters ---------------------------------------------------------------------------

/** Order ids are UUIDs (`submitOrder` makes them); anything else names no order. */
export const orderIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'is not an order id (order ids are UUIDs)')
  .meta({ description: 'Order id (a UUID)', example: '0b6c3c52-8a39-4d0e-9b7a-2f1f3d0c6e11' });

export const orderPathParams = z.object({ orderId: orderIdSchema });

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

// ---- answers ------------------------------------------------------------------------------

export const fieldIssueSchema = z.object({
  path: z.string().meta({ description: 'Dotted path of the field, e.g. `lines.0.quantity`; empty for the whole body' }),
  message: z.string(),
});

export const errorResponseSchema = z
  .object({
    error: z.string().meta({ description: 'What was wrong; for a validation error, the first field and its problem' }),
    issues: z.array(fieldIssueSchema).optional().meta({ description: 'Every problem found, one per field (422)' }),
    requestId: z.string().optional().meta({ description: 'Only on a 500: quote it when asking for help' }),
  })
  .meta({ example: { error: 'lines.0.quantity: must be a whole number', issues: [{ path: 'lines.0.quantity', message: 'must be a whole number' }] } });

const timestamp = z.string().meta({ description: 'ISO 8601, UTC', example: '2026-11-23T10:15:30.123Z' });

export const orderLinksSchema = z.object({
  self: z.string().meta({ example: '/orders/0b6c3c52-8a39-4d0e-9b7a-2f1f3d0c6e11' }),
  numbers: z.string().meta({ example: '/orders/0b6c3c52-8a39-4d0e-9b7a-2f1f3d0c6e11/numbers' }),
});

export const orderAcceptedSchema = z.object({
  orderId: orderIdSchema,
  status: z.literal('RECEIVED').meta({ description: 'The status the order was accepted in; GET the order for its current status' }),
  requested: z.number().int().meta({ description: 'Numbers asked for, over all lines' }),
  lineCount: z.number().int(),
  dryRun: z.boolean(),
  executionArn: z.string().optional().meta({ description: 'The Step Functions execution (named after the order id)' }),
  createdAt: timestamp,
  links: orderLinksSchema,
});

export const lineCountsSchema = z.object({
  requested: z.number().int(),
  planned: z.number().int(),
  rented: z.number().int(),
  assigned: z.number().int(),
  verified: z.number().int(),
  failed: z.number().int(),
  released: z.number().int(),
  leaked: z.number().int().meta({ description: 'Rented, not usable and not unrented after retries: alarmed' }),
});

export const recordedErrorSchema = z.object({
  at: timestamp,
  line: z.number().int().optional(),
  name: z.string().meta({ example: 'PlivoBadRequestError' }),
  message: z.string(),
  plivoMessage: z.string().optional().meta({ description: "Plivo's own error text, when Plivo refused" }),
  apiId: z.string().optional().meta({ description: "Plivo's api_id of the failed call" }),
});

export const plannedGroupSchema = z.object({
  groupId: z.string(),
  quantity: z.number().int(),
  prefix: z.string().nullable(),
  region: z.string().nullable(),
  numberType: z.string(),
  setupRate: z.string().nullable().meta({ description: 'USD' }),
  rentalRate: z.string().nullable().meta({ description: 'USD per month' }),
});

export const orderLineViewSchema = z.object({
  line: z.number().int().meta({ description: '0-based index into the request lines' }),
  request: orderLineSchema,
  status: z.enum(lineStatuses),
  counts: lineCountsSchema,
  plan: z.array(plannedGroupSchema),
  errors: z.array(recordedErrorSchema),
  pendingDetails: z.string().optional().meta({ description: "Plivo's details of a rent pending regulatory approval" }),
  updatedAt: timestamp,
});

export const orderViewSchema = z.object({
  orderId: orderIdSchema,
  status: z.enum(orderStatuses),
  executionArn: z.string().optional(),
  poolUuid: z.string(),
  service: z.enum(['sms', 'mms']),
  partialAllowed: z.boolean(),
  dryRun: z.boolean(),
  maxMonthlyRate: z.string().optional(),
  maxSetupRate: z.string().optional(),
  callbackUrl: z.string().optional(),
  reference: z.string().optional(),
  rollback: z.enum(['all', 'unusable']).optional().meta({ description: 'Set when the order is being (or was) rolled back' }),
  requested: z.number().int(),
  totals: lineCountsSchema.meta({ description: 'The line counts summed' }),
  lines: z.array(orderLineViewSchema),
  errors: z.array(recordedErrorSchema),
  createdAt: timestamp,
  updatedAt: timestamp,
  links: orderLinksSchema,
});

export const orderSummarySchema = z.object({
  orderId: orderIdSchema,
  status: z.enum(orderStatuses),
  poolUuid: z.string(),
  reference: z.string().optional(),
  dryRun: z.boolean(),
  requested: z.number().int(),
  lineCount: z.number().int(),
  executionArn: z.string().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  links: orderLinksSchema,
});

export const orderListSchema = z.object({
  orders: z.array(orderSummarySchema).meta({ description: 'Newest first' }),
  nextCursor: z.string().optional().meta({ description: 'Absent on the last page' }),
});

export const orderNumberSchema = z.object({
  number: z.string().meta({ example: '15125550123' }),
  line: z.number().int(),
  status: z.enum(numberStatuses),
  groupId: z.string(),
  error: z.string().optional(),
  updatedAt: timestamp,
});

export const orderNumbersPageSchema = z.object({
  orderId: orderIdSchema,
  numbers: z.array(orderNumberSchema),
  nextCursor: z.string().optional().meta({ description: 'Absent on the last page' }),
});

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

export type OrderAccepted = z.infer<typeof orderAcceptedSchema>;
export type OrderView = z.infer<typeof orderViewSchema>;
export type OrderLineView = z.infer<typeof orderLineViewSchema>;
export type OrderSummary = z.infer<typeof orderSummarySchema>;
export type OrderList = z.infer<typeof orderListSchema>;
export type OrderNumber = z.infer<typeof orderNumberSchema>;
export type OrderNumbersPage = z.infer<typeof orderNumbersPageSchema>;
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export type WebhookAttemptView = z.infer<typeof webhookAttemptSchema>;
export type WebhookDeliveryView = z.infer<typeof webhookDeliverySchema>;
export type OrderWebhooks = z.infer<typeof orderWebhooksSchema>;
export type WebhookRetry = z.infer<typeof webhookRetrySchema>;
