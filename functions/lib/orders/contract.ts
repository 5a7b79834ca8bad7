/**
 * The public contract of number-orders: the answers of the HTTP API that a client reads (orders,
 * their lines and numbers, error bodies, pool rebalancing runs), as zod schemas with their types.
 * The API is typed by them and documents them (OpenAPI), the webhooks carry the order shapes in
 * their bodies, and the CLI checks every answer against them. Shapes only: `views.ts` builds them
 * from stored items. Request schemas that only the API reads stay with its routes.
 */
import { z } from 'zod';
import { lineStatuses, numberStatuses, orderStatuses, recordedLineSchema } from './model.js';

/** Order ids are UUIDs (`submitOrder` makes them); anything else names no order. */
export const orderIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'is not an order id (order ids are UUIDs)')
  .meta({ description: 'Order id (a UUID)', example: '0b6c3c52-8a39-4d0e-9b7a-2f1f3d0c6e11' });

// ---- errors -------------------------------------------------------------------------------

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

// ---- orders, lines, numbers ----------------------------------------------------------------

/** Every time in an answer. */
export const timestampSchema = z.string().meta({ description: 'ISO 8601, UTC', example: '2026-11-23T10:15:30.123Z' });

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
  createdAt: timestampSchema,
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
  linked: z.number().int().meta({ description: 'Numbers linked to the line\'s 10DLC campaign (Plivo reported COMPLETED); 0 on lines without one' }),
});

export const recordedErrorSchema = z.object({
  at: timestampSchema,
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
  request: recordedLineSchema,
  status: z.enum(lineStatuses),
  counts: lineCountsSchema,
  plan: z.array(plannedGroupSchema),
  errors: z.array(recordedErrorSchema),
  pendingDetails: z.string().optional().meta({ description: "Plivo's details of a rent pending regulatory approval" }),
  campaignId: z.string().optional().meta({
    description: "The 10DLC campaign the line links its numbers to (its own, or the order's for a US local line): a number counts as verified only once linked and in the pool",
  }),
  linkDeadlineAt: timestampSchema.optional().meta({ description: 'While numbers are linking: when a number not linked yet is given up and released' }),
  updatedAt: timestampSchema,
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
  campaignId: z.string().optional().meta({ description: "The order's 10DLC campaign, for its US local lines" }),
  linkDeadlineHours: z.number().optional(),
  rollback: z.enum(['all', 'unusable']).optional().meta({ description: 'Set when the order is being (or was) rolled back' }),
  requested: z.number().int(),
  totals: lineCountsSchema.meta({ description: 'The line counts summed' }),
  lines: z.array(orderLineViewSchema),
  errors: z.array(recordedErrorSchema),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
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
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
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
  updatedAt: timestampSchema,
});

export const orderNumbersPageSchema = z.object({
  orderId: orderIdSchema,
  numbers: z.array(orderNumberSchema),
  nextCursor: z.string().optional().meta({ description: 'Absent on the last page' }),
});

// ---- pool rebalancing -----------------------------------------------------------------------

export const storedPolicySchema = z.object({ poolUuid: z.string(), version: z.number().int(), updatedAt: z.string(), policy: z.record(z.string(), z.unknown()) });
const ruleOutcomeSchema = z.object({
  rule: z.record(z.string(), z.unknown()),
  inPool: z.number().int(),
  inTransit: z.number().int(),
  min: z.number().int(),
  target: z.number().int(),
  max: z.number().int(),
  decision: z.enum(['ok', 'order', 'release', 'report-surplus', 'capped']),
  quantity: z.number().int(),
  wanted: z.number().int().optional(),
  estimatedMonthly: z.string().optional(),
  orderId: z.string().optional(),
  released: z.array(z.object({ number: z.string(), outcome: z.enum(['released', 'failed']), error: z.string().optional() })).optional(),
  note: z.string().optional(),
});
const runWebhookSchema = z.object({ type: z.string(), deliveryId: z.string() });
export const runRecordSchema = z.object({
  runId: z.string(),
  poolUuid: z.string(),
  policyVersion: z.number().int(),
  dryRun: z.boolean(),
  trigger: z.enum(['api', 'schedule']),
  window: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  rules: z.array(ruleOutcomeSchema),
  orderId: z.string().optional(),
  orderIds: z.array(z.string()).optional().meta({ description: 'Every order placed, when the deficit took more than one (an order holds at most 40 lines and 100,000 numbers)' }),
  orderCreated: z.boolean().optional(),
  estimatedMonthlyIncrease: z.string(),
  notes: z.array(z.string()),
  state: z.enum(['running', 'finished', 'interrupted']).optional().meta({ description: '`running` while it acts; `interrupted`: cut off, finished by a later run from its records' }),
  webhooks: z.array(runWebhookSchema).optional().meta({ description: 'Webhook deliveries the run recorded (see GET /pools/{poolUuid}/webhooks)' }),
});
export const runListSchema = z.object({ poolUuid: z.string(), runs: z.array(runRecordSchema) });

export type OrderAccepted = z.infer<typeof orderAcceptedSchema>;
export type OrderView = z.infer<typeof orderViewSchema>;
export type OrderLineView = z.infer<typeof orderLineViewSchema>;
export type OrderSummary = z.infer<typeof orderSummarySchema>;
export type OrderList = z.infer<typeof orderListSchema>;
export type OrderNumber = z.infer<typeof orderNumberSchema>;
export type OrderNumbersPage = z.infer<typeof orderNumbersPageSchema>;
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
/** A pool's policy as stored, with its version (`GET`/`PUT /pools/{uuid}/policy`). */
export type StoredPolicyView = z.output<typeof storedPolicySchema>;
/** A rebalance run (`POST /pools/{uuid}/rebalance`), or the plan of the next one (`GET /pools/{uuid}`). */
export type PoolRunView = z.output<typeof runRecordSchema>;
export type PoolRunList = z.output<typeof runListSchema>;
