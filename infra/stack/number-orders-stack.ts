/**
 * number-orders in one stack: the table, the secrets, the workflow Lambdas and the order state
 * machine, the HTTP API (orders, pools, Plivo callbacks), the scheduled jobs (reconciler, webhook
 * dispatcher, pool rebalancing), alarms. Every piece is its own construct in this folder; this file
 * only wires them, so the grants read in one place: each function gets the table and its secrets
 * through the construct that owns them; the state machine may invoke exactly its functions; only
 * the functions that place orders (the API, pool rebalancing) or start those left unstarted (the
 * reconciler) may start executions.
 */
import { App, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import {
  NOTIFY_LOG_MESSAGE,
  ORDERS_NOT_RECOVERED_LOG_MESSAGE,
  ORPHANED_NUMBERS_LOG_MESSAGE,
  PROVABLE_ORPHANS_LOG_MESSAGE,
  REBALANCE_FAILED_LOG_MESSAGE,
  WEBHOOK_DISPATCH_LOG_MESSAGE,
} from '../../functions/lib/log-messages.js';
import { OrdersApi } from './api.js';
import { chunks, leakedNumbersMetric, logCountMetric, logValueMetric, MAX_METRICS_PER_ALARM, OperationsAlarms, sumOf } from './alarms.js';
import { BackgroundJobs, rebalanceWindowSeconds } from './background.js';
import { WorkflowFunctions } from './functions.js';
import { checkWithCdkNag } from './nag.js';
import { Secrets } from './secrets.js';
import { PRODUCTION_STAGE, readSettings, type NumberOrdersSettings } from './settings.js';
import { OrderStateMachine } from './state-machine.js';
import { OrdersTable } from './table.js';

export interface NumberOrdersStackProps extends StackProps {
  settings: NumberOrdersSettings;
}

export class NumberOrdersStack extends Stack {
  readonly table: OrdersTable;
  readonly secrets: Secrets;
  readonly workflow: WorkflowFunctions;
  readonly orderStateMachine: OrderStateMachine;
  readonly api: OrdersApi;
  readonly background: BackgroundJobs;
  readonly alarms: OperationsAlarms;

  constructor(scope: Construct, id: string, props: NumberOrdersStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const plivo = { plivoBaseUrl: settings.plivoBaseUrl, plivoRateLimit: settings.plivoRateLimit, plivoBackgroundShare: settings.plivoBackgroundShare };
    const common = { logLevel: settings.logLevel, logRetention: settings.logRetention };

    this.table = new OrdersTable(this, 'Orders', { deletionProtection: settings.tableDeletionProtection });
    this.secrets = new Secrets(this, 'Secrets', {
      ...(settings.plivoCredentialsSecretArn ? { existingPlivoCredentialsArn: settings.plivoCredentialsSecretArn } : {}),
      ...(settings.webhookSecretArn ? { existingWebhookSecretArn: settings.webhookSecretArn } : {}),
    });

    this.workflow = new WorkflowFunctions(this, 'Workflow', {
      table: this.table,
      secrets: this.secrets,
      ...plivo,
      ...common,
      reservedConcurrency: settings.workerReservedConcurrency,
      workSlots: settings.workSlots,
    });

    this.orderStateMachine = new OrderStateMachine(this, 'OrderWorkflow', {
      functions: Object.fromEntries(Object.entries(this.workflow.bySubstitution).map(([key, fn]) => [key, fn.handler])),
      functionTimeouts: this.workflow.timeouts,
      logRetention: settings.logRetention,
    });

    this.api = new OrdersApi(this, 'OrdersApi', {
      table: this.table,
      secrets: this.secrets,
      stateMachine: this.orderStateMachine,
      stage: settings.stage,
      rebalanceWindowSeconds: rebalanceWindowSeconds(settings.schedules.rebalance),
      ...plivo,
      ...common,
    });

    // The reconciler, the webhook dispatcher and pool rebalancing, on settings.schedules.
    this.background = new BackgroundJobs(this, 'Background', {
      table: this.table,
      secrets: this.secrets,
      stateMachine: this.orderStateMachine,
      schedules: settings.schedules,
      ...plivo,
      ...common,
    });

    this.alarms = new OperationsAlarms(this, 'Alarms', {
      namePrefix: this.stackName,
      ...(settings.alarmEmail ? { email: settings.alarmEmail } : {}),
    });
    this.addAlarms(`NumberOrders/${settings.stage}`);

    this.api.addOutputs(this);
    new CfnOutput(this, 'StateMachineArn', { value: this.orderStateMachine.stateMachine.stateMachineArn });
    new CfnOutput(this, 'StateMachineAliasArn', { value: this.orderStateMachine.alias.attrArn, description: 'What the API and the schedules start executions with (the version this deploy published)' });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'PlivoCredentialsSecretArn', {
      value: this.secrets.plivoCredentials.secretArn,
      description: 'Put {"authId","authToken"} in it: aws secretsmanager put-secret-value --secret-id <arn> --secret-string …',
    });
    new CfnOutput(this, 'WebhookSecretArn', { value: this.secrets.webhookSecret.secretArn, description: 'The customer webhook signing secret: {"key"} means whsec_<key>' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }

  private addAlarms(namespace: string): void {
    const stateMachine = this.orderStateMachine.stateMachine;
    const period = Duration.minutes(5);
    const { reconciler, webhookDispatcher, rebalancer } = this.background;
    const everyFunction = [...this.workflow.all, reconciler, webhookDispatcher, rebalancer, this.api.handler, this.api.plivoWebhooksHandler];
    const webhookLogs = [this.workflow.bySubstitution.NotifyFunctionArn.logGroup, webhookDispatcher.logGroup];

    this.alarms.addAlarm({
      id: 'ExecutionsFailed',
      description: 'An order execution failed or timed out: the order ended without the workflow finishing it (see the order and the execution history).',
      metric: sumOf('failed + timed out executions', [stateMachine.metricFailed({ period }), stateMachine.metricTimedOut({ period })], period),
    });
    this.alarms.addAlarm({
      id: 'LeakedNumbers',
      description: 'A rented number could not be released after retries and is LEAKED: it is billed until someone unrents it (GET /orders/{id}/numbers lists it).',
      metric: leakedNumbersMetric(this, namespace, this.workflow.plivoSteps.map((fn) => fn.logGroup)),
    });
    // The reconciler's alarms: each the maximum of a count its log line carries.
    const reconcilerAlarm = (id: string, description: string, metricId: string, message: string, valueField: string, alarmPeriod: Duration) =>
      this.alarms.addAlarm({
        id,
        description,
        metric: logValueMetric(this, metricId, {
          namespace,
          metricName: id,
          logGroups: [reconciler.logGroup],
          message,
          valueField,
          statistic: cloudwatch.Stats.MAXIMUM,
          period: alarmPeriod,
        }),
      });
    reconcilerAlarm(
      'OrphanedNumbers',
      'The reconciler found numbers in the Plivo account that no order owns and no line waits for: money spent for nothing (GET /reconciliation lists them).',
      'Orphans',
      ORPHANED_NUMBERS_LOG_MESSAGE,
      'orphanCount',
      Duration.hours(1),
    );
    reconcilerAlarm(
      'ProvableOrphans',
      'Numbers our records prove we rented (a rent whose outcome is still open, a delivery waiting for its line to end) were still owned by nobody one reconciler pass later: their settling is stuck and they are billed (GET /reconciliation lists them).',
      'ProvableOrphanSurvivors',
      PROVABLE_ORPHANS_LOG_MESSAGE,
      'survivors',
      period,
    );
    reconcilerAlarm(
      'OrdersNotRecovered',
      'Orders that have not ended and whose execution keeps dying: the reconciler started recovery executions for them until its limit, and they died too. Their numbers are neither verified nor released until an operator looks (the reconciler log lists the orders; the execution history says why).',
      'NotRecovered',
      ORDERS_NOT_RECOVERED_LOG_MESSAGE,
      'count',
      period,
    );
    const webhookFailures = logValueMetric(this, 'WebhookFailures', {
      namespace,
      metricName: 'WebhookDeliveryFailures',
      logGroups: webhookLogs,
      message: [NOTIFY_LOG_MESSAGE, WEBHOOK_DISPATCH_LOG_MESSAGE],
      valueField: 'failed',
      statistic: cloudwatch.Stats.SUM,
      period,
    });
    this.alarms.addAlarm({
      id: 'WebhookDeliveriesFailing',
      description: 'Customer webhook deliveries kept failing for 15 minutes (receivers down or refusing); they are retried on schedule.',
      metric: webhookFailures,
      evaluationPeriods: 3,
    });
    this.alarms.addAlarm({
      id: 'WebhookDeliveriesAbandoned',
      description: 'A customer webhook delivery failed its last scheduled attempt (or got 410) and will not be retried: the customer missed an event (GET /orders/{id}/webhooks, then retry).',
      metric: logValueMetric(this, 'WebhookGaveUp', {
        namespace,
        metricName: 'WebhookDeliveriesAbandoned',
        logGroups: webhookLogs,
        message: [NOTIFY_LOG_MESSAGE, WEBHOOK_DISPATCH_LOG_MESSAGE],
        valueField: 'gaveUp',
        statistic: cloudwatch.Stats.SUM,
        period,
      }),
    });
    this.alarms.addAlarm({
      id: 'RebalanceFailed',
      description:
        `Pool rebalancing failed: a pool's scheduled run failed (the rebalance log has "${REBALANCE_FAILED_LOG_MESSAGE}" with its poolUuid and error; the other pools ran), or the whole run failed or timed out (the function's Errors). A pool short of numbers stays short until a run succeeds.`,
      metric: sumOf(
        'failed pools + failed runs',
        [
          logCountMetric(this, 'RebalanceFailedPools', {
            namespace,
            metricName: 'RebalanceFailedPools',
            logGroups: [rebalancer.logGroup],
            level: 'ERROR',
            message: REBALANCE_FAILED_LOG_MESSAGE,
            period,
          }),
          rebalancer.handler.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        ],
        period,
      ),
    });
    // An alarm combines at most 10 metrics: one alarm per 10 functions.
    chunks(everyFunction, MAX_METRICS_PER_ALARM).forEach((group, index) => {
      this.alarms.addAlarm({
        id: index === 0 ? 'Throttles' : `Throttles${index + 1}`,
        description: `A Lambda was throttled (${group.map((fn) => fn.node.id).join(', ')}) by reserved or account concurrency. Step Functions retries a throttled task for about 12 minutes, then the line fails: lower workSlots, or raise workerReservedConcurrency or the account's concurrency quota.`,
        metric: sumOf('throttles', group.map((fn) => fn.handler.metricThrottles({ period })), period),
      });
    });
    this.alarms.addAlarm({
      id: 'ScheduledRunsFailed',
      description: `A run of the reconciler, the webhook dispatcher or pool rebalancing failed (an error or a timeout) and went to the dead-letter queue instead of being retried: read the message (requestContext.functionArn, responsePayload) and the function's log, fix the cause, then purge the queue. The next scheduled run does the work again.`,
      metric: this.background.failedRuns.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
    });
    this.alarms.addAlarm({
      id: 'ApiServerErrors',
      description: 'The API answered 5xx (a handler error or an integration failure).',
      metric: this.api.api.metricServerError({ period, statistic: 'Sum' }),
    });
  }
}

/** The stack's id: `number-orders-<stage>`. */
export function stackId(settings: Pick<NumberOrdersSettings, 'stage'>): string {
  return `number-orders-${settings.stage}`;
}

/**
 * The CDK app as `cdk synth` builds it (infra/app.ts) and as the tests build it: settings from the
 * app's context, one stack, cdk-nag's AwsSolutions checks on everything.
 */
export function buildApp(app: App = new App()): { app: App; stack: NumberOrdersStack } {
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stack = new NumberOrdersStack(app, stackId(settings), {
    settings,
    description: `number-orders (${settings.stage}): rent Plivo numbers in bulk into Powerpack number pools`,
    ...(settings.account && settings.region ? { env: { account: settings.account, region: settings.region } } : {}),
    terminationProtection: settings.stage === PRODUCTION_STAGE,
  });
  checkWithCdkNag(app);
  return { app, stack };
}
