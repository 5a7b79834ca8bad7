/** zod schemas of the state machine's task inputs (the Payload each Task passes its Lambda). */
import { z } from 'zod';
import { LIMITS } from '../orders/model.js';

const orderId = z.string().min(1).max(80);
const lineIndex = z.number().int().min(0).max(LIMITS.maxLines - 1);

export const orderInput = z.object({ orderId });
/** A line step: its line, and the passes its line's steps made so far in this execution (workflow/passes.ts). */
export const lineInput = z.object({
  orderId,
  line: lineIndex,
  passes: z.number().int().min(0).optional(),
  lineCount: z.number().int().min(1).max(LIMITS.maxLines).optional(),
});
export const releaseInput = z.object({ orderId, mode: z.enum(['all', 'unusable']).optional() });
/** What a Catch hands on: `{Error, Cause}`. */
const caught = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional();
/** The wait's task: the line and the token that resumes it. */
export const awaitInput = z.object({ orderId, line: lineIndex, token: z.string().min(1).max(2048) });
export const finalizeInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('line-expired'), orderId, line: lineIndex }),
  z.object({ action: z.literal('finalize'), orderId }),
  z.object({ action: z.literal('line-failed'), orderId, line: lineIndex, error: caught }),
  z.object({ action: z.literal('order-failed'), orderId, error: caught }),
]);
