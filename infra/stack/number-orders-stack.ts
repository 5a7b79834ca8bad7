/**
 * number-orders in one stack: the table, the secrets, the workflow Lambdas and the order state
 * machine, the HTTP API (orders, pools, Plivo callbacks), the scheduled jobs (reconciler, webhook
 * dispatcher, pool rebalancing), alarms on the handlers' business metrics and the services' own, and
 * the dashboard. Every piece is its own construct in this folder; this file only wires them, so the
 * grants read in one place: each function gets the table and its secrets through the construct that
 * owns them; the state machine may invoke exactly its functions; only the functions that place
 * orders (the API, pool rebalancing) or start those left unstarted (the reconciler) may start
 * executions. Business metrics need no grant: Lambda's log delivery turns their embedded-metric
 * lines into metrics.
 */
import { App, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE_VARIABLE } from '../../functions/lib/metrics.js';
import { parseRateLimit } from '../../functions/lib/plivo/rate-limit.js';
import { OrdersApi } from './api.js';
import { chunks, MAX_METRICS_PER_ALARM, OperationsAlarms, sumOf } from './alarms.js';
import { BusinessMetrics } from './business-metrics.js';
import { OperationsDashboard } from './dashboard.js';
import type { NodeFunction } from './node-function.js';
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
  readonly dashboard: OperationsDashboard;

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

    // Plivo posts each 10DLC link's status to the callback route, which the link step reads.
    this.workflow.bySubstitution.LinkCampaignFunctionArn.handler.addEnvironment('PLIVO_CALLBACK_URL', this.api.plivoCallbackUrl);

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
    // The handlers' business metrics: one namespace per stage, set on every function.
    const metrics = new BusinessMetrics(`NumberOrders/${settings.stage}`);
    for (const fn of this.everyFunction) fn.handler.addEnvironment(METRICS_NAMESPACE_VARIABLE, metrics.namespace);
    this.addAlarms(metrics);
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      dashboardName: this.stackName,
      metrics,
      plivoRateLimit: parseRateLimit(settings.plivoRateLimit),
      stateMachine: this.orderStateMachine.stateMachine,
      api: this.api,
      background: this.background,
      workflowFunctions: this.workflow.all,
      alarms: this.alarms.alarms,
    });

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

  /** Every function of the stack: the workflow steps, the scheduled jobs, the API's two. */
  get everyFunction(): NodeFunction[] {
    const { reconciler, webhookDispatcher, rebalancer } = this.background;
    return [...this.workflow.all, reconciler, webhookDispatcher, rebalancer, this.api.handler, this.api.plivoWebhooksHandler];
  }

  private addAlarms(metrics: BusinessMetrics): void {
    const stateMachine = this.orderStateMachine.stateMachine;
    const period = Duration.minutes(5);
    const { reconciler, webhookDispatcher, rebalancer } = this.background;

    this.alarms.addAlarm({
      id: 'ExecutionsFailed',
      description:
        'An order execution failed, timed out or was stopped (aborted): the workflow did not finish the order. The reconciler starts a recovery execution for it (OrdersRecovered); look at the execution history for why.',
      metric: sumOf('failed + timed out + aborted executions', [stateMachine.metricFailed({ period }), stateMachine.metricTimedOut({ period }), stateMachine.metricAborted({ period })], period),
    });
    this.alarms.addAlarm({
      id: 'ExecutionsThrottled',
      description: 'Step Functions throttled starting or running order executions (a StartExecution or state transition quota): orders are delayed; a refused start is retried by the reconciler. Ask for a higher quota if it lasts.',
      metric: stateMachine.metric('ExecutionThrottled', { period, statistic: cloudwatch.Stats.SUM }),
    });
    this.alarms.addAlarm({
      id: 'LeakedNumbers',
      description: 'A rented number could not be released after retries and is LEAKED: it is billed until someone unrents it (GET /orders/{id}/numbers lists it; the step\'s log has the Plivo error).',
      metric: metrics.metric(METRIC.numbersLeaked, { period }),
    });
    this.alarms.addAlarm({
      id: 'OrphanedNumbers',
      description: 'The reconciler found numbers in the Plivo account that no order owns and no line waits for: money spent for nothing (GET /reconciliation lists them).',
      metric: metrics.metric(METRIC.orphanedNumbers, { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.hours(1) }),
    });
    this.alarms.addAlarm({
      id: 'ProvableOrphans',
      description:
        'Numbers our records prove we rented (a rent whose outcome is still open, a delivery waiting for its line to end) were still owned by nobody one reconciler pass later: their settling is stuck and they are billed (GET /reconciliation lists them).',
      metric: metrics.metric(METRIC.provableOrphans, { statistic: cloudwatch.Stats.MAXIMUM, period }),
    });
    this.alarms.addAlarm({
      id: 'OrdersNotRecovered',
      description:
        'Orders that have not ended and whose execution keeps dying: the reconciler started recovery executions for them until its limit, and they died too. Their numbers are neither verified nor released until an operator looks (the reconciler log lists the orders; the execution history says why).',
      metric: metrics.metric(METRIC.ordersNotRecovered, { statistic: cloudwatch.Stats.MAXIMUM, period }),
    });
    this.alarms.addAlarm({
      id: 'OrderOpenTooLong',
      description: `The oldest order still being worked on (not waiting on address regulations) was placed more than ${STUCK_ORDER_AGE.toHours()} hours ago: it is stuck even though no execution failed (a step retried over and over, a recovery loop). GET /orders?status=IN_PROGRESS, then its execution history.`,
      metric: metrics.metric(METRIC.oldestOpenOrderAge, { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(30) }),
      threshold: STUCK_ORDER_AGE.toSeconds(),
    });
    this.alarms.addAlarm({
      id: 'PlivoThrottling',
      description:
        'Plivo answered 429 Too Many Requests in three 5-minute periods running: the configured plivoRateLimit is above what the account is allowed, or something else uses the same Plivo account. Calls are retried after Retry-After, but orders slow down; lower plivoRateLimit.',
      metric: metrics.metric(METRIC.plivoThrottled, { period }),
      evaluationPeriods: 3,
    });
    this.alarms.addAlarm({
      id: 'WebhookDeliveriesFailing',
      description: 'Customer webhook deliveries kept failing for 15 minutes (receivers down or refusing); they are retried on schedule.',
      metric: metrics.metric(METRIC.webhookDeliveriesFailed, { period }),
      evaluationPeriods: 3,
    });
    this.alarms.addAlarm({
      id: 'WebhookDeliveriesAbandoned',
      description: 'A customer webhook delivery failed its last scheduled attempt (or got 410) and will not be retried: the customer missed an event (GET /orders/{id}/webhooks, then retry).',
      metric: metrics.metric(METRIC.webhookDeliveriesAbandoned, { period }),
    });
    this.alarms.addAlarm({
      id: 'RebalanceFailed',
      description: 'A pool\'s scheduled rebalance failed (the rebalance log has "pool rebalance failed" with its poolUuid and error; the other pools ran). A pool short of numbers stays short until a run succeeds.',
      metric: metrics.metric(METRIC.rebalanceFailedPools, { period }),
    });
    // The functions nothing retries for the caller: the scheduled jobs and the API's two. (A
    // workflow step's error is retried by the state machine and shows as a failed execution.)
    const watched: [string, NodeFunction, string][] = [
      ['ReconcilerErrors', reconciler, 'The reconciler failed or timed out: unstarted orders, regulatory waits and dead executions wait for its next run.'],
      ['WebhookDispatcherErrors', webhookDispatcher, 'The webhook dispatcher failed or timed out: due customer webhooks wait for its next run.'],
      ['RebalanceErrors', rebalancer, 'A whole pool rebalancing run failed or timed out: no pool was rebalanced by it.'],
      ['ApiErrors', this.api.handler, 'The orders API function failed or timed out (not a 4xx: an unhandled error or a timeout, answered 5xx).'],
      ['PlivoWebhooksErrors', this.api.plivoWebhooksHandler, 'The Plivo callback function failed or timed out: Plivo retries the callback; the reconciler reads the account anyway.'],
    ];
    for (const [id, fn, what] of watched) {
      this.alarms.addAlarm({ id, description: `${what} Read the function's log for the error.`, metric: fn.handler.metricErrors({ period, statistic: cloudwatch.Stats.SUM }) });
    }
    // An alarm combines at most 10 metrics: one alarm per 10 functions.
    chunks(this.everyFunction, MAX_METRICS_PER_ALARM).forEach((group, index) => {
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

/** An order open longer than this (not waiting on regulators) raises OrderOpenTooLong. */
export const STUCK_ORDER_AGE = Duration.hours(6);

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
