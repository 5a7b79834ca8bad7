/**
 * API keys: the check the local gateway makes (in AWS, API Gateway makes it before the Lambda),
 * and the caller identity a handler scopes its data by (idempotency keys). Keys are compared in
 * constant time and never logged or stored: where one must be remembered, a fingerprint is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ErrorBody } from './errors.js';

export const API_KEY_HEADER = 'x-api-key';

export type ApiKeyCheck = { ok: true } | { ok: false; statusCode: 401 | 403; body: ErrorBody };

/** A short, stable, one-way name for a key (what the local gateway reports as `apiKeyId`). */
export function apiKeyFingerprint(key: string): string {
  return `key-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so that lengths never leak through timing.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** 401 when no key was sent, 403 when it is not one of the accepted keys. */
export function checkApiKey(provided: string | undefined, accepted: string | readonly string[]): ApiKeyCheck {
  if (provided === undefined || provided === '') {
    return { ok: false, statusCode: 401, body: { error: `API key required: send it in the ${API_KEY_HEADER} header` } };
  }
  const keys = typeof accepted === 'string' ? [accepted] : accepted;
  // Compare against every key, without stopping early, so timing says nothing about which matched.
  let match = false;
  for (const key of keys) match = sameSecret(provided, key) || match;
  return match ? { ok: true } : { ok: false, statusCode: 403, body: { error: `API key in the ${API_KEY_HEADER} header is not valid` } };
}

function header(headers: APIGatewayProxyEvent['headers'] | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value ?? undefined;
  return undefined;
}

/**
 * Who is calling, for scoping idempotency keys: API Gateway's API key id, else a Lambda
 * authorizer's principal, else a fingerprint of the key sent, else `anonymous`.
 */
export function callerScope(event: Pick<APIGatewayProxyEvent, 'headers' | 'requestContext'>): string {
  const context = event.requestContext;
  const apiKeyId = context?.identity?.apiKeyId;
  if (apiKeyId) return apiKeyId;
  const principal: unknown = context?.authorizer?.principalId;
  if (typeof principal === 'string' && principal !== '') return `principal-${principal}`;
  const key = header(event.headers, API_KEY_HEADER) ?? context?.identity?.apiKey ?? undefined;
  return key ? apiKeyFingerprint(key) : 'anonymous';
}
