/**
 * A Lambda's input, checked with zod before any work starts: a task's Payload, a scheduled
 * event. What does not fit fails with an `InvalidStepInputError` naming the step and the first
 * field at fault (the state machine's Catch matches the name).
 */
import type { z } from 'zod';
import { InvalidStepInputError } from '../errors.js';

export function parseStepInput<S extends z.ZodType>(step: string, schema: S, event: unknown): z.output<S> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidStepInputError(`${step}: input ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`);
}
