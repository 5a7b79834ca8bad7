/**
 * `GET /orders/{orderId}/timeline`: the states the order's execution went through, with times,
 * shaped from its execution history by functions/lib/orders/timeline.ts (never raw history: no
 * inputs, outputs or task tokens).
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ZodOpenApiOperationObject } from 'zod-openapi';
import { z } from 'zod';
import { HttpError } from '../lib/errors.js';
import { ok } from '../lib/http/responses.js';
import { routeBuilder, type HttpRoute } from '../lib/http/stack.js';
import { orderTimelineSchema, readTimeline } from '../lib/orders/timeline.js';
import type { Stores } from '../lib/store/stores.js';
import { orderNotFound, orderPathParams } from './schemas.js';

interface TimelineDeps {
  store: Stores;
  sfn: SFNClient;
}

const route = routeBuilder<TimelineDeps>();

export const timelineRoutes: readonly HttpRoute<TimelineDeps>[] = [
  route({
    method: 'GET',
    path: '/orders/{orderId}/timeline',
    params: orderPathParams,
    handler: async ({ params, deps, logger }) => {
      logger.appendKeys({ orderId: params.orderId });
      const order = await deps.store.orders.find(params.orderId);
      if (!order) throw orderNotFound(params.orderId);
      const timeline = await readTimeline(deps.sfn, order.orderId, order.executionArn);
      if (!timeline) throw new HttpError(404, `the execution of order ${params.orderId} is no longer known to Step Functions (its history has expired)`);
      return ok(timeline);
    },
  }),
];

const errorSchema = z.object({ error: z.string() });

/** The OpenAPI paths of these routes (merged into the API's document). */
export const timelineApiPaths: Record<string, Record<string, ZodOpenApiOperationObject>> = {
  '/orders/{orderId}/timeline': {
    get: {
      operationId: 'getOrderTimeline',
      summary: "The states the order's execution went through, with the times it entered and left each",
      requestParams: { path: orderPathParams },
      responses: {
        '200': { description: 'The timeline, oldest first', content: { 'application/json': { schema: orderTimelineSchema } } },
        '404': { description: 'No order has this id, or its execution history has expired', content: { 'application/json': { schema: errorSchema } } },
      },
    },
  },
};
