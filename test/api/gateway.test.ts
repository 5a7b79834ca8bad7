import { request } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiKeyFingerprint } from '../../functions/lib/http/api-key.js';
import { startLocalApiGateway, type LocalApiGateway, type ProxyHandler } from '../../infra/local/api-gateway.js';
import { CapturingLogger } from './support/capture-logger.js';
import { API_KEY, startApiHarness, validOrder, type ApiHarness } from './support/harness.js';

describe('the orders API behind the local gateway', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(() => api.close());

  it('answers /health and /openapi.json without an API key', async () => {
    const health = await api.call('GET', '/health', { apiKey: null });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    const openapi = await api.call('GET', '/openapi.json', { apiKey: null });
    expect(openapi.status).toBe(200);
    expect(openapi.json).toMatchObject({ openapi: '3.1.0', info: { title: 'number-orders' } });
  });

  it('answers 401 without an API key and 403 with a wrong one, as JSON, before the handler', async () => {
    api.logger.clear();
    const missing = await api.call('POST', '/orders', { apiKey: null, body: validOrder() });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(missing.json).toEqual({ error: 'API key required: send it in the x-api-key header' });

    const wrong = await api.call('GET', '/orders', { apiKey: 'not-the-key' });
    expect(wrong.status).toBe(403);
    expect(wrong.json).toEqual({ error: 'API key in the x-api-key header is not valid' });

    const empty = await api.call('GET', '/orders', { apiKey: '' });
    expect(empty.status).toBe(401);
    expect(api.logger.entries).toEqual([]); // the handler never ran
    expect(await api.scan()).toEqual([]);
  });

  it('answers 404 for an unknown route and 405 (with Allow) for a wrong method', async () => {
    const unknown = await api.call('GET', '/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: 'no route for GET /nope' });

    const put = await api.call('PUT', '/orders', { body: validOrder() });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect(put.json).toEqual({ error: 'method PUT is not allowed on /orders; allowed: GET, POST' });

    const del = await api.call('DELETE', '/orders/00000000-0000-4000-8000-000000000000');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET');

    const postHealth = await api.call('POST', '/health', { apiKey: null, body: {} });
    expect(postHealth.status).toBe(405);
  });

  it('answers 4xx or 2xx, never 500, to header and query names that are Object.prototype members', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const query = await api.call('GET', `/orders?${name}=1`);
      expect([name, query.status < 500]).toEqual([name, true]);
      const header = await api.call('GET', '/orders', { headers: { [name === '__proto__' ? 'x-proto' : name]: 'x' } });
      expect([name, header.status]).toEqual([name, 200]);
      const created = await api.call('POST', `/orders?${name}=1`, { body: { ...validOrder(), dryRun: true }, headers: { [name === '__proto__' ? 'x-proto' : name]: 'x' } });
      expect([name, created.status < 500]).toEqual([name, true]);
    }
  });

  it('accepts a trailing slash', async () => {
    expect((await api.call('GET', '/health/', { apiKey: null })).status).toBe(200);
    expect((await api.call('GET', '/orders/')).status).toBe(200);
  });

  it('logs one line per request, without the API key or query string', async () => {
    api.gatewayLogger.clear();
    await api.call('GET', '/orders?limit=3&cursor=c2VjcmV0');
    await api.call('GET', '/orders', { apiKey: 'wrong-key-abc' });
    const lines = api.gatewayLogger.entries;
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ message: 'request', method: 'GET', path: '/orders', statusCode: 422, service: 'local-api-gateway' });
    expect(lines[1]).toMatchObject({ statusCode: 403 });
    const text = api.gatewayLogger.text() + api.logger.text();
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain('wrong-key-abc');
    expect(text).not.toContain('c2VjcmV0');
  });
});

