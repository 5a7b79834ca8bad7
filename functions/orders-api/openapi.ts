/**
 * The orders API's OpenAPI 3.1 document, generated with zod-openapi from the very schemas the
 * handler validates with (`orderRequestSchema` for the body): there is no second copy to drift.
 * A test holds it to the router (same routes and methods) and checks that its examples validate.
 */
import { createDocument, type ZodOpenApiObject, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { z } from 'zod';
import { LIMITS, orderRequestSchema, type OrderRequestInput } from '../lib/orders/model.js';
import {
  errorResponseSchema,
  orderAcceptedSchema,
  orderListSchema,
  orderNumbersPageSchema,
  orderViewSchema,
  type OrderAccepted,
  type OrderView,
} from '../lib/orders/contract.js';
import {
  createOrderHeaders,
  deliveryPathParams,
  healthSchema,
  listOrdersQuery,
  orderNumbersQuery,
  orderPathParams,
  orderWebhooksSchema,
  webhookRetrySchema,
  type OrderWebhooks,
  type WebhookRetry,
} from './schemas.js';

import { plivoCallbackOperation } from '../lib/webhooks/plivo-inbound-openapi.js';
import { consoleApiPaths } from './console-routes.js';
import { opsApiPaths } from './ops-routes.js';
import { poolsApiPaths } from './pools-routes.js';
import { timelineApiPaths } from './timeline-routes.js';

export const API_VERSION = '1.0.0';

const errorContent = { 'application/json': { schema: errorResponseSchema } };
const error = (description: string) => ({ description, content: errorContent });

const noKey = error('No API key: send it in the `x-api-key` header');
const wrongKey = error('The API key is not valid');
const failedInside = error('Something failed inside; the answer carries a `requestId` and the error is logged');
const authErrors: ZodOpenApiResponsesObject = { '401': noKey, '403': wrongKey, '500': failedInside };

const invalidQuery = error('A query parameter is not valid; `issues` names each one');

/**
 * The answers every route can give by what it is, whatever it does (the HTTP stack gives them, not
 * the route): a keyed route refuses a missing or wrong key; a route with a body refuses one that is
 * not JSON (or not a form), too large, or of another content type; every route refuses query
 * parameters it does not take, throttles, and may fail inside. Added to each operation where it does
 * not describe the answer itself, so that no operation can leave them out.
 */
function standardAnswers(operation: ZodOpenApiOperationObject): ZodOpenApiResponsesObject {
  const keyed = operation.security === undefined || operation.security.length > 0;
  const body = operation.requestBody !== undefined;
  return {
    ...(body
      ? {
          '400': error('The body is empty or cannot be parsed'),
          '413': error(`The body is larger than the route takes (${LIMITS.maxBodyBytes} bytes for JSON bodies)`),
          '415': error('The content type is not the one the route takes'),
        }
      : {}),
    ...(keyed ? { '401': noKey, '403': wrongKey } : {}),
    '422': error('A parameter (path, query — including one the route does not take — header or body) is not valid; `issues` names each one'),
    '429': error("Too many requests: the API key's usage plan, the stage's throttling, or the firewall's per-address rate (deployed API)"),
    '500': failedInside,
  };
}

function withStandardAnswers<P extends Record<string, Record<string, ZodOpenApiOperationObject>>>(paths: P): P {
  return Object.fromEntries(
    Object.entries(paths).map(([path, methods]) => [
      path,
      Object.fromEntries(Object.entries(methods).map(([method, operation]) => [method, { ...operation, responses: { ...standardAnswers(operation), ...operation.responses } }])),
    ]),
  ) as P;
}

/** Request examples: each must pass `orderRequestSchema` (a test checks). */
export const orderRequestExamples = {
  regions: {
    summary: 'US local numbers by area code and by region, French local numbers',
    value: {
      poolUuid: '6b4e2b0a-5e0c-4a53-9d5c-0d7a2b9f1c11',
      service: 'sms',
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 40 },
        { countryIso: 'US', numberType: 'local', region: 'California', quantity: 25 },
        { countryIso: 'FR', numberType: 'local', prefix: '3', quantity: 5 },
      ],
      partialAllowed: true,
      maxMonthlyRate: '1.00',
      maxSetupRate: '1.00',
      callbackUrl: 'https://example.com/hooks/numbers',
      reference: 'customer-ref-42',
      dryRun: false,
    },
  },
  tollfreeDryRun: {
    summary: 'Plan (search and price) 10 Canadian toll-free numbers without renting any',
    value: {
      poolUuid: '6b4e2b0a-5e0c-4a53-9d5c-0d7a2b9f1c11',
      lines: [{ countryIso: 'CA', numberType: 'tollfree', services: ['sms', 'voice'], quantity: 10 }],
      partialAllowed: false,
      dryRun: true,
    },
  },
  specificNumbers: {
    summary: 'Two US numbers picked from a search, and French numbers under an approved compliance application',
    value: {
      poolUuid: '6b4e2b0a-5e0c-4a53-9d5c-0d7a2b9f1c11',
      lines: [
        { countryIso: 'US', numberType: 'local', numbers: ['14155550100', '14155550101'] },
        { countryIso: 'FR', numberType: 'local', prefix: '1', quantity: 3, complianceApplicationId: 'CA000000000000000001' },
      ],
    },
  },
} satisfies Record<string, { summary: string; value: OrderRequestInput }>;

