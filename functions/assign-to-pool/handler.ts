import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { assignLine } from '../lib/workflow/assign.js';
import { lineInput } from '../lib/workflow/inputs.js';

/** Add one line's rented numbers to the pool, in batches within the time budget. */
export const handler = createTaskHandler('assign-to-pool', lineInput, (deps, input, budget) =>
  assignLine(deps, input.orderId, input.line, budget),
);
