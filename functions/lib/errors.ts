/**
 * The one errors module of number-orders.
 *
 * Every error has a literal `name` assigned in the class body (not taken from the constructor's
 * name, which a minifier would mangle), because the state machine's `ErrorEquals` matches on it.
 * Messages say what failed and where; they never carry credentials.
 */

export interface ErrorOptionsWithCause {
  cause?: unknown;
}

/** Base of every error number-orders throws on purpose. */
export class NumberOrdersError extends Error {
  override readonly name: string = 'NumberOrdersError';
  constructor(message: string, options?: ErrorOptionsWithCause) {
    super(message, options);
  }
}

/** A required configuration value is missing or malformed (thrown at cold start). */
export class ConfigurationError extends NumberOrdersError {
  override readonly name = 'ConfigurationError' as const;
}

// ---- workflow steps -----------------------------------------------------------------------

/** A step got input it cannot work with (a bug or a hand-started execution). */
export class InvalidStepInputError extends NumberOrdersError {
  override readonly name = 'InvalidStepInputError' as const;
}

/**
 * Plivo does not know the number pool (its listing answered 404): an order's Plan and Assign stop
 * (nothing is rented for a pool that cannot take it), and a pool policy naming it is refused.
 */
export class PoolNotFoundError extends NumberOrdersError {
  override readonly name = 'PoolNotFoundError' as const;
}

/** Plivo does not know the line's 10DLC campaign (its Number Linking API answered 404): the line fails, and what it rented is released. */
export class CampaignNotFoundError extends NumberOrdersError {
  override readonly name = 'CampaignNotFoundError' as const;
}

/** Stored records contradict each other (a rent intent naming a group its line's plan does not hold): a bug, not a retryable fault. */
export class InconsistentRecordError extends NumberOrdersError {
  override readonly name = 'InconsistentRecordError' as const;
}

// ---- operations on running orders (the API answers 409 or 422) ---------------------------

/** Cancel asked of an order that has already ended. */
export class OrderTerminalError extends NumberOrdersError {
  override readonly name = 'OrderTerminalError' as const;
}

/** A line resolved by hand is not waiting on address regulations. */
export class LineNotWaitingError extends NumberOrdersError {
  override readonly name = 'LineNotWaitingError' as const;
}

/** Numbers given to resolve a line cannot serve it (not in the account, owned, or of another kind). */
export class NumbersNotUsableError extends NumberOrdersError {
  override readonly name = 'NumbersNotUsableError' as const;
}

// ---- customer webhooks (none of them ever carries the signing secret) ---------------------

/** No delivery with this id for this order or pool. */
export class DeliveryNotFoundError extends NumberOrdersError {
  override readonly name = 'DeliveryNotFoundError' as const;
}

/** Another attempt of this delivery is under way (its lease has not ended), or it was tried too often. */
export class DeliveryBusyError extends NumberOrdersError {
  override readonly name = 'DeliveryBusyError' as const;
}

/** The webhook secret is missing or is not a Standard Webhooks `whsec_` secret. */
export class WebhookSecretError extends NumberOrdersError {
  override readonly name = 'WebhookSecretError' as const;
}

// ---- HTTP answers -------------------------------------------------------------------------

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

/**
 * What an API answers when a request cannot be served. A status below 500 is shown to the caller
 * with its message (which says what was wrong and which field); anything else is answered as a
 * bare "internal error" and logged once.
 */
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

/** What a Plivo error knows about the call that failed. Never holds credentials. */
export interface PlivoCallInfo {
  /** HTTP method of the call. */
  method: string;
  /** Path below `/v1/Account/{auth_id}/`, e.g. `AvailableNumberGroup/123/`. */
  path: string;
  /** HTTP status, when an answer came back. */
  status?: number;
  /** Plivo's `api_id` of the answer, when it had one. */
  apiId?: string;
  /** Plivo's `error` text of the answer, when it had one. */
  plivoMessage?: string;
}

/** Base of every error from talking to Plivo. */
export class PlivoError extends NumberOrdersError {
  override readonly name: string = 'PlivoError';
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly apiId: string | undefined;
  readonly plivoMessage: string | undefined;

  constructor(message: string, info: PlivoCallInfo, options?: ErrorOptionsWithCause) {
    super(message, options);
    this.method = info.method;
    this.path = info.path;
    this.status = info.status;
    this.apiId = info.apiId;
    this.plivoMessage = info.plivoMessage;
  }

