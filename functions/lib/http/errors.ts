/**
 * The answers of the HTTP layer itself: the body of every error answer, and the errors the stack
 * raises before a route runs (malformed, oversized or mistyped bodies, unknown routes). The class
 * they are made of, `HttpError`, is in the one errors module (functions/lib/errors.ts); turning
 * domain errors into answers is the API's (functions/orders-api/error-status.ts).
 */
import { HttpError, type FieldIssue } from '../errors.js';

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: string;
  issues?: FieldIssue[];
  /** Only on a 500: quote it when asking for help; the logs carry the same id. */
  requestId?: string;
}

export const badRequest = (message: string, issues?: FieldIssue[]): HttpError => new HttpError(400, message, { issues });
export const notFound = (message: string): HttpError => new HttpError(404, message);
export const payloadTooLarge = (maxBytes: number): HttpError =>
  new HttpError(413, `body is larger than ${maxBytes} bytes (${Math.round(maxBytes / 1024)} KiB), the most this API accepts`);
export const unsupportedMediaType = (contentType: string | undefined): HttpError =>
  new HttpError(415, `content-type must be application/json; got ${contentType ? `"${contentType}"` : 'none'}`);
export const methodNotAllowed = (method: string, path: string, allow: readonly string[]): HttpError =>
  new HttpError(405, `method ${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`, { headers: { allow: allow.join(', ') } });
/** A field the schemas could not judge alone (a line index past the order's lines, a callbackUrl's address). */
export const invalidField = (path: string, message: string, options: { label?: string; cause?: unknown } = {}): HttpError =>
  new HttpError(422, `${options.label ?? ''}${path}: ${message}`, { issues: [{ path, message }], ...('cause' in options ? { cause: options.cause } : {}) });
