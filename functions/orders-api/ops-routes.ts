/**
 * Operations on running orders: cancel, resolve a line waiting on address regulations, and the
 * reconciler's last report. The domain lives in functions/lib/workflow/ (cancel.ts,
 * regulatory.ts); these routes call it, and the stack answers its refusals (error-status.ts).
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ZodOpenApiOperationObject } from 'zod-openapi';
import { z } from 'zod';
import { ConfigurationError, HttpError } from '../lib/errors.js';
import { accepted, ok } from '../lib/http/responses.js';
import { routeBuilder, type HttpRoute } from '../lib/http/stack.js';
import { orderIdSchema } from '../lib/orders/contract.js';
import { LIMITS } from '../lib/orders/model.js';
import type { PlivoClient } from '../lib/plivo/client.js';
import type { Stores } from '../lib/store/stores.js';
import { cancelOrder } from '../lib/workflow/cancel.js';
import { noMetrics } from '../lib/metrics.js';
import type { WorkflowLogger } from '../lib/workflow/deps.js';
import { lastReconciliation, type RegulatoryDeps, resolveLine } from '../lib/workflow/regulatory.js';

/** What the operations routes need beyond the orders API's own dependencies. */
export interface OpsDeps {
  store: Stores;
  sfn: SFNClient;
  /** Needed to check numbers given to resolve a line. */
  plivo?: PlivoClient;
}

const route = routeBuilder<OpsDeps>();

export const cancelPathParams = z.object({ orderId: orderIdSchema });

export const linePathParams = z.object({
  orderId: orderIdSchema,
  lineId: z.coerce.number().int().min(0).max(LIMITS.maxLines - 1).meta({ description: 'Line index (0-based)', example: 0 }),
});

export const resolveLineBody = z.union([
  z.object({ numbers: z.array(z.string().regex(/^\d{6,15}$/, 'must be E.164 digits without "+"')).min(1).max(10_000) }).strict(),
  z.object({ outcome: z.literal('rejected'), reason: z.string().min(1).max(1000) }).strict(),
]);

export const resolveResultSchema = z.object({
  claimed: z.array(z.string()),
  resumed: z.boolean(),
  rejected: z.boolean(),
});

export const cancelResultSchema = z.object({ orderId: z.string(), status: z.string(), cancelRequested: z.literal(true) });

export const reconciliationSchema = z.object({
  checkedAt: z.string(),
  scan: z.enum(['full', 'slice', 'waiting-lines', 'none']).meta({
    description: 'How the account was read: whole in this run (claims and orphans), the next slice of a pass over the whole account (and where waiting lines could find numbers), only where waiting lines could find numbers, or not at all',
  }),
  accountPass: z
    .object({ offset: z.number().int(), total: z.number().int(), pages: z.number().int(), complete: z.boolean(), startedAt: z.string() })
    .optional()
    .meta({ description: "Where the pass over the whole account stands after this run's slice (a cursor in DynamoDB carries it across runs); the orphan report changes when a pass ends" }),
  accountNumbers: z.number().int().meta({ description: 'Account numbers read this run' }),
  waitingLines: z.number().int(),
  expired: z.number().int(),
  claimed: z.number().int().meta({ description: 'Numbers delivered for waiting lines, claimed for them' }),
  lateReleased: z.number().int().meta({ description: 'Numbers delivered for lines that no longer needed them: claimed and released' }),
  lateLeaked: z.number().int().meta({ description: 'Of those, numbers Plivo would not take back (LEAKED)' }),
  expectedDeliveries: z.number().int().meta({ description: 'Deliveries still expected (pending orders, lost rent answers)' }),
  activated: z.number().int().meta({ description: 'Numbers held pending verification that Plivo activated in this run' }),
  rejected: z.number().int().meta({ description: 'Waiting lines failed because Plivo withdrew their pending numbers' }),
  resumed: z.number().int(),
  provableOrphans: z.array(z.string()).meta({ description: 'Unowned numbers our records prove we rented (a delivery waiting for its line to end, a rent whose outcome is open): the system settles them' }),
  provableOrphanCount: z.number().int(),
  provableSurvivors: z.number().int().meta({ description: 'Provable orphans already seen in the previous run: their settling is stuck (alarmed)' }),
  orphans: z.array(z.string()).meta({ description: 'Numbers in the account that no order owns and no line waits for (at most 1,000 listed)' }),
  orphanCount: z.number().int(),
  orphansCheckedAt: z.string().optional().meta({ description: 'When the last complete pass over the account (the orphan report) started' }),
  recoveries: z
    .object({
      startedUnstarted: z.array(z.string()).meta({ description: 'Orders recorded but never started, started by this run' }),
      recovered: z
        .array(z.object({ orderId: z.string(), previousStatus: z.string(), executionArn: z.string() }))
        .meta({ description: 'Orders whose execution had died, continued by a recovery execution (previousStatus: how the dead one ended)' }),
      notRecovered: z.array(z.string()).meta({ description: 'Orders whose execution died once too often: an operator must look (alarmed)' }),
    })
    .optional()
    .meta({ description: 'What the run recovered after its report (absent from reports of older versions)' }),
});