const exampleOrderId = '0b6c3c52-8a39-4d0e-9b7a-2f1f3d0c6e11';
const exampleArn = `arn:aws:states:us-east-1:123456789012:execution:number-orders-order:${exampleOrderId}`;
const exampleLinks = { self: `/orders/${exampleOrderId}`, numbers: `/orders/${exampleOrderId}/numbers` };

export const orderAcceptedExample: OrderAccepted = {
  orderId: exampleOrderId,
  status: 'RECEIVED',
  requested: 70,
  lineCount: 3,
  dryRun: false,
  executionArn: exampleArn,
  createdAt: '2026-11-23T10:15:30.123Z',
  links: exampleLinks,
};

export const orderViewExample: OrderView = {
  orderId: exampleOrderId,
  status: 'IN_PROGRESS',
  executionArn: exampleArn,
  poolUuid: '6b4e2b0a-5e0c-4a53-9d5c-0d7a2b9f1c11',
  service: 'sms',
  partialAllowed: true,
  dryRun: false,
  reference: 'customer-ref-42',
  requested: 45,
  totals: { requested: 45, planned: 45, rented: 40, assigned: 30, verified: 25, failed: 0, released: 0, leaked: 0, linked: 32 },
  lines: [
    {
      line: 0,
      request: { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 40, campaignId: 'CUOGHIN' },
      status: 'ASSIGNING',
      counts: { requested: 40, planned: 40, rented: 40, assigned: 30, verified: 25, failed: 0, released: 0, leaked: 0, linked: 32 },
      plan: [
        { groupId: '51200', quantity: 40, prefix: '512', region: 'Texas', numberType: 'local', setupRate: '0.00000', rentalRate: '0.80000' },
      ],
      errors: [],
      campaignId: 'CUOGHIN',
      updatedAt: '2026-11-23T10:15:34.500Z',
    },
    {
      line: 1,
      request: { countryIso: 'FR', numberType: 'local', prefix: '3', quantity: 5 },
      status: 'PENDING_REGULATORY',
      counts: { requested: 5, planned: 5, rented: 0, assigned: 0, verified: 0, failed: 0, released: 0, leaked: 0, linked: 0 },
      plan: [{ groupId: '33100', quantity: 5, prefix: '3', region: null, numberType: 'local', setupRate: '1.00000', rentalRate: '1.20000' }],
      errors: [],
      pendingDetails: 'An address proof is required for numbers in France',
      updatedAt: '2026-11-23T10:15:33.010Z',
    },
  ],
  errors: [],
  createdAt: '2026-11-23T10:15:30.123Z',
  updatedAt: '2026-11-23T10:15:34.500Z',
  links: exampleLinks,
};

const orderIdParams = { path: orderPathParams };

