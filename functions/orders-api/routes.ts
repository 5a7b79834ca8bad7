/**
 * The orders API's routes: each parses nothing itself (the stack validates its input against the
 * schemas named here), calls the domain, and shapes the answer. The domain's refusals go up as
 * they are: the stack answers them (error-status.ts).
 */
import { callerScope } from '../lib/http/api-key.js';
import { invalidField } from '../lib/http/errors.js';
import { accepted, basePath, json, ok } from '../lib/http/responses.js';
import { routeBuilder, type HttpRoute } from '../lib/http/stack.js';
import type { OrderList, OrderNumbersPage } from '../lib/orders/contract.js';
import { orderRequestSchema } from '../lib/orders/model.js';
import { submitOrder } from '../lib/orders/submit.js';
import { toOrderAccepted, toOrderNumber, toOrderSummary, toOrderView } from '../lib/orders/views.js';
import { listDeliveries } from '../lib/webhooks/delivery.js';
import { assertCallbackUrl, retryWebhook, webhooksOf } from './callbacks.js';
import { openApiDocument } from './openapi.js';
import { consoleRoutes, type ConsoleDeps } from './console-routes.js';
import { opsRoutes } from './ops-routes.js';
import { poolsRoutes, type PoolsRouteDeps } from './pools-routes.js';
import { createOrderHeaders, deliveryPathParams, listOrdersQuery, orderNotFound, orderNumbersQuery, orderPathParams, type OrderWebhooks } from './schemas.js';
import { toWebhookDeliveryView } from './delivery-view.js';
import { timelineRoutes } from './timeline-routes.js';

/**
 * What every route needs: the store, Step Functions (executions are named after the order id),
 * and optionally customer webhooks, the callbackUrl rules, a Plivo client (resolving regulatory
 * lines, the pool routes) and the rebalance window — the pool routes' dependencies are the API's;
 * and the console's assets.
 */
export type OrdersApiDeps = PoolsRouteDeps & ConsoleDeps;

const route = routeBuilder<OrdersApiDeps>();


const baseRoutes: readonly HttpRoute<OrdersApiDeps>[] = [
  route({
    method: 'GET',
    path: '/health',
    public: true,
    handler: () => ok({ status: 'ok' }),
  }),

  route({
    method: 'GET',
    path: '/openapi.json',
    public: true,
    handler: () => ok(openApiDocument(), { 'cache-control': 'public, max-age=300' }),
  }),

  route({
    method: 'POST',
    path: '/orders',
    headers: createOrderHeaders,
    body: orderRequestSchema,
    handler: async ({ body, rawBody, headers, event, deps, logger }) => {
      await assertCallbackUrl(body.callbackUrl, deps);
      const key = headers['idempotency-key'];
      const { order, created } = await submitOrder(deps, {
        request: body,
        rawBody,
        ...(key === undefined ? {} : { idempotency: { scope: callerScope(event), key } }),
      });
      logger.appendKeys({ orderId: order.orderId });
      logger.info(created ? 'order accepted' : 'order replayed for its idempotency key', {
        requested: order.requested,
        lineCount: order.lineCount,
        dryRun: order.request.dryRun,
        executionArn: order.executionArn,
      });
      const answer = toOrderAccepted(order, basePath(event));
      return accepted(answer, { location: answer.links.self, ...(created ? {} : { 'idempotent-replayed': 'true' }) });
    },
  }),

  route({
    method: 'GET',
    path: '/orders',
    query: listOrdersQuery,
    handler: async ({ query, event, deps }) => {
      const page = await deps.store.orders.list(query);
      const prefix = basePath(event);
      const answer: OrderList = {
        orders: page.items.map((order) => toOrderSummary(order, prefix)),
        ...(page.cursor ? { nextCursor: page.cursor } : {}),
      };
      return ok(answer);
    },
  }),

  route({
    method: 'GET',
    path: '/orders/{orderId}',
    params: orderPathParams,
    handler: async ({ params, event, deps, logger }) => {
      logger.appendKeys({ orderId: params.orderId });
      const [order, lines] = await Promise.all([deps.store.orders.find(params.orderId), deps.store.lines.list(params.orderId)]);
      if (!order) throw orderNotFound(params.orderId);
      return ok(toOrderView(order, lines, basePath(event)));
    },
  }),

  route({
    method: 'GET',
    path: '/orders/{orderId}/numbers',
    params: orderPathParams,
    query: orderNumbersQuery,
    handler: async ({ params, query, deps, logger }) => {
      logger.appendKeys({ orderId: params.orderId });
      const order = await deps.store.orders.find(params.orderId);
      if (!order) throw orderNotFound(params.orderId);
      if (query.line !== undefined && query.line >= order.lineCount) {
        const message = `must be below ${order.lineCount}: the order has ${order.lineCount} ${order.lineCount === 1 ? 'line' : 'lines'}`;
        throw invalidField('line', message, { label: 'query parameter ' });
      }
      const page = await deps.store.numbers.page(params.orderId, query);
      const answer: OrderNumbersPage = {
        orderId: params.orderId,
        numbers: page.items.map(toOrderNumber),
        ...(page.cursor ? { nextCursor: page.cursor } : {}),
      };
      return json(200, answer);
    },
  }),

  route({
    method: 'GET',
    path: '/orders/{orderId}/webhooks',
    params: orderPathParams,
    handler: async ({ params, deps, logger }) => {
      logger.appendKeys({ orderId: params.orderId });
      const webhooks = webhooksOf(deps);
      const order = await deps.store.orders.find(params.orderId);
      if (!order) throw orderNotFound(params.orderId);
      const deliveries = await listDeliveries(webhooks, params.orderId);
      const answer: OrderWebhooks = { orderId: params.orderId, deliveries: deliveries.map(toWebhookDeliveryView) };
      return ok(answer);
    },
  }),

  route({
    method: 'POST',
    path: '/orders/{orderId}/webhooks/{deliveryId}/retry',
    params: deliveryPathParams,
    handler: async ({ params, deps, logger }) => {
      logger.appendKeys({ orderId: params.orderId, deliveryId: params.deliveryId });
      const order = await deps.store.orders.find(params.orderId);
      if (!order) throw orderNotFound(params.orderId);
      return accepted(await retryWebhook(deps, { orderId: params.orderId }, params.deliveryId));
    },
  }),
];

/**
 * Every route of the orders API: orders and webhooks above, operations (cancel, resolve,
 * reconciliation) from ops-routes.ts, an order's timeline, the pools, and the console's page.
 */
export const ordersApiRoutes: readonly HttpRoute<OrdersApiDeps>[] = [
  ...baseRoutes,
  ...(opsRoutes as readonly HttpRoute<OrdersApiDeps>[]),
  ...(timelineRoutes as readonly HttpRoute<OrdersApiDeps>[]),
  ...poolsRoutes,
  ...consoleRoutes,
];
