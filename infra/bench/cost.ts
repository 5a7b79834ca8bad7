/**
 * Estimated AWS cost of an order from what the benchmark counted: pure arithmetic over counts and
 * list prices (prices.ts), so it can be checked by hand and tested.
 */
import type { Prices } from './prices.js';

/** What one measurement counted (for any number of numbers). */
export interface CostCounts {
  /** Numbers the measurement provisioned: the cost is scaled to 1,000 of them. */
  numbers: number;
  stateTransitions: number;
  lambdaRequests: number;
  /** Memory × billed duration, summed over invocations (see `gbSeconds`). */
  lambdaGbSeconds: number;
  dynamoDbReadUnits: number;
  dynamoDbWriteUnits: number;
}

export interface CostEstimate {
  /** US dollars per 1,000 numbers, by item and in all. */
  stepFunctions: number;
  lambdaRequests: number;
  lambdaDuration: number;
  dynamoDbReads: number;
  dynamoDbWrites: number;
  total: number;
}

/** Lambda bills each invocation's duration rounded up to the millisecond, times its memory in GB (1 GB = 1,024 MB). */
export function gbSeconds(durationsMs: readonly number[], memoryMb: number): number {
  const billedMs = durationsMs.reduce((sum, ms) => sum + Math.ceil(Math.max(0, ms)), 0);
  return (billedMs / 1000) * (memoryMb / 1024);
}

const priced = (count: number, price: Pick<Prices[keyof Prices], 'usd' | 'per'>) => (count * price.usd) / price.per;

/** Dollars per 1,000 numbers. @throws Error when no number was provisioned (nothing to divide by) */
export function costPer1000Numbers(counts: CostCounts, prices: Prices): CostEstimate {
  if (!(counts.numbers > 0)) throw new Error('no numbers provisioned: a cost per 1,000 numbers has nothing to divide by');
  const scale = 1000 / counts.numbers;
  const items = {
    stepFunctions: priced(counts.stateTransitions, prices.stepFunctionsTransition) * scale,
    lambdaRequests: priced(counts.lambdaRequests, prices.lambdaRequest) * scale,
    lambdaDuration: priced(counts.lambdaGbSeconds, prices.lambdaArmGbSecond) * scale,
    dynamoDbReads: priced(counts.dynamoDbReadUnits, prices.dynamoDbReadRequestUnit) * scale,
    dynamoDbWrites: priced(counts.dynamoDbWriteUnits, prices.dynamoDbWriteRequestUnit) * scale,
  };
  return { ...items, total: Object.values(items).reduce((sum, usd) => sum + usd, 0) };
}
