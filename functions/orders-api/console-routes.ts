/**
 * The operations console: `GET /console` answers its page, `GET /console/assets/{file}` its script
 * and style sheet, all without an API key (the page asks for the key and sends it on every data
 * call it makes). The assets are named after a hash of their content, so the page (never cached)
 * can let browsers keep them for a year; the Content-Security-Policy allows only this origin's
 * scripts, styles and API calls, and no inline script at all.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ZodOpenApiOperationObject } from 'zod-openapi';
import { z } from 'zod';
import { HttpError } from '../lib/errors.js';
import { basePath } from '../lib/http/responses.js';
import { routeBuilder, type HttpRoute } from '../lib/http/stack.js';
import type { ConsoleAssets } from './console-assets.js';

/** What the console routes need: the built assets (absent, the console answers 404). */
export interface ConsoleDeps {
  console?: ConsoleAssets;
}

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

export const consoleAssetParams = z.object({
  file: z
    .string()
    .regex(/^app\.[0-9a-f]{16}\.(js|css)$/, 'is not a console asset')
    .meta({ description: 'An asset named in the page (content-hashed)', example: 'app.0123456789abcdef.js' }),
});

interface Asset {
  file: string;
  contentType: string;
  body: string;
}

interface BuiltConsole {
  script: Asset;
  style: Asset;
}

const hashed = (body: string, ext: string, contentType: string): Asset => ({
  file: `app.${createHash('sha256').update(body).digest('hex').slice(0, 16)}.${ext}`,
  contentType,
  body,
});

// Hashed once per set of assets (once per Lambda instance).
const built = new WeakMap<ConsoleAssets, BuiltConsole>();
function consoleOf(deps: ConsoleDeps): BuiltConsole {
  if (!deps.console) throw new HttpError(404, 'the console is not part of this build of the API');
  let found = built.get(deps.console);
  if (!found) {
    found = { script: hashed(deps.console.script, 'js', 'text/javascript; charset=utf-8'), style: hashed(deps.console.style, 'css', 'text/css; charset=utf-8') };
    built.set(deps.console, found);
  }
  return found;
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The page: a shell that loads the script; `api-base` tells it where the API is (the stage prefix). */
export function consolePage(assets: BuiltConsole, prefix: string): string {
  const base = escapeAttribute(prefix);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="api-base" content="${base}">
<title>number-orders console</title>
<link rel="stylesheet" href="${base}/console/assets/${assets.style.file}">
<script type="module" src="${base}/console/assets/${assets.script.file}"></script>
</head>
<body>
<noscript>The number-orders console needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`;
}

const route = routeBuilder<ConsoleDeps>();

export const consoleRoutes: readonly HttpRoute<ConsoleDeps>[] = [
  route({
    method: 'GET',
    path: '/console',
    public: true,
    handler: ({ event, deps }): APIGatewayProxyResult => ({
      statusCode: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': CONSOLE_CSP, ...COMMON_HEADERS },
      body: consolePage(consoleOf(deps), basePath(event)),
    }),
  }),
  route({
    method: 'GET',
    path: '/console/assets/{file}',
    public: true,
    params: consoleAssetParams,
    handler: ({ params, deps }): APIGatewayProxyResult => {
      const assets = consoleOf(deps);
      const asset = [assets.script, assets.style].find((a) => a.file === params.file);
      if (!asset) throw new HttpError(404, `no console asset ${params.file} (the page names the current ones)`);
      return {
        statusCode: 200,
        headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=31536000, immutable', ...COMMON_HEADERS },
        body: asset.body,
      };
    },
  }),
];

const errorSchema = z.object({ error: z.string() });
const notFound = { description: 'The console is not part of this build, or no such asset', content: { 'application/json': { schema: errorSchema } } };

/** The OpenAPI paths of these routes (merged into the API's document). */
export const consoleApiPaths: Record<string, Record<string, ZodOpenApiOperationObject>> = {
  '/console': {
    get: {
      operationId: 'console',
      summary: 'The operations console (an HTML page; no API key: the page asks for one)',
      security: [],
      responses: { '200': { description: 'The page', content: { 'text/html': { schema: z.string() } } }, '404': notFound },
    },
  },
  '/console/assets/{file}': {
    get: {
      operationId: 'consoleAsset',
      summary: "The console's script or style sheet (content-hashed names, cached for a year)",
      security: [],
      requestParams: { path: consoleAssetParams },
      responses: {
        '200': { description: 'The asset', content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } } },
        '404': notFound,
      },
    },
  },
};
