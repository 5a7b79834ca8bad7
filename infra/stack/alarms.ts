/**
 * Operations alarms and the SNS topic they notify (alarm and back to OK). The construct takes
 * metrics; the stack decides which (number-orders-stack.ts): failed or timed-out executions, leaked
 * numbers, orphaned numbers, customer webhooks failing or abandoned, pool rebalances failing,
 * throttles, API 5xx. The handlers log JSON with Powertools Logger; where they publish no metric, a
 * log metric filter on their log line makes one (`logCountMetric`, `logValueMetric`).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { LEAKED_NUMBER_LOG_MESSAGE } from '../../functions/lib/log-messages.js';

export interface AlarmSpec {
  /** Construct id, also the alarm's name suffix. */
  id: string;
  description: string;
  metric: cloudwatch.IMetric;
  /** Alarms when the metric is at least this. @default 1 */
  threshold?: number;
  /** @default 1 */
  evaluationPeriods?: number;
}

export interface OperationsAlarmsProps {
  /** Prefix of the alarm names, e.g. the stack name. */
  namePrefix: string;
  /** Subscribe this address to the topic (the recipient confirms by email). @default none */
  email?: string;
  alarms?: readonly AlarmSpec[];
}

export class OperationsAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    this.namePrefix = props.namePrefix;
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `${props.namePrefix} alarms`,
      // Publishers must use TLS (AwsSolutions-SNS3).
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    for (const spec of props.alarms ?? []) this.addAlarm(spec);
  }

  /** An alarm on `spec.metric` (at least `threshold`; missing data is not a breach) that notifies the topic. */
  addAlarm(spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, spec.id, {
      alarmName: `${this.namePrefix}-${spec.id}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold ?? 1,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}

export interface LogCountMetricProps {
  namespace: string;
  metricName: string;
  logGroups: readonly logs.ILogGroup[];
  /** The `level` of the lines to count, e.g. `ERROR`. */
  level: string;
  /** The `message` of the lines to count. */
  message: string;
  /** @default 5 minutes */
  period?: Duration;
}

/** Counts JSON log lines of one level and message (`{"level": …, "message": …}`), one metric filter per log group, as one metric (Sum). */
export function logCountMetric(scope: Construct, id: string, props: LogCountMetricProps): cloudwatch.Metric {
  props.logGroups.forEach((logGroup, index) => {
    new logs.MetricFilter(scope, `${id}Filter${index}`, {
      logGroup,
      filterPattern: logs.FilterPattern.all(logs.FilterPattern.stringValue('$.level', '=', props.level), logs.FilterPattern.stringValue('$.message', '=', props.message)),
      metricNamespace: props.namespace,
      metricName: props.metricName,
      metricValue: '1',
    });
  });
  return new cloudwatch.Metric({ namespace: props.namespace, metricName: props.metricName, statistic: cloudwatch.Stats.SUM, period: props.period ?? Duration.minutes(5) });
}

/**
 * Counts `LEAKED_NUMBER_LOG_MESSAGE` lines in the given log groups as one metric (no dimensions):
 * the release code is shared, so every workflow function that can release numbers is watched.
 */
export function leakedNumbersMetric(scope: Construct, namespace: string, logGroups: readonly logs.ILogGroup[]): cloudwatch.Metric {
  return logCountMetric(scope, 'LeakedNumbers', { namespace, metricName: 'LeakedNumbers', logGroups, level: 'ERROR', message: LEAKED_NUMBER_LOG_MESSAGE });
}

/** A metric alarm may combine at most this many metrics in its math expression. */
export const MAX_METRICS_PER_ALARM = 10;

/**
 * The sum of several metrics (at most `MAX_METRICS_PER_ALARM`), as one math expression. Each term
 * is `FILL(m, 0)`: these metrics are published only for periods with something to count (a log
 * filter's, a function's when it ran), and a period where one of them has no value must still add
 * up the others.
 */
export function sumOf(label: string, metrics: readonly cloudwatch.IMetric[], period = Duration.minutes(5)): cloudwatch.MathExpression {
  if (metrics.length === 0 || metrics.length > MAX_METRICS_PER_ALARM) throw new Error(`sumOf(${label}): 1 to ${MAX_METRICS_PER_ALARM} metrics, not ${metrics.length}`);
  const usingMetrics = Object.fromEntries(metrics.map((metric, index) => [`m${index}`, metric]));
  const expression = Object.keys(usingMetrics)
    .map((id) => `FILL(${id}, 0)`)
    .join(' + ');
  return new cloudwatch.MathExpression({ expression, usingMetrics, label, period });
}

/** `items` in groups of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

export interface LogValueMetricProps {
  namespace: string;
  metricName: string;
  logGroups: readonly logs.ILogGroup[];
  /** The `message` of the log lines that carry the value (any of several). */
  message: string | readonly string[];
  /** The numeric field of those lines whose value the metric takes, e.g. `orphanCount`. */
  valueField: string;
  statistic: string;
  period: Duration;
}

/**
 * A metric from a numeric field of JSON log lines (`{"message": "…", "<valueField>": n}`), one
 * metric filter per log group. The lines must be logged at a level the function logs (INFO by
 * default: `logLevel` above INFO silences the info-level ones).
 */
export function logValueMetric(scope: Construct, id: string, props: LogValueMetricProps): cloudwatch.Metric {
  const messages = typeof props.message === 'string' ? [props.message] : props.message;
  const matchesMessage = logs.FilterPattern.any(...messages.map((message) => logs.FilterPattern.stringValue('$.message', '=', message)));
  props.logGroups.forEach((logGroup, index) => {
    new logs.MetricFilter(scope, `${id}Filter${index}`, {
      logGroup,
      filterPattern: logs.FilterPattern.all(matchesMessage, logs.FilterPattern.numberValue(`$.${props.valueField}`, '>=', 0)),
      metricNamespace: props.namespace,
      metricName: props.metricName,
      metricValue: `$.${props.valueField}`,
    });
  });
  return new cloudwatch.Metric({ namespace: props.namespace, metricName: props.metricName, statistic: props.statistic, period: props.period });
}
