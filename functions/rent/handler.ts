import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { lineInput } from '../lib/workflow/inputs.js';
import { countedPass } from '../lib/workflow/passes.js';
import { withWaitTimeout } from '../lib/workflow/regulatory.js';
import { rentLine } from '../lib/workflow/rent.js';
import { withWorkSlot } from '../lib/workflow/work-slots.js';

/** Rent one line's planned groups (intent first; unknown outcomes reconciled), holding a work slot. */
export const handler = createTaskHandler('rent', lineInput, (deps, input, budget) =>
  countedPass(input, async () => {
    const rent = await withWorkSlot(deps, input.orderId, input.line, budget, () => rentLine(deps, input.orderId, input.line, budget));
    return rent.busy ? { ...rent, next: 'assign' as const } : withWaitTimeout(deps, input.orderId, rent);
  }),
);
