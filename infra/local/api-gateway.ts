/**
 * A small stand-in for API Gateway (REST API, Lambda proxy integration) on `node:http`: each
 * request becomes an `APIGatewayProxyEvent` for the same handler that runs in Lambda, and the
 * proxy result becomes the answer. It checks the `x-api-key` header as API Gateway's API keys
 * would (401 without one, 403 with a wrong one; public paths need none), refuses bodies over
 * the API's limit with 413 before invoking anything, and logs one line per request.
 *
 * Like API Gateway: headers keep the case they were sent in (`headers` holds the last value,
 * `multiValueHeaders` all of them), `queryStringParameters` the last value of each name, a body
 * that is not UTF-8 text arrives base64-encoded, a handler that throws or answers garbage gives
 * 502, one that takes longer than the integration timeout gives 504.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { localLambdaContext } from './lambda-context.js';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { API_KEY_HEADER, apiKeyFingerprint, checkApiKey } from '../../functions/lib/http/api-key.js';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface LocalApiGatewayOptions {
  /** 0 picks a free port. @default 3000 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** The API key (or keys) callers must send in `x-api-key`. */
  apiKey: string | readonly string[];
  handler: ProxyHandler;
  /** Paths served without an API key (exact or templates, an optional trailing slash allowed). @default ["/health", "/openapi.json"] */
  publicPaths?: readonly string[];
  /**
   * Resource templates of the API (`/orders/{orderId}`), to fill `resource` and `pathParameters`
   * as API Gateway does for explicit resources. A path that matches none is passed as the
   * greedy proxy resource `/{proxy+}`. @default []
   */
  resources?: readonly string[];
  /** Largest body passed on; larger ones are answered 413. @default 262144 (256 KiB) */
  maxBodyBytes?: number;
  /** Integration timeout: API Gateway gives up after 29 s. @default 29000 */
  timeoutMs?: number;
  /** The stage name in `requestContext.stage`. @default "local" */
  stage?: string;
  /** Name of the function in the Lambda context. @default "orders-api" */
  functionName?: string;
  /** One line per request goes here. @default a Powertools Logger, service "local-api-gateway" */
  logger?: Pick<Logger, 'info' | 'error'>;
}

export interface LocalApiGateway {
  /** `http://host:port`, without a trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Bodies beyond API Gateway's own 10 MB limit are not even read. */
const API_GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

const DEFAULT_PUBLIC_PATHS = ['/health', '/openapi.json'];

interface ResourceMatcher {
  template: string;
  pattern: RegExp;
  names: string[];
}

function compileResource(template: string): ResourceMatcher {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        names.push(greedy[1]);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1]) {
        names.push(param[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { template, names, pattern: new RegExp(`^${source}/?$`) };
}

function matchResource(matchers: readonly ResourceMatcher[], path: string): { resource: string; pathParameters: Record<string, string> | null } {
  // Static templates win over ones with parameters, as in API Gateway.
  const ordered = [...matchers].sort((a, b) => a.names.length - b.names.length);
  for (const { template, pattern, names } of ordered) {
    const found = pattern.exec(path);
    if (!found) continue;
    if (names.length === 0) return { resource: template, pathParameters: null };
    const pathParameters: Record<string, string> = {};
    names.forEach((name, i) => (pathParameters[name] = safeDecode(found[i + 1] ?? '')));
    return { resource: template, pathParameters };
  }
  return path === '/' ? { resource: '/', pathParameters: null } : { resource: '/{proxy+}', pathParameters: { proxy: safeDecode(path.slice(1)) } };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function headersOf(req: IncomingMessage): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  // Null-prototype objects: a header named `toString` or `constructor` is just a header.
  const headers = Object.create(null) as Record<string, string>;
  const multiValueHeaders = Object.create(null) as Record<string, string[]>;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    // Same header sent twice in different case: API Gateway keeps one name; keep the first seen.
    const existing = Object.keys(multiValueHeaders).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name;
    headers[existing] = value;
    (multiValueHeaders[existing] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function queryOf(search: string): Pick<APIGatewayProxyEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'> {
  const params = new URLSearchParams(search);
  // Null-prototype objects: a query name `constructor` or `__proto__` is just a name.
  const single = Object.create(null) as Record<string, string>;
  const multi = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of params) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  const any = Object.keys(single).length > 0;
  return { queryStringParameters: any ? single : null, multiValueQueryStringParameters: any ? multi : null };
}

type BodyRead = { kind: 'ok'; body: Buffer } | { kind: 'too-large' };

/** Reads the body, or drains it (so the client can read our 413) once it passes `maxBytes`. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
    else chunks.length = 0;
  }
  return size > maxBytes ? { kind: 'too-large' } : { kind: 'ok', body: Buffer.concat(chunks) };
}

/** API Gateway passes text bodies as they are and anything else base64-encoded. */
function bodyOf(body: Buffer): Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'> {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  try {
    return { body: new TextDecoder('utf-8', { fatal: true }).decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
}

function lambdaContext(functionName: string, requestId: string, deadline: number): Context {
  return localLambdaContext({ functionName, requestId, deadline });
}

function send(res: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  return typeof value === 'object' && value !== null && Number.isInteger((value as { statusCode?: unknown }).statusCode);
}

function writeResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers = new Map<string, string | string[]>();
  for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name.toLowerCase(), String(value));
  // API Gateway merges both; for a name in both, the multi-value list is appended.
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    const key = name.toLowerCase();
    const before = headers.get(key);
    const list = values.map(String);
    headers.set(key, before === undefined ? list : [...(Array.isArray(before) ? before : [before]), ...list]);
  }
  const body = result.body === undefined || result.body === null ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  headers.set('content-length', String(body.length));
  headers.set('x-amzn-requestid', requestId);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  res.writeHead(result.statusCode, Object.fromEntries(headers));
  res.end(body);
}

