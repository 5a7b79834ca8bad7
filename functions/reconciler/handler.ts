import middy from '@middy/core';
import { startUnstarted } from '../lib/orders/submit.js';
import { sfnClient } from '../lib/runtime/sfn.js';
import { workflowRuntime } from '../lib/runtime/workflow-runtime.js';
import { reconcilePending } from '../lib/workflow/regulatory.js';

/**
 * The reconciler (EventBridge Scheduler in AWS, an interval in the local stack): first starts the
 * executions of orders recorded but never started (older than `UNSTARTED_GRACE_SECONDS`, default
 * 60; needs `STATE_MACHINE_ARN` or `{stateMachineArn}` in the event), then claims numbers that
 * arrived for waiting regulatory lines, resumes complete lines, and reports orphans.
 */
export const handler = middy<{ stateMachineArn?: string } | undefined>().handler(async (event) => {
  const runtime = workflowRuntime();
  const deps = runtime.depsFor({ orderId: '-', step: 'reconciler' });
  const sfn = sfnClient();
  const stateMachineArn = event?.stateMachineArn ?? process.env.STATE_MACHINE_ARN;
  const graceSeconds = Number(process.env.UNSTARTED_GRACE_SECONDS ?? 60);
  let started: string[] = [];
  if (stateMachineArn) {
    started = await startUnstarted({ store: deps.store, sfn, stateMachineArn }, { graceMs: (Number.isFinite(graceSeconds) ? graceSeconds : 60) * 1000 });
    // An order that needed this is a fault worth seeing: StartExecution failed and no client retried.
    for (const orderId of started) runtime.logger.warn('started the execution of an order left unstarted', { orderId });
  }
  const report = await reconcilePending({ ...deps, sfn });
  return { ...report, orphans: report.orphans.slice(0, 20), startedUnstarted: started.length };
});
