import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ordersApiRoutes } from '../../functions/orders-api/api.js';
import { plivoWebhooksApiRoutes } from '../../functions/webhooks-api/api.js';
import { openApiDocument, orderRequestExamples, ordersApiPaths } from '../../functions/orders-api/openapi.js';
import { orderRequestSchema } from '../../functions/lib/orders/model.js';
import { startApiHarness, type ApiHarness } from './support/harness.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type JsonObject = Record<string, unknown>;
const document = openApiDocument() as unknown as { paths: Record<string, Record<string, JsonObject>>; components: JsonObject; security: unknown };

function documentedOperations(): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => (METHODS as readonly string[]).includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and JSON', () => {
    expect(document).toMatchObject({ openapi: '3.1.0', info: { title: 'number-orders', version: expect.any(String) } });
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it('has every route of the router and of the Plivo callback route behind the same API, and nothing else, methods included', () => {
    const routed = [...ordersApiRoutes, ...plivoWebhooksApiRoutes].map((route) => `${route.method} ${route.path}`).sort();
    expect(documentedOperations().sort()).toEqual(routed);
  });

  it('gives every operation the answers its kind of route gives: key refusals, body refusals, 422, 429, 500', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item) as [string, { security?: unknown[]; requestBody?: unknown; responses: JsonObject }][]) {
        const keyed = operation.security === undefined || operation.security.length > 0;
        const expected = ['422', '429', '500', ...(keyed ? ['401', '403'] : []), ...(operation.requestBody ? ['400', '413', '415'] : [])];
        expect([`${method} ${path}`, expected.filter((status) => !(status in operation.responses))]).toEqual([`${method} ${path}`, []]);
      }
    }
    expect(document.paths['/webhooks/plivo']?.post).toMatchObject({ security: [], requestBody: { content: { 'application/x-www-form-urlencoded': expect.any(Object) } } });
  });

  it('passes `@redocly/cli lint` (its recommended rules) with no error and no warning', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const redocly = fileURLToPath(new URL('../../node_modules/.bin/redocly', import.meta.url));
    const run = spawnSync(redocly, ['lint', file, '--format=json'], { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
    const report = JSON.parse(run.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 30_000);

  it('declares exactly the path parameters of each route template', () => {
    for (const route of ordersApiRoutes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as { parameters?: { in: string; name: string; required?: boolean }[] };
      const inPath = (operation.parameters ?? []).filter((p) => p.in === 'path');
      const templated = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(inPath.map((p) => p.name), `${route.method} ${route.path}`).toEqual(templated);
      expect(inPath.every((p) => p.required)).toBe(true);
    }
  });

  it('marks exactly the public routes as needing no API key', () => {
    expect(document.security).toEqual([{ apiKey: [] }]);
    expect(document.components.securitySchemes).toEqual({ apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }) });
    for (const route of ordersApiRoutes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as { security?: unknown[] };
      expect(operation.security === undefined ? 'key' : operation.security.length === 0 ? 'public' : 'key', `${route.method} ${route.path}`).toBe(route.public ? 'public' : 'key');
    }
  });

  it('is generated from the very schemas the router validates with (no second copy)', () => {
    for (const route of ordersApiRoutes) {
      const operation = (ordersApiPaths as Record<string, Record<string, { requestParams?: Record<string, unknown>; requestBody?: { content: Record<string, { schema: unknown }> } }>>)[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.requestParams?.path, `${route.method} ${route.path} path`).toBe(route.params);
      expect(operation?.requestParams?.query, `${route.method} ${route.path} query`).toBe(route.query);
      expect(operation?.requestParams?.header, `${route.method} ${route.path} headers`).toBe(route.headers);
      expect(operation?.requestBody?.content['application/json']?.schema, `${route.method} ${route.path} body`).toBe(route.body);
    }
    const post = ordersApiRoutes.find((r) => r.method === 'POST' && r.path === '/orders');
    expect(post?.body).toBe(orderRequestSchema);
  });

  it('renders the request schema with its limits', () => {
    const schema = document.components.schemas as Record<string, { properties: Record<string, JsonObject>; required: string[]; additionalProperties: boolean }>;
    const request = schema.OrderRequest;
    expect(request?.required).toEqual(expect.arrayContaining(['poolUuid', 'lines']));
    expect(request?.additionalProperties).toBe(false);
    expect(request?.properties.lines).toMatchObject({ minItems: 1, maxItems: 40, items: { properties: { quantity: { type: 'integer', minimum: 1, maximum: 10000 } } } });
  });

  it('has examples that validate against their schemas', () => {
    let checked = 0;
    for (const [path, item] of Object.entries(ordersApiPaths)) {
      for (const [method, operation] of Object.entries(item as unknown as Record<string, JsonObject>)) {
        const media: { where: string; content: Record<string, { schema?: unknown; example?: unknown; examples?: Record<string, { value: unknown }> }> }[] = [];
        const body = operation.requestBody as { content: Record<string, never> } | undefined;
        if (body) media.push({ where: `${method} ${path} request`, content: body.content });
        for (const [status, response] of Object.entries(operation.responses as Record<string, { content?: Record<string, never> }>)) {
          if (response.content) media.push({ where: `${method} ${path} ${status}`, content: response.content });
        }
        for (const { where, content } of media) {
          for (const { schema, example, examples } of Object.values(content)) {
            const values = [...(example === undefined ? [] : [example]), ...Object.values(examples ?? {}).map((e) => e.value)];
            for (const value of values) {
              const result = (schema as z.ZodType).safeParse(value);
              expect(result.success, `${where}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
    for (const example of Object.values(orderRequestExamples)) expect(orderRequestSchema.safeParse(example.value).success).toBe(true);
  });

  it('has every $ref resolve', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/(\w+)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(0);
    for (const [, kind, name] of refs) expect((document.components[kind as string] as JsonObject)[name as string], `${kind}/${name}`).toBeDefined();
  });
});

describe('GET /openapi.json', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(() => api.close());

  it('serves the document without an API key', async () => {
    const answer = await api.call('GET', '/openapi.json', { apiKey: null });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
