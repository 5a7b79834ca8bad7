/**
 * The scheduled Lambdas (EventBridge Scheduler; an interval in the local stack):
 *
 * - the reconciler (`functions/reconciler`): walks the account's numbers, claims those that arrived
 *   for lines waiting on address regulations, resumes or expires those lines (task tokens), and
 *   reports orphaned numbers. A Plivo step: the workflow runtime, 300 s.
 * - the webhook dispatcher (`functions/webhook-dispatcher`): one attempt of every customer webhook
 *   delivery that is due. Its runs take under a minute (it stops starting deliveries when its time
 *   runs low), so runs every minute do not pile up.
 *
 * Pool rebalancing (issue 8) joins here: its function, and `Schedules.add` with
 * `settings.schedules.rebalance`.
 */
import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { plivoEnvironment, WORKFLOW_FUNCTION_TIMEOUT } from './functions.js';
import { grantTaskResponse } from './grants.js';
import { NodeFunction } from './node-function.js';
import { Schedules } from './schedules.js';
import type { Secrets } from './secrets.js';
import type { ScheduleSettings } from './settings.js';
import type { OrdersTable } from './table.js';

export interface BackgroundJobsProps {
  table: OrdersTable;
  secrets: Secrets;
  plivoBaseUrl: string;
  plivoRateLimit: string;
  logLevel: string;
  logRetention: logs.RetentionDays;
  schedules: ScheduleSettings;
}

export class BackgroundJobs extends Construct {
  readonly reconciler: NodeFunction;
  readonly webhookDispatcher: NodeFunction;
  readonly schedules: Schedules;

  constructor(scope: Construct, id: string, props: BackgroundJobsProps) {
    super(scope, id);
    this.reconciler = new NodeFunction(this, 'Reconciler', {
      entry: 'functions/reconciler/handler.ts',
      description: 'number-orders reconciler: regulatory numbers claimed, waits resumed or expired, orphans reported',
      timeout: WORKFLOW_FUNCTION_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        ...plivoEnvironment(props),
        POWERTOOLS_SERVICE_NAME: 'number-orders',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
    });
    props.table.connect(this.reconciler.handler);
    props.secrets.connectPlivoCredentials(this.reconciler.handler);
    grantTaskResponse(this.reconciler);

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
  }
}