const createOrder: ZodOpenApiOperationObject = {
  operationId: 'createOrder',
  summary: 'Order numbers into a pool',
  description: [
    `Records the order and starts its workflow; answers at once. At most ${LIMITS.maxLines} lines,`,
    `${LIMITS.maxQuantityPerLine} numbers per line and ${LIMITS.maxNumbersPerOrder} per order; the body`,
    `may be at most ${LIMITS.maxBodyBytes} bytes. With an \`Idempotency-Key\`, a repeat of the same`,
    'request answers 202 with the same body (and `Idempotent-Replayed: true`) and starts nothing.',
  ].join(' '),
  requestParams: { header: createOrderHeaders },
  requestBody: {
    required: true,
    content: { 'application/json': { schema: orderRequestSchema, examples: orderRequestExamples } },
  },
  responses: {
    '202': {
      description: 'Accepted: the order is recorded and its workflow started',
      headers: z.object({
        location: z.string().meta({ description: 'The order: `/orders/{orderId}`' }),
        'idempotent-replayed': z.literal('true').optional().meta({ description: 'Present when an `Idempotency-Key` replay returned an earlier order' }),
      }),
      content: { 'application/json': { schema: orderAcceptedSchema, example: orderAcceptedExample } },
    },
    '400': error('The body is empty or not valid JSON'),
    ...authErrors,
    '409': error('The `Idempotency-Key` was already used with a different body'),
    '413': error(`The body is larger than ${LIMITS.maxBodyBytes} bytes`),
    '415': error('The content type is not `application/json`'),
    '422': error(
      'The body (or the `Idempotency-Key` header) does not satisfy the schema, or the `callbackUrl` is not allowed (not https, or its host is or resolves to a loopback, private, link-local or metadata address); `issues` lists every field',
    ),
  },
};

const listOrders: ZodOpenApiOperationObject = {
  operationId: 'listOrders',
  summary: 'List orders, newest first',
  requestParams: { query: listOrdersQuery },
  responses: {
    '200': { description: 'One page of orders', content: { 'application/json': { schema: orderListSchema } } },
    ...authErrors,
    '422': invalidQuery,
  },
};

const getOrder: ZodOpenApiOperationObject = {
  operationId: 'getOrder',
  summary: 'An order with its lines, counts, plan and errors',
  requestParams: orderIdParams,
  responses: {
    '200': { description: 'The order', content: { 'application/json': { schema: orderViewSchema, example: orderViewExample } } },
    ...authErrors,
    '404': error('No order has this id (or the id is not a UUID)'),
  },
};

const listOrderNumbers: ZodOpenApiOperationObject = {
  operationId: 'listOrderNumbers',
  summary: "An order's numbers, one page at a time",
  requestParams: { ...orderIdParams, query: orderNumbersQuery },
  responses: {
    '200': { description: 'One page of numbers', content: { 'application/json': { schema: orderNumbersPageSchema } } },
    ...authErrors,
    '404': error('No order has this id'),
    '422': invalidQuery,
  },
};

const exampleDelivery: OrderWebhooks['deliveries'][number] = {
  deliveryId: 'msg_3kTq0Zb4c1yQ8W2nJm5xVf7hLr9sDa6E',
  type: 'order.completed',
  status: 'DELIVERED',
  url: 'https://example.com/hooks/numbers',
  scheduledAttempts: 2,
  deliveredAt: '2026-11-23T10:16:02.480Z',
  attempts: [
    { attempt: 1, at: '2026-11-23T10:16:01.002Z', durationMs: 212, statusCode: 503, outcome: 'failed', trigger: 'scheduled' },
    { attempt: 2, at: '2026-11-23T10:16:02.310Z', durationMs: 170, statusCode: 200, outcome: 'delivered', trigger: 'scheduled' },
  ],
  createdAt: '2026-11-23T10:16:01.000Z',
  updatedAt: '2026-11-23T10:16:02.480Z',
};

export const orderWebhooksExample: OrderWebhooks = { orderId: exampleOrderId, deliveries: [exampleDelivery] };

export const webhookRetryExample: WebhookRetry = {
  deliveryId: exampleDelivery.deliveryId,
  outcome: 'delivered',
  attempt: { attempt: 3, at: '2026-11-23T11:02:40.120Z', durationMs: 140, statusCode: 200, outcome: 'delivered', trigger: 'manual' },
  delivery: {
    ...exampleDelivery,
    attempts: [
      ...exampleDelivery.attempts,
      { attempt: 3, at: '2026-11-23T11:02:40.120Z', durationMs: 140, statusCode: 200, outcome: 'delivered', trigger: 'manual' },
    ],
    updatedAt: '2026-11-23T11:02:40.260Z',
  },
};