const silent: WorkflowLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function regulatoryDeps(deps: OpsDeps): RegulatoryDeps {
  if (!deps.plivo) throw new ConfigurationError('the orders API was built without a Plivo client: lines cannot be resolved with numbers');
  return { store: deps.store, sfn: deps.sfn, plivo: deps.plivo, logger: silent, metrics: noMetrics };
}

export const opsRoutes: readonly HttpRoute<OpsDeps>[] = [
  route({
    method: 'POST',
    path: '/orders/{orderId}/cancel',
    params: cancelPathParams,
    handler: async ({ params, deps, logger }) => {
      logger.appendKeys({ orderId: params.orderId });
      // Cancel needs no Plivo call: the execution releases the numbers.
      const order = await cancelOrder({ store: deps.store, sfn: deps.sfn, logger: silent }, params.orderId);
      logger.info('order cancel requested');
      return accepted({ orderId: order.orderId, status: order.status, cancelRequested: true as const });
    },
  }),
  route({
    method: 'POST',
    path: '/orders/{orderId}/lines/{lineId}/resolve',
    params: linePathParams,
    body: resolveLineBody,
    handler: async ({ params, body, deps, logger }) => {
      logger.appendKeys({ orderId: params.orderId });
      const needsPlivo = 'numbers' in body;
      const domain = needsPlivo ? regulatoryDeps(deps) : ({ store: deps.store, sfn: deps.sfn, logger: silent } as RegulatoryDeps);
      const result = await resolveLine(domain, params.orderId, params.lineId, body);
      logger.info('regulatory line resolved by hand', { line: params.lineId, claimed: result.claimed.length, resumed: result.resumed, rejected: result.rejected });
      return ok(result);
    },
  }),
  route({
    method: 'GET',
    path: '/reconciliation',
    handler: async ({ deps }) => {
      const report = await lastReconciliation(deps);
      if (!report) throw new HttpError(404, 'the reconciler has not run yet');
      return ok(report);
    },
  }),
];

const errorSchema = z.object({ error: z.string() });
const error = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });

/** The OpenAPI paths of these routes (merged into the API's document). */
export const opsApiPaths: Record<string, Record<string, ZodOpenApiOperationObject>> = {
  '/orders/{orderId}/cancel': {
    post: {
      operationId: 'cancelOrder',
      summary: 'Cancel an order that has not ended',
      description: 'The order stops, every number rented for it is removed from the pool and unrented, lines waiting on regulations are abandoned, and it ends CANCELLED.',
      requestParams: { path: cancelPathParams },
      responses: {
        '202': { description: 'Cancel requested; follow the order until CANCELLED', content: { 'application/json': { schema: cancelResultSchema } } },
        '404': error('No order has this id'),
        '409': error('The order has already ended'),
      },
    },
  },
  '/orders/{orderId}/lines/{lineId}/resolve': {
    post: {
      operationId: 'resolveLine',
      summary: 'Resolve a line waiting on address regulations',
      description: '`{"numbers":[…]}`: numbers the account already holds serve the line (it resumes once complete). `{"outcome":"rejected","reason":"…"}`: the regulator refused; the line fails.',
      requestParams: { path: linePathParams },
      requestBody: { content: { 'application/json': { schema: resolveLineBody } } },
      responses: {
        '200': { description: 'What was claimed, and whether the line resumed or failed', content: { 'application/json': { schema: resolveResultSchema } } },
        '404': error('No order or line has this id'),
        '409': error('The line is not waiting on regulations'),
        '422': error('The body is invalid, or the numbers cannot serve this line'),
      },
    },
  },
  '/reconciliation': {
    get: {
      operationId: 'getReconciliation',
      summary: "The reconciler's last report, with orphaned numbers",
      responses: {
        '200': { description: 'The last run', content: { 'application/json': { schema: reconciliationSchema } } },
        '404': error('The reconciler has not run yet'),
      },
    },
  },
};
