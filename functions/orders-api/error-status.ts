/**
 * Domain errors as HTTP answers: the one place that decides which refusal of the domain is which
 * status (the HTTP stack applies it to every route of the orders API). Routes throw the domain's
 * errors as they come; what is not listed here (and is not already an `HttpError`) is our fault,
 * a 500. It lives with the API, not in functions/lib/http/, so that the stack stays free of the
 * domain and a handler that maps nothing (the Plivo webhooks) bundles none of it.
 */
import {
  DeliveryBusyError,
  DeliveryNotFoundError,
  HttpError,
  IdempotencyConflictError,
  InvalidCursorError,
  LineNotWaitingError,
  NumbersNotUsableError,
  OrderNotFoundError,
  OrderTerminalError,
  PolicyNotFoundError,
  PolicyVersionError,
  PoolNotFoundError,
  RunNotFoundError,
} from '../lib/errors.js';
import { invalidField } from '../lib/http/errors.js';

/** The caller sent a cursor that does not belong to the list it asked for (or none we gave out). */
const FOREIGN_CURSOR = 'is not a cursor this API gave out for this list';

/** The answer for an error a route let through, or undefined for a 500. */
export function ordersApiErrorStatus(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  const cause = { cause: error };
  if (error instanceof OrderNotFoundError || error instanceof DeliveryNotFoundError) return new HttpError(404, error.message, cause);
  if (error instanceof PolicyNotFoundError || error instanceof RunNotFoundError) return new HttpError(404, error.message, cause);
  // Plivo does not know the pool (listing it answered 404): the caller's uuid is at fault.
  if (error instanceof PoolNotFoundError) return new HttpError(404, `poolUuid: ${error.message}`, cause);
  if (error instanceof IdempotencyConflictError || error instanceof DeliveryBusyError) return new HttpError(409, error.message, cause);
  if (error instanceof OrderTerminalError || error instanceof LineNotWaitingError) return new HttpError(409, error.message, cause);
  if (error instanceof PolicyVersionError) return new HttpError(412, `If-Match: ${error.message}`, cause);
  if (error instanceof NumbersNotUsableError) return invalidField('numbers', error.message, cause);
  // The paging helper turns every cursor it did not give out (DynamoDB's ValidationException for a
  // start key from another list included) into InvalidCursorError.
  if (error instanceof InvalidCursorError) {
    return invalidField('cursor', FOREIGN_CURSOR, { label: 'query parameter ', ...cause });
  }
  return undefined;
}