const listOrderWebhooks: ZodOpenApiOperationObject = {
  operationId: 'listOrderWebhooks',
  summary: "An order's webhook deliveries, each with every attempt",
  description: 'One delivery per event the order went through (see docs/webhooks.md); the delivery id is the `webhook-id` header of its requests.',
  requestParams: orderIdParams,
  responses: {
    '200': { description: 'The deliveries, oldest first', content: { 'application/json': { schema: orderWebhooksSchema, example: orderWebhooksExample } } },
    ...authErrors,
    '404': error('No order has this id'),
  },
};

const retryOrderWebhook: ZodOpenApiOperationObject = {
  operationId: 'retryOrderWebhook',
  summary: 'Send a webhook again, now',
  description:
    'One attempt, at once, with the same `webhook-id` and body (and a fresh `webhook-timestamp` and signature), whatever the delivery status. A 2xx makes the delivery DELIVERED and a 410 GONE; a failure leaves its status and retry schedule as they were. Answers with the outcome of the attempt.',
  requestParams: { path: deliveryPathParams },
  responses: {
    '202': { description: 'The attempt was made; `outcome` says how it went', content: { 'application/json': { schema: webhookRetrySchema, example: webhookRetryExample } } },
    ...authErrors,
    '404': error('No order has this id, or the order has no such delivery'),
    '409': error('An attempt of this delivery is under way, or it has been attempted too often'),
  },
};

const health: ZodOpenApiOperationObject = {
  operationId: 'health',
  summary: 'Liveness (no API key)',
  security: [],
  responses: { '200': { description: 'Up', content: { 'application/json': { schema: healthSchema, example: { status: 'ok' } } } } },
};

const openApi: ZodOpenApiOperationObject = {
  operationId: 'openApiDocument',
  summary: 'This document (no API key)',
  security: [],
  responses: {
    '200': {
      description: 'The OpenAPI 3.1 document',
      content: { 'application/json': { schema: z.looseObject({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }) }) } },
    },
  },
};

/** Every path and method of the API, with zod schemas (before rendering). */
export const ordersApiPaths = {
  '/health': { get: health },
  '/openapi.json': { get: openApi },
  '/orders': { post: createOrder, get: listOrders },
  '/orders/{orderId}': { get: getOrder },
  '/orders/{orderId}/numbers': { get: listOrderNumbers },
  '/orders/{orderId}/webhooks': { get: listOrderWebhooks },
  '/orders/{orderId}/webhooks/{deliveryId}/retry': { post: retryOrderWebhook },
  ...opsApiPaths,
  ...timelineApiPaths,
  ...poolsApiPaths,
  ...consoleApiPaths,
  // Served by its own Lambda behind the same API (functions/webhooks-api).
  '/webhooks/plivo': { post: plivoCallbackOperation },
} satisfies ZodOpenApiPathsObject;

const definition: ZodOpenApiObject = {
  openapi: '3.1.0',
  info: {
    title: 'number-orders',
    version: API_VERSION,
    license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Proprietary' },
    description:
      'Rent Plivo phone numbers in bulk into Powerpack number pools. Every 4xx answer names the field or the reason; 422 answers list every field issue.',
  },
  servers: [
    { url: 'http://127.0.0.1:3000', description: 'The local stack (`npm start`; `--api-port` changes the port)' },
    {
      url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
      description: 'A deployed stack (`npx cdk deploy`: its ApiUrl output)',
      variables: { apiId: { default: 'abc123defg', description: 'The REST API id' }, region: { default: 'us-east-1' }, stage: { default: 'dev', description: 'The stack\'s stage (context `stage`)' } },
    },
  ],
  security: [{ apiKey: [] }],
  components: {
    securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The API key' } },
    schemas: { OrderRequest: orderRequestSchema, OrderAccepted: orderAcceptedSchema, Order: orderViewSchema, Error: errorResponseSchema },
  },
  paths: withStandardAnswers(ordersApiPaths),
};

let rendered: ReturnType<typeof createDocument> | undefined;

/** The rendered document (built once, on first use). */
export function openApiDocument(): ReturnType<typeof createDocument> {
  rendered ??= createDocument(definition);
  return rendered;
}
