/**
 * The orders API as a handler factory: give it a store, a Step Functions client and the state
 * machine, get the middy handler. `handler.ts` applies it to clients built from the environment;
 * tests and the local stack apply it to their own.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createHttpHandler, type HttpHandler } from '../lib/http/stack.js';
import { LIMITS } from '../lib/orders/model.js';
import { ordersApiErrorStatus } from './error-status.js';
import { ordersApiRoutes, type OrdersApiDeps } from './routes.js';

export type { OrdersApiDeps };
export { ordersApiRoutes };

export interface OrdersApiOptions extends OrdersApiDeps {
  /** @default a Powertools Logger with service name "orders-api" */
  logger?: Logger;
}

export function createOrdersApi(options: OrdersApiOptions): HttpHandler {
  const { logger = new Logger({ serviceName: 'orders-api' }), ...deps } = options;
  return createHttpHandler({
    routes: ordersApiRoutes,
    deps: {
      store: deps.store,
      sfn: deps.sfn,
      stateMachineArn: deps.stateMachineArn,
      ...(deps.webhooks ? { webhooks: deps.webhooks } : {}),
      ...(deps.allowLocalCallbacks === undefined ? {} : { allowLocalCallbacks: deps.allowLocalCallbacks }),
      ...(deps.resolveCallbackHost ? { resolveCallbackHost: deps.resolveCallbackHost } : {}),
      ...(deps.plivo ? { plivo: deps.plivo } : {}),
      ...(deps.rebalanceWindowSeconds ? { rebalanceWindowSeconds: deps.rebalanceWindowSeconds } : {}),
      ...(deps.console ? { console: deps.console } : {}),
    },
    logger,
    mapError: ordersApiErrorStatus,
    maxBodyBytes: LIMITS.maxBodyBytes,
  });
}

/** Paths that need no API key (for the local gateway, and for CDK's `apiKeyRequired: false`). */
export const ordersApiPublicPaths: readonly string[] = ordersApiRoutes.filter((r) => r.public).map((r) => r.path);

/** Every resource template of the API, for the local gateway's `resource` and `pathParameters`. */
export const ordersApiResources: readonly string[] = [...new Set(ordersApiRoutes.map((r) => r.path))];
