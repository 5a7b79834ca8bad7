/**
 * Operations alarms and the SNS topic they notify (alarm and back to OK). The construct takes
 * metrics; the stack decides which (number-orders-stack.ts): the handlers' business metrics
 * (business-metrics.ts), the functions', the state machine's and the API's own.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

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

/** A metric alarm may combine at most this many metrics in its math expression. */
export const MAX_METRICS_PER_ALARM = 10;

/**
 * The sum of several metrics (at most `MAX_METRICS_PER_ALARM`), as one math expression. Each term
 * is `FILL(m, 0)`: these metrics are published only for periods with something to count (a
 * handler's count, a function's when it ran), and a period where one of them has no value must
 * still add up the others.
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
