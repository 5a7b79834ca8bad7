/** The cost arithmetic of `npm run bench`: GB-seconds and dollars per 1,000 numbers, by hand. */
import { describe, expect, it } from 'vitest';
import { costPer1000Numbers, gbSeconds } from '../../infra/bench/cost.js';
import { PRICES, PRICES_REGION, type Prices } from '../../infra/bench/prices.js';

/** Round prices that make the arithmetic checkable by eye. */
const ROUND: Prices = {
  stepFunctionsTransition: { usd: 0.025, per: 1_000 },
  lambdaRequest: { usd: 0.2, per: 1_000_000 },
  lambdaArmGbSecond: { usd: 0.00001, per: 1 },
  dynamoDbWriteRequestUnit: { usd: 1, per: 1_000_000 },
  dynamoDbReadRequestUnit: { usd: 0.25, per: 1_000_000 },
};

describe('gbSeconds', () => {
  it('bills each invocation rounded up to the millisecond, times memory in GB (1,024 MB)', () => {
    // 100.2 ms → 101, 0.4 → 1, 999 → 999: 1,101 ms at 0.5 GB.
    expect(gbSeconds([100.2, 0.4, 999], 512)).toBeCloseTo(0.5505, 10);
    expect(gbSeconds([1000], 1024)).toBe(1);
    expect(gbSeconds([], 512)).toBe(0);
  });
});

describe('costPer1000Numbers', () => {
  it('prices each count and scales it to 1,000 numbers', () => {
    const cost = costPer1000Numbers(
      { numbers: 500, stateTransitions: 40, lambdaRequests: 20, lambdaGbSeconds: 10, dynamoDbReadUnits: 2_000, dynamoDbWriteUnits: 4_000 },
      ROUND,
    );
    // ×2 to reach 1,000 numbers.
    expect(cost.stepFunctions).toBeCloseTo(0.002, 12); // 40 × 0.025 / 1000 × 2
    expect(cost.lambdaRequests).toBeCloseTo(0.000008, 12); // 20 × 0.2 / 1e6 × 2
    expect(cost.lambdaDuration).toBeCloseTo(0.0002, 12); // 10 × 0.00001 × 2
    expect(cost.dynamoDbReads).toBeCloseTo(0.001, 12); // 2000 × 0.25 / 1e6 × 2
    expect(cost.dynamoDbWrites).toBeCloseTo(0.008, 12); // 4000 × 1 / 1e6 × 2
    expect(cost.total).toBeCloseTo(0.002 + 0.000008 + 0.0002 + 0.001 + 0.008, 12);
  });

  it('refuses a measurement that provisioned nothing', () => {
    expect(() => costPer1000Numbers({ numbers: 0, stateTransitions: 1, lambdaRequests: 1, lambdaGbSeconds: 1, dynamoDbReadUnits: 1, dynamoDbWriteUnits: 1 }, ROUND)).toThrow(
      'no numbers provisioned',
    );
  });

  it('uses the list prices of one region, each with its source page and how it was checked', () => {
    expect(PRICES_REGION).toBe('us-east-1');
    for (const price of Object.values(PRICES)) {
      expect(price.usd).toBeGreaterThan(0);
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(price.verified.length).toBeGreaterThan(0);
    }
    // 1,000 transitions at the Standard Workflows price are 2.5 cents.
    const cost = costPer1000Numbers({ numbers: 1000, stateTransitions: 1000, lambdaRequests: 0, lambdaGbSeconds: 0, dynamoDbReadUnits: 0, dynamoDbWriteUnits: 0 }, PRICES);
    expect(cost.total).toBeCloseTo(0.025, 12);
  });
});
