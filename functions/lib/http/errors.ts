/**
 * HTTP errors: what an API answers when a request cannot be served. A status below 500 is shown
 * to the caller with its message (which says what was wrong and which field); anything else is
 * answered as a bare "internal error" and logged once.
 */
import { NumberOrdersError, type ErrorOptionsWithCause } from '../errors.js';

/** One problem with one field of the request, as the API reports it. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `lines.0.quantity`; `""` for the whole body. */
  path: string;
  message: string;
}

export interface HttpErrorOptions extends ErrorOptionsWithCause {
  /** Field-level problems; the first one is also named by the message. */
  issues?: FieldIssue[];
  /** Extra response headers (e.g. `Allow` on a 405). */
  headers?: Record<string, string>;
}

export class HttpError extends NumberOrdersError {
  override readonly name = 'HttpError' as const;
  readonly statusCode: number;
  readonly issues: FieldIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, options: HttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = statusCode;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: string;
  issues?: FieldIssue[];
  /** Only on a 500: quote it when asking for help; the logs carry the same id. */
  requestId?: string;
}

export const badRequest = (message: string, issues?: FieldIssue[]): HttpError => new HttpError(400, message, { issues });
export const notFound = (message: string): HttpError => new HttpError(404, message);
export const conflict = (message: string): HttpError => new HttpError(409, message);
export const payloadTooLarge = (maxBytes: number): HttpError =>
  new HttpError(413, `body is larger than ${maxBytes} bytes (${Math.round(maxBytes / 1024)} KiB), the most this API accepts`);
export const unsupportedMediaType = (contentType: string | undefined): HttpError =>
  new HttpError(415, `content-type must be application/json; got ${contentType ? `"${contentType}"` : 'none'}`);
export const methodNotAllowed = (method: string, path: string, allow: readonly string[]): HttpError =>
  new HttpError(405, `method ${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`, { headers: { allow: allow.join(', ') } });
