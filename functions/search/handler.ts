import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { orderInput } from '../lib/workflow/inputs.js';
import { planOrder } from '../lib/workflow/plan.js';

/** Plan: search Plivo's number groups for every line and record the plan, line by line within the time budget. */
export const handler = createTaskHandler('search', orderInput, (deps, input, budget) => planOrder(deps, input.orderId, budget));