function timeout(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Starts the gateway; resolves once it listens. */
export async function startLocalApiGateway(options: LocalApiGatewayOptions): Promise<LocalApiGateway> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  const timeoutMs = options.timeoutMs ?? 29_000;
  const stage = options.stage ?? 'local';
  const functionName = options.functionName ?? 'orders-api';
  // Public paths may be resource templates (`/console/assets/{file}`), as API Gateway's methods are.
  const publicPaths = (options.publicPaths ?? DEFAULT_PUBLIC_PATHS).map((path) => compileResource(path.replace(/\/$/, '') || '/').pattern);
  const resources = (options.resources ?? []).map(compileResource);
  const logger = options.logger ?? new Logger({ serviceName: 'local-api-gateway' });
  const acceptedKeys = typeof options.apiKey === 'string' ? [options.apiKey] : options.apiKey;
  if (acceptedKeys.length === 0 || acceptedKeys.some((key) => key === '')) throw new Error('startLocalApiGateway: apiKey must be a non-empty string');

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<{ status: number; path: string }> {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const path = url.pathname.replace(/\/{2,}/g, '/');
    const method = (req.method ?? 'GET').toUpperCase();
    const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
      send(res, status, body, { 'x-amzn-requestid': requestId, ...headers });
      return { status, path };
    };

    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > API_GATEWAY_MAX_BYTES) {
      // Not worth reading: answer and drop the connection.
      res.shouldKeepAlive = false;
      req.resume();
      return answer(413, { error: `body is larger than ${maxBodyBytes} bytes (${Math.round(maxBodyBytes / 1024)} KiB), the most this API accepts` }, { connection: 'close' });
    }
    const read = await readBody(req, maxBodyBytes);
    if (read.kind === 'too-large') {
      return answer(413, { error: `body is larger than ${maxBodyBytes} bytes (${Math.round(maxBodyBytes / 1024)} KiB), the most this API accepts` });
    }

    const { headers, multiValueHeaders } = headersOf(req);
    const apiKey = headerValue(headers, API_KEY_HEADER);
    const isPublic = publicPaths.some((pattern) => pattern.test(path));
    if (!isPublic) {
      const check = checkApiKey(apiKey, acceptedKeys);
      if (!check.ok) return answer(check.statusCode, check.body);
    }

    const now = new Date();
    const { resource, pathParameters } = matchResource(resources, path);
    const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    const event: APIGatewayProxyEvent = {
      resource,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      ...queryOf(url.search),
      pathParameters,
      stageVariables: null,
      ...bodyOf(read.body),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        authorizer: null,
        protocol: `HTTP/${req.httpVersion}`,
        httpMethod: method,
        path,
        stage,
        requestId,
        requestTime: now.toUTCString(),
        requestTimeEpoch: now.getTime(),
        resourceId: 'local',
        resourcePath: resource,
        identity: {
          accessKey: null,
          accountId: null,
          // As API Gateway does: the key and its id; the id is a fingerprint, never the key.
          apiKey: apiKey && !isPublic ? apiKey : null,
          apiKeyId: apiKey && !isPublic ? apiKeyFingerprint(apiKey) : null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp,
          user: null,
          userAgent: headerValue(headers, 'user-agent') ?? null,
          userArn: null,
        },
      },
    };

    const context = lambdaContext(functionName, randomUUID(), Date.now() + timeoutMs);
    const limit = timeout(timeoutMs);
    let outcome: APIGatewayProxyResult | 'timeout';
    try {
      outcome = await Promise.race([options.handler(event, context), limit.promise]);
    } catch (error) {
      logger.error('handler threw', error instanceof Error ? error : new Error(String(error)));
      return answer(502, { message: 'Internal server error' });
    } finally {
      limit.cancel();
    }
    if (outcome === 'timeout') return answer(504, { message: 'Endpoint request timed out' });
    if (!isProxyResult(outcome)) {
      logger.error('handler answered something that is not a proxy result', { requestId });
      return answer(502, { message: 'Internal server error' });
    }
    writeResult(res, outcome, requestId);
    return { status: outcome.statusCode, path };
  }

  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    serve(req, res, requestId)
      .then(({ status, path }) => {
        // Path and status only: headers carry the API key, query strings may carry cursors and tokens.
        logger.info('request', { method, path, statusCode: status, durationMs: Math.round(performance.now() - started), requestId });
      })
      .catch((error: unknown) => {
        logger.error('gateway failed', error instanceof Error ? error : new Error(String(error)));
        if (!res.headersSent) send(res, 500, { message: 'Internal server error' });
        else res.destroy();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
