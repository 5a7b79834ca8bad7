/**
 * The operations dashboard: one row per concern, top to bottom — alarms, orders, numbers, Plivo,
 * customer webhooks, pools and reconciliation, functions and the state machine, the API and its
 * firewall. The business metrics come from business-metrics.ts (the names the handlers emit);
 * the rest are the services' own.
 */
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, STATUS_DIMENSION } from '../../functions/lib/metrics.js';
import { terminalOrderStatuses } from '../../functions/lib/orders/model.js';
import type { RateLimit } from '../../functions/lib/plivo/rate-limit.js';
import type { OrdersApi } from './api.js';
import type { BackgroundJobs } from './background.js';
import { type BusinessMetrics, rateLimitShare } from './business-metrics.js';
import type { NodeFunction } from './node-function.js';

export interface OperationsDashboardProps {
  dashboardName: string;
  metrics: BusinessMetrics;
  /** `null`: no limit configured (no share to show). */
  plivoRateLimit: RateLimit | null;
  stateMachine: sfn.StateMachine;
  api: OrdersApi;
  background: BackgroundJobs;
  workflowFunctions: readonly NodeFunction[];
  alarms: readonly cloudwatch.IAlarm[];
  /** @default 5 minutes */
  period?: Duration;
}

/** The rows' titles, top to bottom (the tests and docs/deploy.md name them). */
export const DASHBOARD_ROWS = ['Alarms', 'Orders', 'Numbers', 'Plivo', 'Customer webhooks', 'Pools and reconciliation', 'Functions and state machine', 'API and firewall'] as const;

const FULL_WIDTH = 24;
const HEIGHT = 6;

export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const m = props.metrics;
    const sum = (name: Parameters<BusinessMetrics['metric']>[0], label: string) => m.metric(name, { period, label });
    const max = (name: Parameters<BusinessMetrics['metric']>[0], label: string) => m.metric(name, { period, label, statistic: cloudwatch.Stats.MAXIMUM });
    const graph = (title: string, left: cloudwatch.IMetric[], options: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: HEIGHT, period, ...options });
    const { reconciler, webhookDispatcher, rebalancer } = props.background;
    const scheduledAndApi = [reconciler, webhookDispatcher, rebalancer, props.api.handler, props.api.plivoWebhooksHandler];
    const everyFunction = [...props.workflowFunctions, ...scheduledAndApi];
    // A row: its title, then its widgets side by side.
    const row = (title: (typeof DASHBOARD_ROWS)[number], ...widgets: cloudwatch.IWidget[]): cloudwatch.IWidget[][] => [
      [new cloudwatch.TextWidget({ markdown: `## ${title}`, width: FULL_WIDTH, height: 1 })],
      widgets,
    ];
    const webAcl = props.api.firewall.webAcl;
    // A regional web ACL's metrics are dimensioned by its name (the ARN's third part after "/") and region.
    const waf = (metricName: string, rule: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName,
        dimensionsMap: { WebACL: Fn.select(2, Fn.split('/', webAcl.attrArn)), Region: Stack.of(this).region, Rule: rule },
        statistic: cloudwatch.Stats.SUM,
        period,
        label,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(6),
      widgets: [
        row('Alarms', new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: FULL_WIDTH, height: 4 })),
        row(
          'Orders',
          graph(
            'Orders ended, by final status',
            terminalOrderStatuses.map((status) => m.metric(METRIC.ordersEnded, { period, label: status, dimensions: { [STATUS_DIMENSION]: status } })),
            { stacked: true },
          ),
          graph('Oldest order being worked on (seconds open)', [max(METRIC.oldestOpenOrderAge, 'oldest open order')]),
          graph('Executions', [
            props.stateMachine.metricStarted({ period, label: 'started' }),
            props.stateMachine.metricSucceeded({ period, label: 'succeeded' }),
            sum(METRIC.ordersRecovered, 'recovered (execution had died)'),
            max(METRIC.ordersNotRecovered, 'not recovered'),
          ]),
        ),
        row(
          'Numbers',
          graph('Numbers rented and verified', [sum(METRIC.numbersRented, 'rented'), sum(METRIC.numbersVerified, 'verified')], { width: 12 }),
          graph('Numbers released and leaked', [sum(METRIC.numbersReleased, 'released'), sum(METRIC.numbersLeaked, 'LEAKED')], { width: 12 }),
        ),
        row(
          'Plivo',
          graph('Plivo calls', [sum(METRIC.plivoCalls, 'calls (attempts)')]),
          graph('Plivo 429 answers', [sum(METRIC.plivoThrottled, '429 Too Many Requests')]),
          props.plivoRateLimit
            ? graph('Share of the rate limit used (%)', [rateLimitShare(sum(METRIC.plivoCalls, 'calls'), props.plivoRateLimit)], { leftYAxis: { min: 0, max: 100 } })
            : new cloudwatch.TextWidget({ markdown: 'plivoRateLimit is off: no share to show.', width: 8, height: HEIGHT }),
        ),
        row(
          'Customer webhooks',
          graph('Webhook attempts', [sum(METRIC.webhookDeliveries, 'delivered'), sum(METRIC.webhookDeliveriesFailed, 'failed')], { width: 12 }),
          graph('Webhook deliveries abandoned', [sum(METRIC.webhookDeliveriesAbandoned, 'abandoned')], { width: 12 }),
        ),
        row(
          'Pools and reconciliation',
          graph('Orphaned numbers (account)', [m.metric(METRIC.orphanedNumbers, { period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM, label: 'no order owns them' })]),
          graph('Provable orphans (settling stuck)', [max(METRIC.provableOrphans, 'still unowned a pass later')]),
          graph('Pool rebalancing', [sum(METRIC.rebalanceFailedPools, 'pools failed'), rebalancer.handler.metricErrors({ period, label: 'runs failed' })]),
        ),
        row(
          'Functions and state machine',
          graph('Errors: scheduled and API functions', scheduledAndApi.map((fn) => fn.handler.metricErrors({ period, label: fn.node.id }))),
          graph('Throttles: every function', everyFunction.map((fn) => fn.handler.metricThrottles({ period, label: fn.node.id }))),
          graph('Executions ended badly, throttled; dead-lettered runs', [
            props.stateMachine.metricFailed({ period, label: 'failed' }),
            props.stateMachine.metricTimedOut({ period, label: 'timed out' }),
            props.stateMachine.metricAborted({ period, label: 'aborted' }),
            props.stateMachine.metric('ExecutionThrottled', { period, statistic: cloudwatch.Stats.SUM, label: 'throttled' }),
            props.background.failedRuns.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM, label: 'dead-lettered runs' }),
          ]),
        ),
        row(
          'API and firewall',
          graph('API answers', [props.api.api.metricCount({ period, label: 'requests' }), props.api.api.metricClientError({ period, label: '4xx' }), props.api.api.metricServerError({ period, label: '5xx' })]),
          graph('API latency (p99, ms)', [props.api.api.metricLatency({ period, statistic: 'p99', label: 'latency' }), props.api.api.metricIntegrationLatency({ period, statistic: 'p99', label: 'integration' })]),
          graph('Firewall: blocked and counted', [
            waf('BlockedRequests', 'ALL', 'blocked (all rules)'),
            waf('BlockedRequests', props.api.firewall.ruleNames.rateLimit, 'rate limited'),
            waf('BlockedRequests', props.api.firewall.ruleNames.bodyTooLarge, 'body too large (413)'),
            waf('CountedRequests', 'ALL', 'counted (e.g. bodies over 8 KB)'),
          ]),
        ),
      ].flat(),
    });
  }
}
