import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { recordOfCatch } from '../lib/workflow/errors.js';
import { finalizeOrder, recordLineFailure, recordOrderFailure } from '../lib/workflow/finalize.js';
import { finalizeInput } from '../lib/workflow/inputs.js';
import { expireLine } from '../lib/workflow/regulatory.js';

/** Decide how the order ends (asking for releases first when needed), or record a caught failure. */
export const handler = createTaskHandler('finalize', finalizeInput, async (deps, input) => {
  if (input.action === 'line-failed') {
    await recordLineFailure(deps, input.orderId, input.line, recordOfCatch(input.error, input.line));
    return { recorded: true };
  }
  if (input.action === 'line-expired') {
    await expireLine(deps, input, input.line);
    return { recorded: true };
  }
  if (input.action === 'order-failed') {
    await recordOrderFailure(deps, input.orderId, recordOfCatch(input.error));
    return { recorded: true };
  }
  return finalizeOrder(deps, input.orderId);
});
