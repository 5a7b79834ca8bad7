import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { releaseInput } from '../lib/workflow/inputs.js';
import { releaseNumbers } from '../lib/workflow/release.js';

/** Give numbers back: out of the pool and unrented (all of them, or only the unusable ones). */
export const handler = createTaskHandler('rollback-unrent', releaseInput, async (deps, input, budget) => {
  const mode = input.mode ?? (await deps.store.orders.get(input.orderId)).rollback ?? 'all';
  return releaseNumbers(deps, input.orderId, mode, budget);
});
