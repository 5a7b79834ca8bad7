/**
 * Business metrics: their names, and the small port the domain emits them through. The code that
 * emits a metric and the stack's alarms and dashboard (infra/stack) both take its name from here,
 * so renaming one cannot quietly stop an alarm.
 *
 * In Lambda the port is Powertools Metrics (runtime/metrics.ts: CloudWatch embedded metric format,
 * flushed once per invocation); the local stack and the tests record in memory
 * (`MetricsRecorder`). Dimensions are low-cardinality only — an order's final status — never an
 * order id or a number: each distinct dimension value is a metric CloudWatch bills for.
 */

/** Every metric number-orders emits, in the stack's namespace (`NumberOrders/<stage>`). */
export const METRIC = {
  /** Orders that reached a final status; dimension `status` (COMPLETED, PARTIAL, FAILED, ROLLED_BACK, CANCELLED, PLANNED). */
  ordersEnded: 'OrdersEnded',
  /** Numbers recorded as ours (rented or pending at Plivo), each counted once, when first claimed. */
  numbersRented: 'NumbersRented',
  /** Numbers that passed verification in their pool. */
  numbersVerified: 'NumbersVerified',
  /** Numbers given back to Plivo (unrented). */
  numbersReleased: 'NumbersReleased',
  /** Numbers Plivo would not take back after retries: billed until an operator unrents them. */
  numbersLeaked: 'NumbersLeaked',
  /** Gauge, each reconciler run: numbers in the account no order owns (as of the last whole read). */
  orphanedNumbers: 'OrphanedNumbers',
  /** Gauge, each reconciler run: numbers our records prove we rented that were still owned by nobody a pass later. */
  provableOrphans: 'ProvableOrphans',
  /** Requests sent to Plivo (each attempt, retries included). */
  plivoCalls: 'PlivoCalls',
  /** Plivo answers 429 Too Many Requests. */
  plivoThrottled: 'PlivoThrottled',
  /** Gauge, each reconciler run: seconds since the oldest order that has not ended was recorded (0: none open). */
  oldestOpenOrderAge: 'OldestOpenOrderAgeSeconds',
  /** Orders whose execution had died and that a recovery execution now carries on. */
  ordersRecovered: 'OrdersRecovered',
  /** Gauge, each reconciler run that found any: open orders whose executions keep dying, recoveries used up. */
  ordersNotRecovered: 'OrdersNotRecovered',
  /** Customer webhook attempts answered 2xx. */
  webhookDeliveries: 'WebhookDeliveries',
  /** Customer webhook attempts that failed (no answer, or not 2xx). */
  webhookDeliveriesFailed: 'WebhookDeliveriesFailed',
  /** Customer webhook deliveries that will not be tried again (last scheduled attempt failed, or 410). */
  webhookDeliveriesAbandoned: 'WebhookDeliveriesAbandoned',
  /** Pools whose scheduled rebalance failed (the other pools still ran). */
  rebalanceFailedPools: 'RebalanceFailedPools',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** The variable that holds the namespace (Powertools'); the stack sets it on every function. */
export const METRICS_NAMESPACE_VARIABLE = 'POWERTOOLS_METRICS_NAMESPACE';

/** The dimension every metric carries (Powertools' `service`), with this one value: alarms name it exactly. */
export const METRICS_SERVICE = 'number-orders';

/** The dimension `OrdersEnded` is split by. */
export const STATUS_DIMENSION = 'status';

export type MetricUnit = 'Count' | 'Seconds';

/** Dimensions beyond `service`: a few known values each (a status), never an id. */
export type MetricDimensions = Readonly<Record<string, string>>;

/** What the domain emits metrics through. */
export interface Metrics {
  /** Adds `n` (default 1) to a count. */
  count(name: MetricName, n?: number, dimensions?: MetricDimensions): void;
  /** Records a level (the alarm takes its maximum over the period). */
  gauge(name: MetricName, value: number, unit: MetricUnit, dimensions?: MetricDimensions): void;
}

export const noMetrics: Metrics = { count: () => undefined, gauge: () => undefined };

export interface RecordedMetric {
  name: MetricName;
  value: number;
  unit: MetricUnit;
  dimensions: MetricDimensions;
}

/** Metrics kept in memory: the local stack (no EMF blobs in its console) and the tests read them back. */
export class MetricsRecorder implements Metrics {
  readonly records: RecordedMetric[] = [];

  count(name: MetricName, n = 1, dimensions: MetricDimensions = {}): void {
    this.records.push({ name, value: n, unit: 'Count', dimensions });
  }

  gauge(name: MetricName, value: number, unit: MetricUnit, dimensions: MetricDimensions = {}): void {
    this.records.push({ name, value, unit, dimensions });
  }

  /** The sum of `name`'s values, of those with every dimension in `dimensions`. */
  total(name: MetricName, dimensions: MetricDimensions = {}): number {
    return this.matching(name, dimensions).reduce((sum, record) => sum + record.value, 0);
  }

  /** `name`'s values in the order they were recorded. */
  values(name: MetricName, dimensions: MetricDimensions = {}): number[] {
    return this.matching(name, dimensions).map((record) => record.value);
  }

  private matching(name: MetricName, dimensions: MetricDimensions): RecordedMetric[] {
    return this.records.filter((record) => record.name === name && Object.entries(dimensions).every(([key, value]) => record.dimensions[key] === value));
  }
}
