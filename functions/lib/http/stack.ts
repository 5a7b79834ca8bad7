/**
 * The one middy stack for HTTP handlers (API Gateway REST proxy events), in a fixed order:
 *
 * 0. metrics: what the request counted is published when it ends (runtime/metrics.ts);
 * 1. logger context: Lambda context and request ids on every log line, one line per request,
 *    keys appended during a request (such as the order id) cleared after it;
 * 2. error handler: `HttpError`s, and the domain errors the API's `mapError` turns into one,
 *    below 500 become `{"error","issues"?}` answers; anything else is logged once and answered
 *    `{"error":"internal error","requestId"}`;
 * 3. routing: header names lower-cased, the route matched (404, or 405 with `Allow`);
 * 4. body parser: JSON bodies for routes that declare one (413, 400, 415);
 * 5. validation: path parameters (404 when they cannot name anything), query string, headers and
 *    body against the route's zod schemas (422, every issue with its field);
 *
 * and last the route's handler, which gets typed, validated input and the dependencies.
 *
 * Steps 2 to 4 are our own middlewares, not @middy/http-error-handler, http-router and
 * http-json-body-parser, because those cannot give the answers this API promises:
 * - http-error-handler answers with the error's message as the body and overwrites the content
 *   type with its own `Content-Type: application/json` (no charset); a 500's body is one fixed
 *   string, so it cannot carry the request id: shaping our bodies first would leave it nothing to do;
 * - http-router is the final handler, so it routes after every middleware has run: body parsing and
 *   validation would have to move into one middy stack per route to keep 404 ahead of 413/415/400;
 *   it knows no 405 (its not-found hook would still need our own path matching to find the `Allow`
 *   methods), and it takes path parameters undecoded, preferring the event's own;
 * - http-json-body-parser checks the content type before the size and the emptiness, answers
 *   415 for malformed JSON (we answer 400, naming the position), and does not measure the body.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { ConfigurationError, HttpError } from '../errors.js';
import { readJsonBody, DEFAULT_MAX_BODY_BYTES } from './body.js';
import { methodNotAllowed, notFound, type ErrorBody } from './errors.js';
import { fieldIssues, summarizeIssues, type IssueSource } from './issues.js';
import { json } from './responses.js';
import { Router, type RouteKey } from './router.js';
import { metricsMiddleware } from '../runtime/metrics.js';

type Schema = z.ZodType | undefined;
type Out<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

/** What a route's handler receives: validated input, the raw event, and the API's dependencies. */
export interface RouteInput<P, Q, H, B, D> {
  params: P;
  query: Q;
  headers: H;
  body: B;
  /** The body as parsed JSON, before validation (for hashing what the client sent). */
  rawBody: unknown;
  event: APIGatewayProxyEvent;
  context: Context;
  deps: D;
  logger: Logger;
}

export interface RouteDefinition<D, P extends Schema, Q extends Schema, H extends Schema, B extends Schema> extends RouteKey {
  /** No API key needed (health, the OpenAPI document). @default false */
  public?: boolean;
  /** Path parameters; a value that fails them names no resource, so the answer is 404. */
  params?: P;
  query?: Q;
  /** Request headers, by lower-case name; validate only those the route reads. */
  headers?: H;
  /** A JSON body is required when this is set, and refused (by its absence) otherwise. */
  body?: B;
  handler: (input: RouteInput<Out<P>, Out<Q>, Out<H>, Out<B>, D>) => Promise<APIGatewayProxyResult> | APIGatewayProxyResult;
}

/** A route with its types erased, as the router holds it. */
export interface HttpRoute<D> extends RouteKey {
  public?: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
  handler: (input: RouteInput<unknown, unknown, unknown, unknown, D>) => Promise<APIGatewayProxyResult> | APIGatewayProxyResult;
}

/**
 * Declares routes for an API whose handlers take dependencies `D`; each route's input types come
 * from its schemas: `const route = routeBuilder<Deps>(); route({ method, path, query, handler })`.
 */
export function routeBuilder<D>() {
  return <P extends Schema = undefined, Q extends Schema = undefined, H extends Schema = undefined, B extends Schema = undefined>(
    definition: RouteDefinition<D, P, Q, H, B>,
  ): HttpRoute<D> =>
    // The handler is only ever called with input its own schemas produced.
    definition as unknown as HttpRoute<D>;
}

/** Turns the domain's errors into HTTP ones (or leaves them: a 500). An API has exactly one. */
export type ErrorMapper = (error: unknown) => HttpError | undefined;

export interface HttpHandlerOptions<D> {
  routes: readonly HttpRoute<D>[];
  deps: D;
  logger: Logger;
  /** @default none: only `HttpError`s are answered below 500 */
  mapError?: ErrorMapper;
  /** Largest body accepted, checked before parsing. @default 262144 (256 KiB) */
  maxBodyBytes?: number;
}

