import middy from '@middy/core';
import { nonNegativeNumber } from '../lib/config.js';
import { startUnstarted } from '../lib/orders/submit.js';
import { sfnClient } from '../lib/runtime/sfn.js';
import { workflowRuntime } from '../lib/runtime/workflow-runtime.js';
import { reconcilePending } from '../lib/workflow/regulatory.js';

/**
 * The reconciler (EventBridge Scheduler in AWS, an interval in the local stack): first starts the
 * executions of orders recorded but never started (older than `UNSTARTED_GRACE_SECONDS`, default
 * 60; needs `STATE_MACHINE_ARN` or `{stateMachineArn}` in the event), then claims numbers that
 * arrived for waiting regulatory lines, resumes complete lines, and reports orphans. The whole
 * account is read for the orphan report every `ORPHAN_SCAN_HOURS` (default 24; `orphanScanHours`
 * in the event wins); in between only where a waiting line could find its numbers.
 */
export const handler = middy<{ stateMachineArn?: string; orphanScanHours?: number } | undefined>().handler(async (event) => {
  const runtime = workflowRuntime();
  const deps = runtime.depsFor({ orderId: '-', step: 'reconciler' });
  const sfn = sfnClient();
  const stateMachineArn = event?.stateMachineArn ?? process.env.STATE_MACHINE_ARN;
  const graceSeconds = nonNegativeNumber(process.env, 'UNSTARTED_GRACE_SECONDS', 60);
  let started: string[] = [];
  if (stateMachineArn) {
    // Never in the way of the regulatory work below: a failure here is logged and left for the next run.
    started = await startUnstarted(
      { store: deps.store, sfn, stateMachineArn },
      {
        graceMs: graceSeconds * 1000,
        onError: (orderId, error) => runtime.logger.error('could not start an order left unstarted', { orderId, error: error instanceof Error ? error.message : String(error) }),
      },
    ).catch((error: unknown) => {
      runtime.logger.error('the unstarted-order sweep failed', { orderId: '-', error: error instanceof Error ? error.message : String(error) });
      return [];
    });
    // An order that needed this is a fault worth seeing: StartExecution failed and no client retried.
    for (const orderId of started) runtime.logger.warn('started the execution of an order left unstarted', { orderId });
  }
  const orphanScanHours = event?.orphanScanHours ?? nonNegativeNumber(process.env, 'ORPHAN_SCAN_HOURS', 24);
  const report = await reconcilePending({ ...deps, sfn }, { orphanScanIntervalMs: orphanScanHours * 3_600_000 });
  return { ...report, orphans: report.orphans.slice(0, 20), startedUnstarted: started.length };
});

