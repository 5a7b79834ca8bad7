/**
 * The AWS list prices the benchmark turns its counts into dollars with: one place, one region.
 * Taken 2026-12-06 for us-east-1 (US East, N. Virginia), on-demand, no free tier, no Savings Plans.
 * Each price names the page it belongs to and whether it could be read there: this machine has no
 * internet, so prices were checked against stored copies of public pages (see `verified`).
 */

export interface ListPrice {
  /** US dollars per `per` units. */
  usd: number;
  per: number;
  unit: string;
  /** The page the price is published on. */
  source: string;
  /** Where the figure was read, and how sure it is. */
  verified: string;
}

export const PRICES_REGION = 'us-east-1';
export const PRICES_TAKEN = '2026-12-06';

export const PRICES = {
  /** Standard Workflows bill every state transition, retries included. */
  stepFunctionsTransition: {
    usd: 0.025,
    per: 1_000,
    unit: 'state transitions (Standard Workflows)',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    verified: "read on a stored copy of the AWS page itself: US East (N. Virginia) $0.0250 per 1,000 state transitions",
  },
  lambdaRequest: {
    usd: 0.2,
    per: 1_000_000,
    unit: 'Lambda requests',
    source: 'https://aws.amazon.com/lambda/pricing/',
    verified: "not on the stored copy of the AWS page (its rate tables render client-side); $0.20 per million requests from a transcription of that page's worked examples and from third-party summaries",
  },
  /** The workflow functions run on arm64 (infra/stack/node-function.ts); the first tier (up to 7.5 billion GB-s a month). */
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-seconds of Lambda duration (arm64, first tier)',
    source: 'https://aws.amazon.com/lambda/pricing/',
    verified: 'not verified on the AWS page offline: $0.0000133334 per GB-s (arm64) from third-party copies of it (a pricing guide, a load-testing tool\'s price table)',
  },
  /** The table is on-demand (PAY_PER_REQUEST, infra/stack/table.ts), Standard table class. */
  dynamoDbWriteRequestUnit: {
    usd: 0.625,
    per: 1_000_000,
    unit: 'DynamoDB write request units (on-demand, Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    verified: 'not verified on the AWS page offline: $0.625 per million WRU from a third-party summary of the US East prices after the November 2024 on-demand price cut (before it: $1.25)',
  },
  dynamoDbReadRequestUnit: {
    usd: 0.125,
    per: 1_000_000,
    unit: 'DynamoDB read request units (on-demand, Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    verified: 'not verified on the AWS page offline: $0.125 per million RRU, same source as the write price (before November 2024: $0.25)',
  },
} as const satisfies Record<string, ListPrice>;

export type Prices = { readonly [K in keyof typeof PRICES]: Pick<ListPrice, 'usd' | 'per'> };
