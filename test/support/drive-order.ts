/**
 * Runs an order's steps in the order the state machine does, in-process and without Step
 * Functions, so the workflow's domain can be tested with faults before the whole local stack is
 * involved. The real state machine (statemachines/order.asl.json) is exercised by the local-stack
 * suites; this driver follows its transitions: Plan → per line Rent/AssignToPool/Verify loops
 * (a failing line is recorded, as its Catch does) → Finalize ⇄ RollbackUnrent.
 */
import { assignLine } from '../../functions/lib/workflow/assign.js';
import { budgetOf, type WorkflowDeps } from '../../functions/lib/workflow/deps.js';
import { recordOf } from '../../functions/lib/workflow/errors.js';
import { finalizeOrder, recordLineFailure, recordOrderFailure } from '../../functions/lib/workflow/finalize.js';
import { planOrder } from '../../functions/lib/workflow/plan.js';
import { releaseNumbers } from '../../functions/lib/workflow/release.js';
import { rentLine } from '../../functions/lib/workflow/rent.js';
import { verifyLine } from '../../functions/lib/workflow/verify.js';

/** Step Functions would retry a step that throws a transient error; do the same, a few times. */
async function withRetries<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await run();
    } catch (error) {
      last = error;
      const name = error instanceof Error ? error.name : '';
      if (!['PlivoRateLimitedError', 'PlivoServerError', 'PlivoTimeoutError', 'PlivoNetworkError', 'SimulatedCrash'].includes(name)) throw error;
    }
  }
  throw last;
}

export async function driveOrder(deps: WorkflowDeps, orderId: string, budgetMs = 60_000): Promise<string> {
  const budget = () => budgetOf(budgetMs);
  try {
    const plan = await withRetries(() => planOrder(deps, orderId));
    if (plan.proceed) {
      await Promise.all(
        plan.lines.map(async (line) => {
          try {
            let rent;
            do rent = await withRetries(() => rentLine(deps, orderId, line, budget()));
            while (rent.more);
            if (rent.next !== 'assign') return;
            while ((await withRetries(() => assignLine(deps, orderId, line, budget()))).more);
            while ((await withRetries(() => verifyLine(deps, orderId, line, budget()))).more);
          } catch (error) {
            await recordLineFailure(deps, orderId, line, recordOf(error, line));
          }
        }),
      );
    }
  } catch (error) {
    await recordOrderFailure(deps, orderId, recordOf(error));
  }
  for (let pass = 0; pass < 10; pass++) {
    const result = await withRetries(() => finalizeOrder(deps, orderId));
    if (result.release === 'none') return result.status;
    while ((await withRetries(() => releaseNumbers(deps, orderId, result.release as 'all' | 'unusable', budget()))).more);
  }
  throw new Error(`order ${orderId} did not finish in 10 finalize passes`);
}
