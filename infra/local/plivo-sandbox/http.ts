/**
 * Reading requests and writing answers on `node:http` directly. No framework on purpose: the
 * sandbox must accept query strings that no URL parser takes as meant (the plivo SDK sends
 * `?starts_with=512&?search=hack`, `Number//?…`, and `Tollfree/{n}/&service=sms`), and fault
 * injection needs the raw socket (to drop a connection without an answer).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request parameters from the query string and the body; values as sent (JSON keeps its types). */
export type Params = Record<string, unknown>;

/** An answer other than success, carried by a throw from validation or an operation. */
export class ApiError extends Error {
  override readonly name = 'ApiError' as const;
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const notFound = (message: string): ApiError => new ApiError(404, message);

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Parses `a=1&?b=2&&c` leniently: a key loses any leading `?` (so `?b` means `b`), empty parts
 * are skipped, a key without `=` gets "", and when a key repeats the last value wins (as
 * Django's QueryDict.get, which Plivo's API answers with).
 */
export function parseQuery(query: string): Params {
  const params: Params = {};
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq === -1 ? part : part.slice(0, eq)).replace(/^\?+/, '');
    if (key === '') continue;
    params[key] = eq === -1 ? '' : decode(part.slice(eq + 1));
  }
  return params;
}

export interface RequestTarget {
  /** Path with repeated slashes collapsed, no query. */
  path: string;
  query: Params;
}

/**
 * Splits a request target into path and query. The query starts at the first `?`; a path
 * segment that starts with `&` also starts the query (the SDK's `find_tollfree(n, service)`
 * appends `&service=…` after the trailing slash).
 */
export function parseTarget(rawUrl: string): RequestTarget {
  const q = rawUrl.indexOf('?');
  let path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  let query = q === -1 ? '' : rawUrl.slice(q + 1);
  const amp = path.indexOf('/&');
  if (amp !== -1) {
    query = `${path.slice(amp + 2)}&${query}`;
    path = path.slice(0, amp + 1);
  }
  return { path: path.replace(/\/{2,}/g, '/'), query: parseQuery(query) };
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Parameters from a JSON or form-urlencoded body. Without a content type, JSON is tried first.
 * @throws ApiError 400 when the body is not what its content type says.
 */
export function parseBody(body: Buffer, contentType: string | undefined): Params {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-www-form-urlencoded') return parseQuery(text);
  if (type === 'application/json' || type === '' || type.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (type === '') return parseQuery(text);
      throw badRequest('request body is not valid JSON');
    }
    // The SDK sends a parameterless DELETE as the JSON text `""`: no parameters, not an error.
    if (parsed === '' || parsed === null) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw badRequest('request body must be a JSON object of parameters');
    }
    return { ...(parsed as Params) };
  }
  throw new ApiError(415, `unsupported content type "${type}": send JSON or form-urlencoded parameters`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(html)), ...headers });
  res.end(html);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, headers);
  res.end();
}

/** `Authorization: Basic …` → [id, token]. */
export function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback: the only callers the admin routes answer. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
