import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { assignLine } from '../lib/workflow/assign.js';
import { lineInput } from '../lib/workflow/inputs.js';
import { countedPass } from '../lib/workflow/passes.js';
import { withWorkSlot } from '../lib/workflow/work-slots.js';

/** Add one line's rented numbers to the pool, in batches within the time budget, holding a work slot. */
export const handler = createTaskHandler('assign-to-pool', lineInput, (deps, input, budget) =>
  countedPass(input, () => withWorkSlot(deps, input.orderId, input.line, budget, () => assignLine(deps, input.orderId, input.line, budget))),
);
