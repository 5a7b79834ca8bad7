/**
 * The scheduled Lambdas (EventBridge Scheduler; an interval in the local stack):
 *
 * - the reconciler (`functions/reconciler`): starts the executions of orders recorded but never
 *   started (`STATE_MACHINE_ARN`; the sweep drops their UNSTARTED markers), walks the account's
 *   numbers, claims those that arrived for lines waiting on address regulations, resumes or
 *   expires those lines (task tokens), and reports orphaned numbers. A Plivo step: the workflow
 *   runtime, 300 s.
 * - the webhook dispatcher (`functions/webhook-dispatcher`): one attempt of every customer webhook
 *   delivery that is due. Its runs take under a minute (it stops starting deliveries when its time
 *   runs low), so runs every minute do not pile up.
 * - pool rebalancing (`functions/rebalance`): runs every pool that has a policy, one after
 *   the other (`rebalanceAll`), each isolated. On the workflow runtime (table, Plivo secret and
 *   settings) and starts the orders it places: `STATE_MACHINE_ARN`. `REBALANCE_WINDOW_SECONDS` is
 *   the schedule's interval: runs of one window share the idempotency key of the order they
 *   place, so a retried or overlapping run does not order twice (see `rebalanceWindowSeconds`).
 *
 * The functions are deployed whatever the schedules say: with a schedule `off`, a run is an
 * `aws lambda invoke` away.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PLIVO_WORST_CALL_MS, plivoEnvironment, WORKFLOW_FUNCTION_TIMEOUT } from './functions.js';
import { connectOrderWorkflow, grantDescribeExecutions, grantTaskResponse } from './grants.js';
import { NodeFunction } from './node-function.js';
import { explain } from './nag.js';
import { rateSeconds, Schedules } from './schedules.js';
import type { Secrets } from './secrets.js';
import type { ScheduleSettings } from './settings.js';
import type { OrderStateMachine } from './state-machine.js';
import type { OrdersTable } from './table.js';

/**
 * The rebalance function's timeout: Lambda's maximum. A run goes through every pool with a policy
 * in turn, and each pool costs several Plivo calls (a listing per rule in pages of 20, a price
 * search per short rule, one call per surplus number released), each of which may take up to
 * `PLIVO_WORST_CALL_MS` (170 s) with its retries when Plivo is slow; usually they take well under a
 * second. A run cut off by the timeout is safe: the order it placed is in the pool's in-transit
 * list, a release under way is settled by the next run, and its pool's lock expires by itself.
 */
export const REBALANCE_FUNCTION_TIMEOUT = Duration.minutes(15);

/** `REBALANCE_WINDOW_SECONDS` when the schedule is not a `rate(…)` (cron, at, or off). */
export const DEFAULT_REBALANCE_WINDOW_SECONDS = 3600;

/**
 * `REBALANCE_WINDOW_SECONDS` for a schedule expression: the interval of `rate(N minutes|hours|days)`.
 * A `cron(…)` has no single interval: 3600 (the handler's own default), so runs within one clock
 * hour share their order's idempotency key — a cron more often than hourly then places at most one
 * order per pool and plan each hour.
 */
export function rebalanceWindowSeconds(expression: string | undefined): number {
  return (expression === undefined ? undefined : rateSeconds(expression)) ?? DEFAULT_REBALANCE_WINDOW_SECONDS;
}

export interface BackgroundJobsProps {
  table: OrdersTable;
  secrets: Secrets;
  /** The order state machine: rebalance runs start their orders there, the reconciler those left unstarted. */
  /** The order workflow: executions start through its alias. */
  stateMachine: OrderStateMachine;
  plivoBaseUrl: string;
  plivoRateLimit: string;
  plivoBackgroundShare: string;
  logLevel: string;
  logRetention: logs.RetentionDays;
  schedules: ScheduleSettings;
}

export class BackgroundJobs extends Construct {
  readonly reconciler: NodeFunction;
  readonly webhookDispatcher: NodeFunction;
  readonly rebalancer: NodeFunction;
  readonly schedules: Schedules;
  /**
   * Where Lambda puts a scheduled run that failed (an error or a timeout): the event and the
   * error, with the function's ARN in `requestContext`. Kept 14 days; an alarm watches its depth.
   */
  readonly failedRuns: sqs.Queue;

