/**
 * Errors as orders and lines record them. The error classes themselves are in the one errors
 * module (functions/lib/errors.ts).
 */
import { PlivoError } from '../errors.js';
import type { RecordedError } from '../store/items.js';

/** An error as an order or line records it, keeping Plivo's api_id and text. */
export function recordOf(error: unknown, line?: number): RecordedError {
  const base = {
    at: new Date().toISOString(),
    ...(line === undefined ? {} : { line }),
  };
  if (error instanceof PlivoError) {
    return {
      ...base,
      name: error.name,
      message: error.message,
      ...(error.plivoMessage ? { plivoMessage: error.plivoMessage } : {}),
      ...(error.apiId ? { apiId: error.apiId } : {}),
    };
  }
  if (error instanceof Error) return { ...base, name: error.name, message: error.message };
  return { ...base, name: 'Error', message: String(error) };
}

/** The `{Error, Cause}` a Step Functions Catch hands on, as a recorded error. */
export function recordOfCatch(caught: { Error?: string; Cause?: string } | undefined, line?: number): RecordedError {
  let message = caught?.Cause ?? 'unknown failure';
  try {
    const cause = JSON.parse(message) as { errorMessage?: string };
    if (cause.errorMessage) message = cause.errorMessage;
  } catch {
    // Cause was plain text.
  }
  return {
    at: new Date().toISOString(),
    ...(line === undefined ? {} : { line }),
    name: caught?.Error ?? 'Error',
    message,
  };
}
