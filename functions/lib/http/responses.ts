/** Proxy results for API Gateway (REST, v1): JSON bodies, no caching of API answers. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export const ok = (body: unknown, headers?: Record<string, string>): APIGatewayProxyResult => json(200, body, headers);
export const accepted = (body: unknown, headers?: Record<string, string>): APIGatewayProxyResult => json(202, body, headers);

/**
 * The path prefix the caller sees in front of the API's own paths: `/prod` on the default
 * execute-api address (the stage), a base path on a custom domain, `""` on the local gateway.
 * `requestContext.path` is the path as the client sent it; `event.path` the API's own path.
 */
export function basePath(event: Pick<APIGatewayProxyEvent, 'path' | 'requestContext'>): string {
  const full = event.requestContext?.path;
  if (!full || !event.path || !full.endsWith(event.path)) return '';
  return full.slice(0, full.length - event.path.length).replace(/\/$/, '');
}