  constructor(scope: Construct, id: string, props: BackgroundJobsProps) {
    super(scope, id);
    this.reconciler = new NodeFunction(this, 'Reconciler', {
      entry: 'functions/reconciler/handler.ts',
      description: 'number-orders reconciler: unstarted orders started, regulatory numbers claimed, waits resumed or expired, orphans reported',
      timeout: WORKFLOW_FUNCTION_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        ...plivoEnvironment(props),
        POWERTOOLS_SERVICE_NAME: 'number-orders',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
    });
    // Recording a started execution deletes the order's UNSTARTED marker.
    props.table.connect(this.reconciler.handler, { deletes: true });
    props.secrets.connectPlivoCredentials(this.reconciler.handler);
    grantTaskResponse(this.reconciler);
    // Its sweeps start the executions of orders left unstarted (it skips them without this) and
    // recovery executions of orders whose execution died, which it finds with DescribeExecution.
    connectOrderWorkflow(this.reconciler, props.stateMachine);
    grantDescribeExecutions(this.reconciler, props.stateMachine.stateMachine);

    this.webhookDispatcher = new NodeFunction(this, 'WebhookDispatcher', {
      entry: 'functions/webhook-dispatcher/handler.ts',
      description: 'number-orders webhook dispatcher: one attempt of every customer webhook delivery that is due',
      timeout: Duration.seconds(55),
      logRetention: props.logRetention,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'number-orders-webhooks',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
    });
    props.table.connect(this.webhookDispatcher.handler);
    props.secrets.connectWebhookSecret(this.webhookDispatcher.handler);

    const rebalanceWindow = rebalanceWindowSeconds(props.schedules.rebalance);
    this.rebalancer = new NodeFunction(this, 'Rebalance', {
      entry: 'functions/rebalance/handler.ts',
      description: 'number-orders pool rebalancing: every pool with a policy counted, its deficit ordered, its surplus reported or released',
      timeout: REBALANCE_FUNCTION_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        ...plivoEnvironment(props),
        REBALANCE_WINDOW_SECONDS: String(rebalanceWindow),
        POWERTOOLS_SERVICE_NAME: 'number-orders-pools',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
    });
    if (PLIVO_WORST_CALL_MS >= REBALANCE_FUNCTION_TIMEOUT.toMilliseconds()) {
      throw new Error(`Rebalance: timeout ${REBALANCE_FUNCTION_TIMEOUT.toSeconds()} s is not above one Plivo call's worst case (${PLIVO_WORST_CALL_MS} ms)`);
    }
    // Deletes: its pool's lock, the markers of ended orders, its order's UNSTARTED marker.
    props.table.connect(this.rebalancer.handler, { deletes: true });
    connectOrderWorkflow(this.rebalancer, props.stateMachine);
    props.secrets.connectPlivoCredentials(this.rebalancer.handler);

    this.failedRuns = new sqs.Queue(this, 'FailedRuns', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    explain(this.failedRuns, 'AwsSolutions-SQS3', 'This queue is the dead-letter destination of the scheduled functions; nothing consumes it, an alarm on its depth tells an operator to look.');
    // The next scheduled run is the retry: Lambda's own two retries of a failed or timed-out
    // (asynchronous) run would repeat its work (up to 15 minutes of Plivo calls for pool
    // rebalancing) that most likely fails again. A failed run goes to the queue instead of vanishing.
    for (const fn of [this.reconciler, this.webhookDispatcher, this.rebalancer]) {
      fn.handler.configureAsyncInvoke({ retryAttempts: 0, onFailure: new destinations.SqsDestination(this.failedRuns) });
    }

    this.schedules = new Schedules(this, 'Schedules');
    if (props.schedules.reconcile) {
      this.schedules.add({
        id: 'Reconcile',
        description: 'number-orders: run the reconciler',
        expression: props.schedules.reconcile,
        target: this.reconciler.handler,
      });
    }
    if (props.schedules.webhookDispatch) {
      this.schedules.add({
        id: 'DispatchWebhooks',
        description: 'number-orders: deliver due customer webhooks',
        expression: props.schedules.webhookDispatch,
        target: this.webhookDispatcher.handler,
      });
    }
    if (props.schedules.rebalance) {
      this.schedules.add({
        id: 'Rebalance',
        description: 'number-orders: rebalance every pool with a policy',
        expression: props.schedules.rebalance,
        target: this.rebalancer.handler,
      });
      const interval = rateSeconds(props.schedules.rebalance);
      if (interval !== undefined && interval < REBALANCE_FUNCTION_TIMEOUT.toSeconds()) {
        Validations.of(this.rebalancer).addWarning(
          'number-orders:rebalanceOverlap',
          `rebalanceSchedule "${props.schedules.rebalance}" is shorter than a run may take (${REBALANCE_FUNCTION_TIMEOUT.toMinutes()} minutes): runs may overlap. Releases are safe (a pool lock), but two overlapping runs of different windows may both order a pool's deficit.`,
        );
      }
    }
  }
}
