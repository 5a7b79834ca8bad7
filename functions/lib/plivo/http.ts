/**
 * The one HTTP layer to Plivo: a single ky instance with Basic auth, the shared rate limiter,
 * retries in one place, and every failure turned into a named error from the errors module.
 *
 * Credentials come from a `CredentialSource` (credentials.ts), read at the first call. A call that
 * Plivo refuses with 401/403 is sent once more if a refresh of the credentials gives new ones (a
 * token rotated while the process lived): a refused request was not carried out, so repeating it is
 * safe even for a rent.
 *
 * Retry policy (STYLE.md, "Retry in one layer"):
 * - safe calls (reads, and writes that set a value, such as unrent or an alias update) retry on
 *   408/429/5xx, network errors and timeouts, with exponential backoff and jitter, honouring
 *   `Retry-After`;
 * - unsafe calls (rent, pool add, pool remove) retry only on 429, which means Plivo did not
 *   carry them out; a timeout, a broken connection or a 5xx becomes `PlivoOutcomeUnknownError`
 *   and the caller reconciles before it tries again.
 */
import ky, { HTTPError, isHTTPError, isNetworkError, isTimeoutError, type KyInstance } from 'ky';
import type { z } from 'zod';
import {
  PlivoAuthError,
  PlivoBadRequestError,
  type PlivoCallInfo,
  type PlivoError,
  PlivoNetworkError,
  PlivoNotFoundError,
  PlivoOutcomeUnknownError,
  PlivoRateLimitedError,
  PlivoResponseShapeError,
  PlivoServerError,
  PlivoTimeoutError,
} from '../errors.js';
import { type CredentialSource, type PlivoCredentials, sameCredentials, staticCredentials } from './credentials.js';
import { plivoErrorBodySchema } from './schemas.js';
import { InMemoryRateLimiter, type RateLimiter } from './rate-limit.js';

/** Plivo's production API host. */
export const PLIVO_DEFAULT_BASE_URL = 'https://api.plivo.com';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
/** `safe`: repeating it cannot do harm. `unsafe`: not idempotent at Plivo (rent, pool add/remove). */
export type CallSafety = 'safe' | 'unsafe';
export type QueryValue = string | number | boolean | undefined;

/** One Plivo call as the typed client functions describe it. */
export interface PlivoCall<T> {
  method: HttpMethod;
  /** Route template below the account, e.g. `AvailableNumberGroup/{group_id}/`, for counting. */
  route: string;
  /** Concrete path below the account, e.g. `AvailableNumberGroup/123/`. */
  path: string;
  safety: CallSafety;
  query?: Record<string, QueryValue>;
  body?: Record<string, unknown>;
  /** Schema of the answer; `null` when the answer has no body (204). */
  schema: z.ZodType<T> | null;
  signal?: AbortSignal;
}

/** Reported for every attempt sent to Plivo (first tries and retries alike). */
export interface PlivoAttempt {
  method: HttpMethod;
  route: string;
  /** 0 for the first try, then 1, 2, … for retries. */
  retry: number;
}

/** Reported for every attempt Plivo answered (any HTTP status), before the caller sees the answer. */
export interface PlivoAnswer extends PlivoAttempt {
  status: number;
}

export interface RetryPolicy {
  /** Retries after the first try. @default 4 */
  limit?: number;
  /** Upper bound of one backoff delay, in ms. @default 5000 */
  backoffLimitMs?: number;
  /** Upper bound of a `Retry-After` wait, in ms. @default 30000 */
  maxRetryAfterMs?: number;
}

export interface PlivoHttpOptions {
  /** Credentials known up front; or give `credentials`. */
  authId?: string;
  authToken?: string;
  /** Where the credentials are read from when a call needs them (and again when Plivo refuses them). */
  credentials?: CredentialSource;
  /** Scheme and host of the API; the client adds `/v1/Account/{authId}/`. @default "https://api.plivo.com" */
  baseUrl?: string;
  /** Shared by every call; give every client of a process (or of an account) the same one. @default a new InMemoryRateLimiter (300 per 5 s) */
  limiter?: RateLimiter;
  /** Time to wait for one answer, per attempt, in ms. @default 10000 */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Called for every attempt sent: counts Plivo calls where they are made. */
  onAttempt?: (attempt: PlivoAttempt) => void;
  /**
   * Called for every attempt Plivo answered, before anything reads the answer; a throw fails the
   * call with that error, unretried (the local stack's crash injection: a call that went through
   * and an invocation that died before it learnt so).
   */
  onAnswer?: (answer: PlivoAnswer) => void;
  /** For tests. @default globalThis.fetch */
  fetch?: typeof fetch;
}

