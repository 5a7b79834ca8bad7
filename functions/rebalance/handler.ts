import middy from '@middy/core';
import { required } from '../lib/config.js';
import { rebalanceAll } from '../lib/pools/run.js';
import { sfnClient } from '../lib/runtime/sfn.js';
import { workflowRuntime } from '../lib/runtime/workflow-runtime.js';

/**
 * The scheduled rebalance (EventBridge Scheduler in AWS, an interval in the local stack): runs
 * every pool with a policy, each isolated (one pool's failure is reported, the others still run).
 * Needs `STATE_MACHINE_ARN` (orders go through the order workflow); `REBALANCE_WINDOW_SECONDS`
 * (the schedule's rate, for the idempotency window) defaults to 3600.
 */
export const handler = middy<{ stateMachineArn?: string; windowSeconds?: number } | undefined>().handler(async (event, context) => {
  const runtime = workflowRuntime();
  const stateMachineArn = event?.stateMachineArn ?? required(process.env, 'STATE_MACHINE_ARN');
  const windowSeconds = event?.windowSeconds ?? (Number(process.env.REBALANCE_WINDOW_SECONDS ?? 3600) || 3600);
  const results = await rebalanceAll(
    // Every line carries an order id key, as the workflow's do ('-': a run is about a pool, named by poolUuid).
    { store: runtime.store, plivo: runtime.plivo, sfn: sfnClient(), stateMachineArn, windowSeconds, logger: runtime.depsFor({ orderId: '-', step: 'rebalance' }).logger },
    { remainingMs: () => context.getRemainingTimeInMillis() },
  );
  const failed = results.filter((r) => r.error !== undefined);
  const skipped = results.filter((r) => r.skipped);
  return { pools: results.length, failed: failed.length, skipped: skipped.length, results };
});
