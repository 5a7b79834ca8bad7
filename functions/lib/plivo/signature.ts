/**
 * Plivo's V3 request signatures (`X-Plivo-Signature-V3`, `X-Plivo-Signature-Ma-V3`,
 * `X-Plivo-Signature-V3-Nonce`): computing them (the sandbox signs its callbacks) and checking them
 * (our webhook endpoint trusts only signed callbacks).
 *
 * Written by hand on purpose: the only published implementation is inside the `plivo` SDK, which
 * would pull the whole SDK and lodash into every Lambda, and it compares signatures with `===`
 * (not in constant time). The algorithm below follows that implementation exactly, and
 * test/plivo/signature.test.ts checks it against the SDK's own `validateV3Signature`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedMethod = 'GET' | 'POST';
/** Form parameters of a signed request (a key may repeat). */
export type SignatureParams = Record<string, string | readonly string[]>;

export const SIGNATURE_V3_HEADER = 'x-plivo-signature-v3';
export const SIGNATURE_MA_V3_HEADER = 'x-plivo-signature-ma-v3';
export const SIGNATURE_NONCE_HEADER = 'x-plivo-signature-v3-nonce';

function toMultiMap(...sources: SignatureParams[]): Map<string, string[]> {
  const merged = new Map<string, string[]>();
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      const values = typeof value === 'string' ? [value] : [...value];
      merged.set(key, [...(merged.get(key) ?? []), ...values]);
    }
  }
  return merged;
}

function sortedEntries(params: Map<string, string[]>): [string, string[]][] {
  return [...params.keys()].sort().map((key) => [key, [...(params.get(key) ?? [])].sort()]);
}

function sortedQueryString(params: Map<string, string[]>): string {
  return sortedEntries(params)
    .flatMap(([key, values]) => values.map((value) => `${key}=${value}`))
    .join('&');
}

function sortedParamsString(params: Map<string, string[]>): string {
  return sortedEntries(params)
    .flatMap(([key, values]) => values.map((value) => `${key}${value}`))
    .join('');
}

function queryOf(url: URL): SignatureParams {
  // Null-prototype: a query name `constructor` or `__proto__` is just a name.
  const query = Object.create(null) as Record<string, string[]>;
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  return query;
}

/**
 * The string Plivo signs: the URL without its query, then the sorted query (GET: merged with
 * `params`); for POST, the sorted body parameters appended as `keyvalue` pairs.
 */
export function signatureBaseString(method: SignedMethod, url: string, params: SignatureParams = {}): string {
  const parsed = new URL(url);
  const withoutQuery = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (method === 'GET') {
    const query = sortedQueryString(toMultiMap(queryOf(parsed), params));
    return query.length > 0 ? `${withoutQuery}?${query}` : withoutQuery;
  }
  const query = sortedQueryString(toMultiMap(queryOf(parsed)));
  const body = toMultiMap(params);
  let base = withoutQuery;
  if (query.length > 0 || body.size > 0) base += `?${query}`;
  if (query.length > 0 && body.size > 0) base += '.';
  return base + sortedParamsString(body);
}

/** base64(HMAC-SHA256(authToken, baseString + "." + nonce)). */
export function computeSignatureV3(input: {
  method: SignedMethod;
  url: string;
  params?: SignatureParams;
  nonce: string;
  authToken: string;
}): string {
  const base = signatureBaseString(input.method, input.url, input.params ?? {});
  return createHmac('sha256', input.authToken).update(`${base}.${input.nonce}`).digest('base64');
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Lengths of base64 HMAC-SHA256 digests are public (44 characters); only contents are secret.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * True when any of the comma-separated signatures in `signatureHeader` is the V3 signature of
 * this request. Every candidate is compared in constant time, and all are compared.
 */
export function verifySignatureV3(input: {
  method: SignedMethod;
  url: string;
  params?: SignatureParams;
  nonce: string;
  authToken: string;
  signatureHeader: string;
}): boolean {
  if (input.nonce.length === 0 || input.authToken.length === 0) return false;
  const expected = computeSignatureV3(input);
  let matched = false;
  for (const candidate of input.signatureHeader.split(',')) {
    if (constantTimeEqual(candidate.trim(), expected)) matched = true;
  }
  return matched;
}

/** Headers of an incoming request, lower-cased names (as Node and API Gateway v2 give them). */
export type IncomingHeaders = Record<string, string | undefined>;

/**
 * Checks a Plivo callback: `X-Plivo-Signature-V3` against the account's token, or
 * `X-Plivo-Signature-Ma-V3` against the main account's token (for callbacks of a subaccount).
 * `url` is the public URL Plivo called, exactly as configured there.
 */
export function verifyPlivoCallback(input: {
  method: SignedMethod;
  url: string;
  params?: SignatureParams;
  headers: IncomingHeaders;
  authToken: string;
  mainAccountAuthToken?: string;
}): boolean {
  const header = (name: string): string | undefined => {
    for (const [key, value] of Object.entries(input.headers)) if (key.toLowerCase() === name) return value;
    return undefined;
  };
  const nonce = header(SIGNATURE_NONCE_HEADER);
  if (nonce === undefined) return false;
  const common = { method: input.method, url: input.url, nonce, ...(input.params ? { params: input.params } : {}) };
  const v3 = header(SIGNATURE_V3_HEADER);
  if (v3 !== undefined && verifySignatureV3({ ...common, authToken: input.authToken, signatureHeader: v3 })) return true;
  const maV3 = header(SIGNATURE_MA_V3_HEADER);
  const mainToken = input.mainAccountAuthToken ?? input.authToken;
  return maV3 !== undefined && verifySignatureV3({ ...common, authToken: mainToken, signatureHeader: maV3 });
}
