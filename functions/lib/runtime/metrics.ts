/**
 * The metrics port (metrics.ts) in Lambda: one Powertools Metrics instance per container, in the
 * namespace the stack sets (`POWERTOOLS_METRICS_NAMESPACE`, `NumberOrders/<stage>`), published as
 * CloudWatch embedded metric format on stdout once per invocation by the handlers' middy
 * middleware (`metricsMiddleware`, Powertools' `logMetrics`). Without that variable — the local
 * stack, tests — the runtimes get no Powertools metrics: the local stack gives them a
 * `MetricsRecorder` instead, so no EMF blob ever reaches its console.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Env } from '../config.js';
import { type MetricDimensions, type MetricName, type Metrics, METRICS_NAMESPACE_VARIABLE, METRICS_SERVICE, type MetricUnit as Unit, noMetrics } from '../metrics.js';

const UNITS: Record<Unit, (typeof MetricUnit)[keyof typeof MetricUnit]> = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds };

/**
 * Powertools warns on every invocation that published nothing ("No application metrics to
 * publish"), which most runs of a scheduled job are: that goes to debug, not to the log.
 */
const quiet = new Logger({ serviceName: METRICS_SERVICE });
const quietLogger = { debug: quiet.debug.bind(quiet), info: quiet.info.bind(quiet), warn: quiet.debug.bind(quiet), error: quiet.error.bind(quiet) };

/** The container's instance. `service` is fixed (not the function's name): the alarms name the metric by it. */
const containerMetrics = new PowertoolsMetrics({
  ...(process.env[METRICS_NAMESPACE_VARIABLE] ? { namespace: process.env[METRICS_NAMESPACE_VARIABLE] } : {}),
  serviceName: METRICS_SERVICE,
  logger: quietLogger,
});

/**
 * The port over a Powertools instance. Metrics without dimensions accumulate until the invocation
 * publishes them; one with dimensions goes out at once as its own blob (`singleMetric`), because
 * an EMF blob's dimensions apply to every metric in it.
 */
export function powertoolsMetrics(metrics: PowertoolsMetrics = containerMetrics): Metrics {
  const add = (name: MetricName, unit: Unit, value: number, dimensions?: MetricDimensions) => {
    if (dimensions && Object.keys(dimensions).length > 0) {
      const single = metrics.singleMetric();
      for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
      single.addMetric(name, UNITS[unit], value);
      return;
    }
    metrics.addMetric(name, UNITS[unit], value);
  };
  return {
    count: (name, n = 1, dimensions) => add(name, 'Count', n, dimensions),
    gauge: (name, value, unit, dimensions) => add(name, unit, value, dimensions),
  };
}

/** The runtimes' metrics: Powertools when the stack set a namespace (in Lambda), none otherwise. */
export function metricsFor(env: Env): Metrics {
  return env[METRICS_NAMESPACE_VARIABLE]?.trim() ? powertoolsMetrics() : noMetrics;
}

/** The middy middleware that publishes the container's metrics after each invocation, failed ones included. */
export function metricsMiddleware() {
  return logMetrics(containerMetrics);
}