describe('startLocalApiGateway', () => {
  let gateway: LocalApiGateway;
  let seen: { event: APIGatewayProxyEvent; context: Context }[] = [];
  let answer: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> = async () => ({ statusCode: 204, body: '' });
  const logger = new CapturingLogger('local-api-gateway');

  beforeAll(async () => {
    const handler: ProxyHandler = (event, context) => {
      seen.push({ event, context });
      return answer(event, context);
    };
    gateway = await startLocalApiGateway({
      port: 0,
      apiKey: ['key-one', 'key-two'],
      handler,
      resources: ['/orders', '/orders/{orderId}', '/orders/{orderId}/numbers'],
      maxBodyBytes: 1024,
      timeoutMs: 300,
      logger,
    });
  });
  afterAll(() => gateway.close());
  afterEach(() => {
    seen = [];
    answer = async () => ({ statusCode: 204, body: '' });
  });

  it('listens on a free port on loopback', () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.port).toBeGreaterThan(0);
  });

  it('turns a request into a REST proxy event', async () => {
    // node:http rather than fetch: fetch folds a repeated header into one line.
    const response = await new Promise<{ status: number; requestId: string | undefined }>((resolve, reject) => {
      const req = request(`${gateway.url}/orders/abc%20d/numbers?line=1&limit=5&limit=6&empty=`, { method: 'POST' }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, requestId: res.headers['x-amzn-requestid'] as string | undefined }));
      });
      req.on('error', reject);
      req.setHeader('X-Api-Key', 'key-two');
      req.setHeader('Content-Type', 'application/json');
      req.setHeader('X-Trace', ['a', 'b']);
      req.end('{"hello":"wörld"}');
    });
    expect(response.status).toBe(204);
    const { event, context } = seen[0] as { event: APIGatewayProxyEvent; context: Context };
    expect(event).toMatchObject({
      httpMethod: 'POST',
      path: '/orders/abc%20d/numbers',
      resource: '/orders/{orderId}/numbers',
      pathParameters: { orderId: 'abc d' },
      queryStringParameters: { line: '1', limit: '6', empty: '' },
      multiValueQueryStringParameters: { line: ['1'], limit: ['5', '6'], empty: [''] },
      body: '{"hello":"wörld"}',
      isBase64Encoded: false,
      stageVariables: null,
    });
    expect(event.headers['Content-Type']).toBe('application/json');
    expect(event.headers['X-Api-Key']).toBe('key-two');
    expect(event.multiValueHeaders['X-Trace']).toEqual(['a', 'b']);
    expect(event.requestContext).toMatchObject({
      httpMethod: 'POST',
      path: '/orders/abc%20d/numbers',
      resourcePath: '/orders/{orderId}/numbers',
      stage: 'local',
      identity: { apiKey: 'key-two', apiKeyId: apiKeyFingerprint('key-two'), sourceIp: '127.0.0.1' },
    });
    expect(event.requestContext.identity.apiKeyId).not.toContain('key-two');
    expect(response.requestId).toBe(event.requestContext.requestId);
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.functionName).toBe('orders-api');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(300);
  });

  it('passes a path that matches no resource as {proxy+}, and no body as null', async () => {
    await fetch(`${gateway.url}/other/thing`, { headers: { 'x-api-key': 'key-one' } });
    expect(seen[0]?.event).toMatchObject({ resource: '/{proxy+}', pathParameters: { proxy: 'other/thing' }, body: null, queryStringParameters: null });
  });

  it('base64-encodes a body that is not UTF-8 text', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'x-api-key': 'key-one', 'content-type': 'application/octet-stream' }, body: bytes });
    expect(seen[0]?.event).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });

  it('writes the proxy result back: status, headers, multi-value headers, base64 bodies', async () => {
    answer = async () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', 'X-One': '1' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: Buffer.from([1, 2, 3, 250]).toString('base64'),
      isBase64Encoded: true,
    });
    const response = await fetch(`${gateway.url}/orders`, { headers: { 'x-api-key': 'key-one' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-one')).toBe('1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([1, 2, 3, 250]);
  });

  it('answers 413 for a body over the limit without invoking the handler, sized or streamed', async () => {
    const sized = await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'x-api-key': 'key-one' }, body: 'x'.repeat(1025) });
    expect(sized.status).toBe(413);
    expect(await sized.json()).toEqual({ error: 'body is larger than 1024 bytes (1 KiB), the most this API accepts' });

    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(400)));
        controller.close();
      },
    });
    const streamed = await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'x-api-key': 'key-one' }, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    // Exactly at the limit is fine.
    const exact = await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'x-api-key': 'key-one' }, body: 'z'.repeat(1024) });
    expect(exact.status).toBe(204);
    expect(seen).toHaveLength(1);
  });

  it('answers 413 for a body larger than even API Gateway takes, without reading it', async () => {
    const huge = Buffer.alloc(11 * 1024 * 1024, 0x61);
    const response = await fetch(`${gateway.url}/orders`, { method: 'POST', headers: { 'x-api-key': 'key-one' }, body: huge }).catch((error: unknown) => error);
    // The gateway answers and closes; depending on timing the client sees the 413 or the closed socket.
    if (response instanceof Response) expect(response.status).toBe(413);
    expect(seen).toHaveLength(0);
  });

  it('answers 502 when the handler throws or answers something that is not a proxy result', async () => {
    answer = async () => {
      throw new Error('handler crashed');
    };
    const thrown = await fetch(`${gateway.url}/orders`, { headers: { 'x-api-key': 'key-one' } });
    expect(thrown.status).toBe(502);
    expect(await thrown.json()).toEqual({ message: 'Internal server error' });

    answer = async () => ({ body: 'no status' }) as unknown as APIGatewayProxyResult;
    expect((await fetch(`${gateway.url}/orders`, { headers: { 'x-api-key': 'key-one' } })).status).toBe(502);
  });

  it('answers 504 when the handler takes longer than the integration timeout', async () => {
    answer = () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200, body: '' }), 1_000));
    const response = await fetch(`${gateway.url}/orders`, { headers: { 'x-api-key': 'key-one' } });
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ message: 'Endpoint request timed out' });
  });

  it('accepts any of several keys, and refuses every other', async () => {
    for (const [key, status] of [
      ['key-one', 204],
      ['key-two', 204],
      ['key-three', 403],
      ['KEY-ONE', 403],
    ] as const) {
      const response = await fetch(`${gateway.url}/orders`, { headers: { 'x-api-key': key } });
      expect(response.status, key).toBe(status);
    }
  });

  it('refuses to start without a key', async () => {
    await expect(startLocalApiGateway({ port: 0, apiKey: '', handler: async () => ({ statusCode: 200, body: '' }) })).rejects.toThrow(/apiKey/);
  });

  it('fails to start on a port in use, saying so', async () => {
    await expect(startLocalApiGateway({ port: gateway.port, apiKey: 'k', handler: async () => ({ statusCode: 200, body: '' }), logger })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('functions/orders-api/handler.ts', () => {
  // A cold start each time: another file in this worker may have loaded the handler already.
  beforeEach(() => vi.resetModules());
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('fails at cold start naming the missing variable', async () => {
    vi.stubEnv('TABLE_NAME', '');
    vi.stubEnv('STATE_MACHINE_ARN', 'arn:aws:states:us-east-1:000000000000:stateMachine:x');
    await expect(import('../../functions/orders-api/handler.js')).rejects.toThrow('TABLE_NAME is not set');
    vi.resetModules();
    vi.stubEnv('TABLE_NAME', 'orders');
    vi.stubEnv('STATE_MACHINE_ARN', '');
    await expect(import('../../functions/orders-api/handler.js')).rejects.toThrow('STATE_MACHINE_ARN is not set');
  });

  it('builds the handler from the environment', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('TABLE_NAME', 'orders');
    vi.stubEnv('STATE_MACHINE_ARN', 'arn:aws:states:us-east-1:000000000000:stateMachine:x');
    vi.stubEnv('DYNAMODB_ENDPOINT', 'http://127.0.0.1:9');
    vi.stubEnv('SFN_ENDPOINT', 'http://127.0.0.1:9');
    const module = await import('../../functions/orders-api/handler.js');
    expect(typeof module.handler).toBe('function');
    // /health touches no client.
    const result = await module.handler(
      { httpMethod: 'GET', path: '/health', headers: {}, requestContext: {} } as unknown as APIGatewayProxyEvent,
      { awsRequestId: 'x', functionName: 'orders-api' } as Context,
    );
    expect(result).toMatchObject({ statusCode: 200, body: '{"status":"ok"}' });
  });
});