const RETRY_STATUS_SAFE = [408, 429, 500, 502, 503, 504];

interface CallContext {
  [key: string]: unknown;
  route: string;
  method: HttpMethod;
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The Plivo HTTP layer: `call` sends one described call and returns its parsed answer. */
export class PlivoHttp {
  readonly baseUrl: string;
  readonly limiter: RateLimiter;
  readonly timeoutMs: number;
  private readonly api: KyInstance;
  private readonly retry: Required<RetryPolicy>;
  private readonly credentials: CredentialSource;

  constructor(options: PlivoHttpOptions) {
    if (options.credentials) this.credentials = options.credentials;
    else if (options.authId !== undefined && options.authToken !== undefined) this.credentials = staticCredentials({ authId: options.authId, authToken: options.authToken });
    else throw new TypeError('PlivoHttp needs `credentials`, or `authId` and `authToken`');
    this.baseUrl = (options.baseUrl ?? PLIVO_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.limiter = options.limiter ?? new InMemoryRateLimiter();
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retry = {
      limit: options.retry?.limit ?? 4,
      backoffLimitMs: options.retry?.backoffLimitMs ?? 5_000,
      maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 30_000,
    };
    const onAttempt = options.onAttempt;
    const onAnswer = options.onAnswer;
    const limiter = this.limiter;
    this.api = ky.create({
      headers: { accept: 'application/json' },
      timeout: this.timeoutMs,
      throwHttpErrors: true,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      hooks: {
        // Every attempt, the first and each retry, takes a token first and is counted once sent.
        beforeRequest: [
          async ({ request, options: requestOptions }) => {
            await limiter.acquire(request.signal);
            const context = requestOptions.context as CallContext;
            onAttempt?.({ method: context.method, route: context.route, retry: 0 });
          },
        ],
        beforeRetry: [
          async ({ request, options: requestOptions, retryCount }) => {
            await limiter.acquire(request.signal);
            const context = requestOptions.context as CallContext;
            onAttempt?.({ method: context.method, route: context.route, retry: retryCount });
          },
        ],
        afterResponse: [
          ({ response, options: requestOptions, retryCount }) => {
            if (response.status === 429) limiter.penalize(retryAfterMs(response) ?? 1_000);
            const context = requestOptions.context as CallContext;
            onAnswer?.({ method: context.method, route: context.route, retry: retryCount, status: response.status });
          },
        ],
      },
    });
  }

  /**
   * The longest one call can take with the configured timeouts and retries, in ms (rate-limiter
   * waits aside). Lambda timeouts must be above it.
   */
  worstCaseMs(): number {
    let total = this.timeoutMs;
    for (let attempt = 1; attempt <= this.retry.limit; attempt++) {
      total += Math.max(this.retry.maxRetryAfterMs, this.retry.backoffLimitMs) + this.timeoutMs;
    }
    return total;
  }

  async call<T>(spec: PlivoCall<T>): Promise<T> {
    const credentials = await this.credentials.get();
    try {
      return await this.send(spec, credentials);
    } catch (error) {
      if (!(error instanceof PlivoAuthError)) throw error;
      const fresh = await this.credentials.refresh();
      if (sameCredentials(fresh, credentials)) throw error;
      return this.send(spec, fresh);
    }
  }

  private async send<T>(spec: PlivoCall<T>, credentials: PlivoCredentials): Promise<T> {
    const info: PlivoCallInfo = { method: spec.method, path: spec.path };
    const context: CallContext = { route: spec.route, method: spec.method };
    let response: Response;
    try {
      response = await this.api(spec.path, {
        method: spec.method,
        prefix: `${this.baseUrl}/v1/Account/${encodeURIComponent(credentials.authId)}/`,
        headers: { authorization: `Basic ${Buffer.from(`${credentials.authId}:${credentials.authToken}`).toString('base64')}` },
        context,
        ...(spec.query ? { searchParams: definedEntries(spec.query) } : {}),
        ...(spec.body ? { json: spec.body } : {}),
        ...(spec.signal ? { signal: spec.signal } : {}),
        retry: {
          limit: this.retry.limit,
          methods: ['get', 'post', 'delete'],
          statusCodes: spec.safety === 'safe' ? RETRY_STATUS_SAFE : [429],
          afterStatusCodes: [429, 503],
          backoffLimit: this.retry.backoffLimitMs,
          maxRetryAfter: this.retry.maxRetryAfterMs,
          jitter: true,
          retryOnTimeout: spec.safety === 'safe',
          // Unsafe calls: only a 429 proves that Plivo did nothing; never repeat anything else.
          // (`undefined` hands the 429 to ky's default path, which honours Retry-After; `true` would not.)
          ...(spec.safety === 'unsafe'
            ? { shouldRetry: ({ error }) => (isHTTPError(error) && error.response.status === 429 ? undefined : false) }
            : {}),
        },
      });
    } catch (error) {
      // The caller gave up (its own signal): that is not Plivo's failure, so say nothing of Plivo.
      if (spec.signal?.aborted) throw spec.signal.reason ?? error;
      throw toPlivoError(error, info, spec.safety);
    }
    if (spec.schema === null) return undefined as T;
    const text = await response.text();
    const apiId = apiIdOf(text);
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      throw new PlivoResponseShapeError(`Plivo answered ${spec.method} ${spec.path} with a body that is not JSON`, {
        ...info,
        status: response.status,
      });
    }
    const parsed = spec.schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PlivoResponseShapeError(
        `Plivo's answer to ${spec.method} ${spec.path} has an unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
        { ...info, status: response.status, ...(apiId ? { apiId } : {}) },
      );
    }
    return parsed.data;
  }
}

function definedEntries(query: Record<string, QueryValue>): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) if (value !== undefined) entries[key] = String(value);
  return entries;
}

function apiIdOf(text: string): string | undefined {
  const match = /"api_id"\s*:\s*"([^"]+)"/.exec(text);
  return match?.[1];
}

function errorBodyOf(data: unknown): { apiId?: string; plivoMessage?: string } {
  const value = typeof data === 'string' ? safeJson(data) : data;
  const parsed = plivoErrorBodySchema.safeParse(value);
  if (!parsed.success) return typeof data === 'string' && data.length > 0 ? { plivoMessage: data.slice(0, 500) } : {};
  const error = parsed.data.error;
  return {
    ...(parsed.data.api_id ? { apiId: parsed.data.api_id } : {}),
    ...(error === undefined ? {} : { plivoMessage: typeof error === 'string' ? error : JSON.stringify(error) }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function connectionRefused(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as { code?: unknown }).code === 'ECONNREFUSED') return true;
  }
  return false;
}

/**
 * Maps whatever ky threw to a named Plivo error. The ky error is not kept as `cause`: it holds
 * the request with its Authorization header, which must never reach a log.
 */
export function toPlivoError(error: unknown, info: PlivoCallInfo, safety: CallSafety): PlivoError {
  const where = `${info.method} ${info.path}`;
  if (error instanceof HTTPError || isHTTPError(error)) {
    const status = error.response.status;
    const details = { ...info, status, ...errorBodyOf(error.data) };
    const said = details.plivoMessage ? `: ${details.plivoMessage}` : '';
    if (status === 429) {
      const wait = retryAfterMs(error.response);
      return new PlivoRateLimitedError(`Plivo rate limit hit on ${where}${said}`, {
        ...details,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      });
    }
    if (status === 401 || status === 403) return new PlivoAuthError(`Plivo refused the credentials on ${where} (${status})${said}`, details);
    if (status === 404) return new PlivoNotFoundError(`Plivo found nothing at ${where}${said}`, details);
    if (status >= 500 || status === 408) {
      const server = new PlivoServerError(`Plivo failed with ${status} on ${where}${said}`, details);
      return safety === 'unsafe'
        ? new PlivoOutcomeUnknownError(`Plivo failed with ${status} on ${where}: it may or may not have been carried out${said}`, details, { cause: server })
        : server;
    }
    return new PlivoBadRequestError(`Plivo rejected ${where} (${status})${said}`, details);
  }
  if (isTimeoutError(error)) {
    const timeout = new PlivoTimeoutError(`Plivo did not answer ${where} in time`, info);
    return safety === 'unsafe'
      ? new PlivoOutcomeUnknownError(`Plivo did not answer ${where} in time: it may or may not have been carried out`, info, { cause: timeout })
      : timeout;
  }
  const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  const network = new PlivoNetworkError(`The connection to Plivo failed on ${where}: ${reason}`, info);
  // A refused connection sent nothing, so even an unsafe call is known not to have happened.
  if (safety === 'unsafe' && !connectionRefused(error)) {
    return new PlivoOutcomeUnknownError(`The connection to Plivo broke on ${where}: it may or may not have been carried out (${reason})`, info, { cause: network });
  }
  if (!isNetworkError(error) && !(error instanceof TypeError)) {
    // Not a network failure at all (a bug, an abort): say what it was.
    return new PlivoNetworkError(`Calling Plivo failed on ${where}: ${reason}`, info);
  }
  return network;
}