export type HttpHandler = MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

interface RequestState<D> {
  route: HttpRoute<D>;
  params: Record<string, string>;
  input: { params: unknown; query: unknown; headers: unknown; body: unknown; rawBody: unknown };
}

type Middleware = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

function loggerContext(logger: Logger): Middleware {
  const powertools = injectLambdaContext(logger, { resetKeys: true }) as Middleware;
  const started = new WeakMap<object, number>();
  const done = (request: middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>) => {
    const start = started.get(request.event);
    // Path and status only: headers carry the API key, query strings may carry cursors and tokens.
    logger.info('request', {
      method: request.event.httpMethod,
      path: request.event.path,
      statusCode: request.response?.statusCode,
      durationMs: start === undefined ? undefined : Math.round(performance.now() - start),
    });
  };
  return {
    before: async (request) => {
      started.set(request.event, performance.now());
      await powertools.before?.(request);
      const apiRequestId = request.event.requestContext?.requestId;
      if (apiRequestId) logger.appendKeys({ apiRequestId });
    },
    after: async (request) => {
      done(request);
      await powertools.after?.(request);
    },
    onError: async (request) => {
      done(request);
      await powertools.onError?.(request);
    },
  };
}

function errorResponses(logger: Logger, mapError: ErrorMapper | undefined): Middleware {
  return {
    onError: (request) => {
      if (request.response !== undefined && request.response !== null) return;
      const error: unknown = request.error;
      const http = error instanceof HttpError ? error : mapError?.(error);
      if (http && http.statusCode < 500) {
        const body: ErrorBody = { error: http.message, ...(http.issues ? { issues: http.issues } : {}) };
        request.response = json(http.statusCode, body, http.headers);
        return;
      }
      // Logged here and nowhere else; the answer says nothing about what went wrong inside.
      if (error instanceof Error) logger.error('request failed', error);
      else logger.error('request failed', { thrown: String(error) });
      const requestId = request.context?.awsRequestId;
      request.response = json(500, { error: 'internal error', ...(requestId ? { requestId } : {}) } satisfies ErrorBody);
    },
  };
}

const NO_QUERY = z.object({}).strict();

function validate(schema: z.ZodType | undefined, value: unknown, source: IssueSource): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error, value, source);
  const message = summarizeIssues(issues, source);
  // A path that fails its schema names no resource at all.
  if (source === 'path') throw notFound(message);
  throw new HttpError(422, message, { issues });
}

/** Builds the handler of an HTTP API from its routes; see the module comment for the order. */
export function createHttpHandler<D>(options: HttpHandlerOptions<D>): HttpHandler {
  const router = new Router(options.routes);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const state = new WeakMap<APIGatewayProxyEvent, RequestState<D>>();
  const stateOf = (event: APIGatewayProxyEvent): RequestState<D> => {
    const found = state.get(event);
    if (!found) throw new ConfigurationError('request state missing: the HTTP stack was assembled without its routing middleware');
    return found;
  };

  const routing: Middleware = {
    before: (request) => {
      const { event } = request;
      const match = router.match(event.httpMethod, event.path);
      if (match.kind === 'not-found') throw notFound(`no route for ${event.httpMethod} ${event.path}`);
      if (match.kind === 'method-not-allowed') throw methodNotAllowed(event.httpMethod, event.path, match.allow);
      state.set(event, {
        route: match.route,
        params: match.params,
        input: { params: undefined, query: undefined, headers: undefined, body: undefined, rawBody: undefined },
      });
    },
  };

  const bodyParser: Middleware = {
    before: (request) => {
      const current = stateOf(request.event);
      if (current.route.body) current.input.rawBody = readJsonBody(request.event, maxBodyBytes);
    },
  };

  const validation: Middleware = {
    before: (request) => {
      const { event } = request;
      const current = stateOf(event);
      const { route } = current;
      current.input.params = validate(route.params, current.params, 'path');
      // A route that declares no query parameters takes none: `?limit=abc` there is refused, not ignored.
      current.input.query = validate(route.query ?? NO_QUERY, event.queryStringParameters ?? {}, 'query');
      current.input.headers = validate(route.headers, event.headers ?? {}, 'header');
      current.input.body = validate(route.body, current.input.rawBody, 'body');
    },
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    // First: its `after` runs last, once the answer (an error's included) is shaped.
    .use(metricsMiddleware())
    .use(loggerContext(options.logger))
    .use(errorResponses(options.logger, options.mapError))
    .use(httpHeaderNormalizer() as Middleware)
    .use(routing)
    .use(bodyParser)
    .use(validation)
    .handler(async (event, context) => {
      const { route, input } = stateOf(event);
      return route.handler({ ...input, event, context, deps: options.deps, logger: options.logger });
    });
}

