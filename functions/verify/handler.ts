import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { lineInput } from '../lib/workflow/inputs.js';
import { countedPass } from '../lib/workflow/passes.js';
import { verifyLine } from '../lib/workflow/verify.js';
import { withWorkSlot } from '../lib/workflow/work-slots.js';

/** Prove one line's numbers are in the pool (look-ups or a listing, whichever is cheaper), holding a work slot. */
export const handler = createTaskHandler('verify', lineInput, (deps, input, budget) =>
  countedPass(input, () => withWorkSlot(deps, input.orderId, input.line, budget, () => verifyLine(deps, input.orderId, input.line, budget))),
);
