/**
 * The handlers' business metrics (functions/lib/metrics.ts) as CloudWatch metrics for alarms and
 * the dashboard: the same names, the namespace the stack gives every function
 * (`POWERTOOLS_METRICS_NAMESPACE`), and the one `service` dimension Powertools adds.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { type MetricDimensions, type MetricName, METRICS_SERVICE } from '../../functions/lib/metrics.js';
import type { RateLimit } from '../../functions/lib/plivo/rate-limit.js';

export interface BusinessMetricOptions {
  /** @default Sum */
  statistic?: string;
  /** @default 5 minutes */
  period?: Duration;
  /** Beyond `service`, e.g. `{ status: 'FAILED' }`. @default none */
  dimensions?: MetricDimensions;
  label?: string;
}

export class BusinessMetrics {
  constructor(readonly namespace: string) {}

  metric(name: MetricName, options: BusinessMetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { service: METRICS_SERVICE, ...options.dimensions },
      statistic: options.statistic ?? cloudwatch.Stats.SUM,
      period: options.period ?? Duration.minutes(5),
      ...(options.label ? { label: options.label } : {}),
    });
  }
}

/**
 * The share of Plivo's rate limit the account's calls used, in percent: every function's Plivo
 * attempts in a period (they all lease from the one token bucket) over what the limit allows in
 * that period. 100 % is the limiter doing its job on a large order; 429s (PlivoThrottled) are the
 * sign of a limit set above the account's.
 */
export function rateLimitShare(calls: cloudwatch.Metric, limit: RateLimit): cloudwatch.MathExpression {
  const period = calls.period;
  const allowed = (limit.requests * period.toMilliseconds()) / limit.windowMs;
  return new cloudwatch.MathExpression({
    expression: `100 * FILL(calls, 0) / ${allowed}`,
    usingMetrics: { calls },
    label: `share of Plivo's rate limit used (%, ${limit.requests} per ${limit.windowMs / 1000} s)`,
    period,
  });
}
