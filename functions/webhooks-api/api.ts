/**
 * The inbound webhooks API as a handler factory (like `createOrdersApi`): `POST /webhooks/plivo`
 * takes Plivo's asynchronous-mode callbacks. No API key — Plivo cannot send one — so the V3
 * signature is the authentication: unsigned, wrongly signed or replayed requests get 401 and
 * change nothing. `handler.ts` applies the factory to configuration; tests and the local stack
 * apply it to their own clients.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { HttpError } from '../lib/errors.js';
import { invalidField } from '../lib/http/errors.js';
import { ok } from '../lib/http/responses.js';
import { z } from 'zod';
import { createHttpHandler, type HttpHandler, type HttpRoute, routeBuilder } from '../lib/http/stack.js';
import { type PlivoInboundDeps, receivePlivoCallback, type StoredPlivoCallback } from '../lib/webhooks/plivo-inbound.js';
import { PLIVO_WEBHOOK_MAX_BODY_BYTES } from '../lib/webhooks/plivo-inbound-openapi.js';

export interface PlivoWebhooksApiDeps extends PlivoInboundDeps {
  /**
   * Called once per newly stored callback (not for repeats), e.g. to resume a waiting execution.
   * Its failure is logged and does not fail the request: the callback is stored, and
   * `findPlivoCallback` stays the way to read it.
   */
  onCallback?: (callback: StoredPlivoCallback) => Promise<void>;
}

export interface PlivoWebhooksApiOptions extends PlivoWebhooksApiDeps {
  /** @default a Powertools Logger with service name "webhooks-api" */
  logger?: Logger;
}


const route = routeBuilder<PlivoWebhooksApiDeps>();

function bodyText(event: APIGatewayProxyEvent): string {
  if (event.body === null || event.body === undefined) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function queryOf(event: APIGatewayProxyEvent): Record<string, readonly string[]> {
  const multi = event.multiValueQueryStringParameters;
  if (multi) return Object.fromEntries(Object.entries(multi).map(([key, values]) => [key, values ?? []]));
  return Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).map(([key, value]) => [key, value === undefined ? [] : [value]]));
}

export const plivoWebhooksApiRoutes: readonly HttpRoute<PlivoWebhooksApiDeps>[] = [
  route({
    method: 'POST',
    path: '/webhooks/plivo',
    public: true,
    // Any query: it is part of the callback URL Plivo signs (the handler reads it from the event).
    query: z.record(z.string(), z.string().optional()),
    handler: async ({ event, deps, logger }) => {
      const size = Buffer.byteLength(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
      if (size > PLIVO_WEBHOOK_MAX_BODY_BYTES) throw new HttpError(413, `body is larger than ${PLIVO_WEBHOOK_MAX_BODY_BYTES} bytes`);
      // Header names are lower-case here (the stack normalises them).
      const result = await receivePlivoCallback(deps, { headers: event.headers ?? {}, query: queryOf(event), body: bodyText(event) });
      switch (result.kind) {
        case 'unauthorized':
          logger.warn('plivo callback refused', { reason: result.reason });
          throw new HttpError(401, result.reason);
        case 'unsupported-media-type':
          throw new HttpError(415, `content-type must be application/x-www-form-urlencoded; got ${result.contentType ? `"${result.contentType}"` : 'none'}`);
        case 'invalid':
          throw invalidField(result.field, result.message);
        case 'link-status':
          logger.info('10DLC link status stored', { campaignId: result.link.campaignId, number: result.link.number, status: result.link.status });
          return ok({ status: 'accepted', campaignId: result.link.campaignId, number: result.link.number, linkStatus: result.link.status });
        case 'duplicate':
          logger.info('plivo callback repeated', { apiId: result.callback.apiId });
          return ok({ status: 'duplicate', apiId: result.callback.apiId });
        case 'accepted':
          logger.info('plivo callback stored', { apiId: result.callback.apiId, statusCode: result.callback.statusCode });
          if (deps.onCallback) {
            await deps.onCallback(result.callback).catch((error: unknown) =>
              logger.error('plivo callback hook failed', { apiId: result.callback.apiId, error: error instanceof Error ? error.message : String(error) }),
            );
          }
          return ok({ status: 'accepted', apiId: result.callback.apiId });
      }
    },
  }),
];

export function createPlivoWebhooksApi(options: PlivoWebhooksApiOptions): HttpHandler {
  const { logger = new Logger({ serviceName: 'webhooks-api' }), ...deps } = options;
  new URL(deps.publicUrl); // fails at construction, not at the first callback
  return createHttpHandler({ routes: plivoWebhooksApiRoutes, deps, logger, maxBodyBytes: PLIVO_WEBHOOK_MAX_BODY_BYTES });
}

/** For the local gateway (and CDK): every path is public; the signature is the authentication. */
export const plivoWebhooksApiPublicPaths: readonly string[] = plivoWebhooksApiRoutes.map((r) => r.path);
export const plivoWebhooksApiResources: readonly string[] = [...new Set(plivoWebhooksApiRoutes.map((r) => r.path))];
