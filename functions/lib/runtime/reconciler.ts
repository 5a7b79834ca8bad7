/**
 * One reconciler run on the container's workflow runtime: first the executions of orders recorded
 * but never started (when a state machine is known), then the regulatory work — numbers claimed
 * for waiting lines, complete lines resumed, orphans reported.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import type { ReconcilerConfig } from '../config.js';
import { recoverDeadExecutions, type RecoveryDeps, type RecoveryReport } from '../orders/recovery.js';
import { startUnstarted } from '../orders/submit.js';
import { METRIC, type Metrics } from '../metrics.js';
import { gaugeOldestOpenOrder } from '../orders/oldest-open.js';
import { withPlivoCallContext } from '../plivo/call-context.js';
import { reconcilePending } from '../workflow/regulatory.js';
import type { Budget } from '../workflow/deps.js';
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

/** Recovers the orders whose execution died; logs and counts each one, and the ones past their recoveries for the alarm. */
async function recover(deps: RecoveryDeps, graceSeconds: number, logger: Logger, metrics: Metrics): Promise<RecoveryReport> {
  const report = await recoverDeadExecutions(deps, {
    graceMs: graceSeconds * 1000,
    onError: (orderId, error) => logger.error('could not look at or recover an order', { orderId, error: messageOf(error) }),
  }).catch((error: unknown) => {
    logger.error('the recovery of dead executions failed', { orderId: '-', error: messageOf(error) });
    return { recovered: [], exhausted: [] };
  });
  for (const { orderId, previousStatus, executionArn } of report.recovered) {
    logger.warn('order recovered: its execution had ended', { orderId, previousStatus, executionArn });
  }
  if (report.recovered.length > 0) metrics.count(METRIC.ordersRecovered, report.recovered.length);
  // Every pass, 0 included: the alarm goes back to OK once an operator has dealt with them.
  metrics.gauge(METRIC.ordersNotRecovered, report.exhausted.length, 'Count');
  if (report.exhausted.length > 0) {
    logger.error('orders not recovered: their executions keep dying', { orderId: '-', count: report.exhausted.length, orders: report.exhausted.slice(0, 20) });
  }
  return report;
}

/**
 * One run; `budget` is the invocation's time, which the slice of the account pass keeps within.
 * Its Plivo calls (account scans nobody waits on) are background work, within its share of the rate limit.
 */
export function runReconciler(config: ReconcilerConfig, event: ReconcilerEvent, budget?: Budget) {
  return withPlivoCallContext({ key: 'reconciler', priority: 'background' }, () => reconcile(config, event, budget));
}

async function reconcile(config: ReconcilerConfig, event: ReconcilerEvent, budget?: Budget) {
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
  const report = await reconcilePending({ ...deps, sfn }, { orphanScanIntervalMs: orphanScanHours * 3_600_000, scan: budget ? { budget } : {} });
  // After the regulatory work: a waiting line of a dead execution has had its spent token dropped,
  // and the recovery execution parks it again with a fresh one.
  const recovery = stateMachineArn ? await recover({ store: deps.store, sfn, stateMachineArn }, graceSeconds, runtime.logger, runtime.metrics) : { recovered: [], exhausted: [] };
  // In the report too (GET /reconciliation, the console), not only in the logs.
  await deps.store.reconciliation
    .recordRecoveries({ startedUnstarted: started, recovered: recovery.recovered, notRecovered: recovery.exhausted })
    .catch((error: unknown) => runtime.logger.error('could not add the recoveries to the reconciliation report', { orderId: '-', error: messageOf(error) }));
  // After the recovery pass, which drops the open markers of orders that ended.
  await gaugeOldestOpenOrder(deps);
  return { ...report, orphans: report.orphans.slice(0, 20), startedUnstarted: started.length, recovered: recovery.recovered.length, notRecovered: recovery.exhausted };
}