  /** A plain object for logs and API answers. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      status: this.status,
      apiId: this.apiId,
      plivoMessage: this.plivoMessage,
    };
  }
}

/** 400 (or another 4xx without a class of its own): Plivo rejected the parameters. */
export class PlivoBadRequestError extends PlivoError {
  override readonly name = 'PlivoBadRequestError' as const;
}

/** 401 or 403: wrong auth id or token, or no right to the resource. */
export class PlivoAuthError extends PlivoError {
  override readonly name = 'PlivoAuthError' as const;
}

/** 404: the number, group, pool or Powerpack does not exist (or no longer). */
export class PlivoNotFoundError extends PlivoError {
  override readonly name = 'PlivoNotFoundError' as const;
}

/** 429: over the account's rate limit. The request was not carried out. */
export class PlivoRateLimitedError extends PlivoError {
  override readonly name = 'PlivoRateLimitedError' as const;
  /** How long Plivo asked us to wait (from `Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, info: PlivoCallInfo & { retryAfterMs?: number }, options?: ErrorOptionsWithCause) {
    super(message, info, options);
    this.retryAfterMs = info.retryAfterMs;
  }
}

/** 5xx on a call that is safe to repeat (a read, or an idempotent write), after retries. */
export class PlivoServerError extends PlivoError {
  override readonly name = 'PlivoServerError' as const;
}

/** No answer within the timeout on a call that is safe to repeat, after retries. */
export class PlivoTimeoutError extends PlivoError {
  override readonly name = 'PlivoTimeoutError' as const;
}

/** The connection failed before any answer (refused, reset, DNS) on a call that is safe to repeat. */
export class PlivoNetworkError extends PlivoError {
  override readonly name = 'PlivoNetworkError' as const;
}

/** Plivo answered 2xx with a body whose shape we do not know: never guess at it. */
export class PlivoResponseShapeError extends PlivoError {
  override readonly name = 'PlivoResponseShapeError' as const;
}

/**
 * A call that is not idempotent (rent, pool add, pool remove) timed out, failed on the network
 * after sending, or got a 5xx: Plivo may or may not have carried it out. Never repeat such a call
 * blindly; reconcile first (the account's numbers, or a GET of the pool member).
 */
export class PlivoOutcomeUnknownError extends PlivoError {
  override readonly name = 'PlivoOutcomeUnknownError' as const;
}

/** Every Plivo error name, for `ErrorEquals` in the state machine and for tests. */
export const PLIVO_ERROR_NAMES = [
  'PlivoBadRequestError',
  'PlivoAuthError',
  'PlivoNotFoundError',
  'PlivoRateLimitedError',
  'PlivoServerError',
  'PlivoTimeoutError',
  'PlivoNetworkError',
  'PlivoResponseShapeError',
  'PlivoOutcomeUnknownError',
] as const;

/**
 * Errors that end a line's wait on address regulations (sent with SendTaskFailure, matched by the
 * state machine's Catch).
 */
export const WAIT_ERROR_NAMES = ['RegulatoryDeadlinePassed', 'RegulatoryRejected', 'OrderCancelled'] as const;
export type WaitErrorName = (typeof WAIT_ERROR_NAMES)[number];

/** Errors of this module the state machine catches by name: an execution for an order nobody recorded. */
export const WORKFLOW_ERROR_NAMES = ['OrderNotFoundError'] as const satisfies readonly NumberOrdersError['name'][];

/**
 * The AWS SDK's names for DynamoDB failures that pass: throttles, a single write refused while a
 * transaction held its item, and a call that timed out. The client retries them first (with a
 * retry quota that runs dry under a long storm); what still escapes fails the step, and the state
 * machine retries the step, which is idempotent, with backoff. A cancelled transaction is not
 * here: what escapes the client's conflict retry is a condition failure, which no retry changes.
 */
export const DYNAMODB_TRANSIENT_ERROR_NAMES = [
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TimeoutError',
] as const;

/** A line's steps came back more often than its share of the execution's history allows (workflow/passes.ts). */
export class LinePassLimitError extends NumberOrdersError {
  override readonly name = 'LinePassLimitError' as const;
}

// ---- store and pools ---------------------------------------------------------------------------

/** The order (or one of its lines) is not in the store. */
export class OrderNotFoundError extends NumberOrdersError {
  override readonly name = 'OrderNotFoundError' as const;
}

/** An `Idempotency-Key` came back with a different request body. */
export class IdempotencyConflictError extends NumberOrdersError {
  override readonly name = 'IdempotencyConflictError' as const;
}

/** A conditional write found the item in another state than the caller expected. */
export class StateConflictError extends NumberOrdersError {
  override readonly name = 'StateConflictError' as const;
}

/** A paging cursor that this API did not give out (malformed, or refused by DynamoDB). */
export class InvalidCursorError extends NumberOrdersError {
  override readonly name = 'InvalidCursorError' as const;
}

/** The pool has no rebalance policy. */
export class PolicyNotFoundError extends NumberOrdersError {
  override readonly name = 'PolicyNotFoundError' as const;
}

/** The pool has no rebalance run of that id. */
export class RunNotFoundError extends NumberOrdersError {
  override readonly name = 'RunNotFoundError' as const;
}

/** A policy write named a version (`If-Match`) the stored policy is no longer at. */
export class PolicyVersionError extends NumberOrdersError {
  override readonly name = 'PolicyVersionError' as const;
}
