/**
 * Asynchronous mode: a call made with `callback_url` answers at once with
 * `{"message":"async api spawned","api_id"}`, and Plivo later posts the real answer to the
 * callback. This module reads such a callback once its signature has been checked
 * (`verifyPlivoCallback` in signature.ts).
 */
import { z } from 'zod';
import { rentAnswerSchema } from './schemas.js';

/** Form fields of an asynchronous-mode callback: the `api_id` of the spawned call and its answer. */
export const asyncCallbackSchema = z.object({
  api_id: z.string().min(1),
  /** HTTP status the call would have answered with. */
  status_code: z.coerce.number().int().optional(),
  /** The JSON text of the call's answer. */
  response: z.string(),
});

export interface AsyncCallback {
  apiId: string;
  statusCode: number | undefined;
  /** The parsed JSON answer (unknown shape until the caller checks it for its call). */
  response: unknown;
}

/**
 * Parses the form fields of a callback. Returns `null` when they are not an asynchronous-mode
 * callback (missing `api_id` or `response`, or `response` not JSON).
 */
export function parseAsyncCallback(params: Record<string, string | undefined>): AsyncCallback | null {
  const fields = asyncCallbackSchema.safeParse(params);
  if (!fields.success) return null;
  try {
    return { apiId: fields.data.api_id, statusCode: fields.data.status_code, response: JSON.parse(fields.data.response) as unknown };
  } catch {
    return null;
  }
}

/** The answer of a rent made in asynchronous mode, checked like a synchronous one. */
export function rentAnswerOfCallback(callback: AsyncCallback) {
  return rentAnswerSchema.safeParse(callback.response);
}
