import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { lineInput } from '../lib/workflow/inputs.js';
import { withWaitTimeout } from '../lib/workflow/regulatory.js';
import { rentLine } from '../lib/workflow/rent.js';

/** Rent one line's planned groups (intent first; unknown outcomes reconciled). */
export const handler = createTaskHandler('rent', lineInput, async (deps, input, budget) =>
  withWaitTimeout(deps, input.orderId, await rentLine(deps, input.orderId, input.line, budget)),
);
