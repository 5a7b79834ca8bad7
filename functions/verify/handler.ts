import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { lineInput } from '../lib/workflow/inputs.js';
import { verifyLine } from '../lib/workflow/verify.js';

/** Prove one line's numbers are in the pool by listing it. */
export const handler = createTaskHandler('verify', lineInput, (deps, input, budget) => verifyLine(deps, input.orderId, input.line, budget));
