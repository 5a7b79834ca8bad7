import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { lineInput } from '../lib/workflow/inputs.js';
import { linkLine } from '../lib/workflow/link.js';
import { countedPass } from '../lib/workflow/passes.js';
import { withWorkSlot } from '../lib/workflow/work-slots.js';

/** Link one line's rented numbers to its 10DLC campaign and settle the links, holding a work slot. */
export const handler = createTaskHandler('link-campaign', lineInput, (deps, input, budget) =>
  countedPass(input, () => withWorkSlot(deps, input.orderId, input.line, budget, () => linkLine(deps, input.orderId, input.line, budget))),
);
