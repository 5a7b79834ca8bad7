/**
 * One reconciler run on the container's workflow runtime: first the executions of orders recorded
 * but never started (when a state machine is known), then the regulatory work — numbers claimed
 * for waiting lines, complete lines resumed, orphans reported.
 */
import { z } from 'zod';
import type { ReconcilerConfig } from '../config.js';
import { startUnstarted } from '../orders/submit.js';
import { reconcilePending } from '../workflow/regulatory.js';
import { sfnClient } from './sfn.js';
import { workflowRuntime } from './workflow-runtime.js';

/**
 * The scheduled event (EventBridge Scheduler sends `{}`); what it names wins over the configuration
 * (the local stack's scheduler loop passes its own).
 */
export const reconcilerEvent = z
  .object({
    stateMachineArn: z.string().min(1).optional(),
    unstartedGraceSeconds: z.number().nonnegative().optional(),
    orphanScanHours: z.number().nonnegative().optional(),
  })
  .nullish()
  .transform((event) => event ?? {});
type ReconcilerEvent = z.output<typeof reconcilerEvent>;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function runReconciler(config: ReconcilerConfig, event: ReconcilerEvent) {
  const runtime = workflowRuntime();
  const deps = runtime.depsFor({ orderId: '-', step: 'reconciler' });
  const sfn = sfnClient();
  const stateMachineArn = event.stateMachineArn ?? config.stateMachineArn;
  const graceSeconds = event.unstartedGraceSeconds ?? config.unstartedGraceSeconds;
  let started: string[] = [];
  if (stateMachineArn) {
    // Never in the way of the regulatory work below: a failure here is logged and left for the next run.
    started = await startUnstarted(
      { store: deps.store, sfn, stateMachineArn },
      {
        graceMs: graceSeconds * 1000,
        onError: (orderId, error) => runtime.logger.error('could not start an order left unstarted', { orderId, error: messageOf(error) }),
      },
    ).catch((error: unknown) => {
      runtime.logger.error('the unstarted-order sweep failed', { orderId: '-', error: messageOf(error) });
      return [];
    });
    // An order that needed this is a fault worth seeing: StartExecution failed and no client retried.
    for (const orderId of started) runtime.logger.warn('started the execution of an order left unstarted', { orderId });
  }
  const orphanScanHours = event.orphanScanHours ?? config.orphanScanHours;
  const report = await reconcilePending({ ...deps, sfn }, { orphanScanIntervalMs: orphanScanHours * 3_600_000 });
  return { ...report, orphans: report.orphans.slice(0, 20), startedUnstarted: started.length };
}
