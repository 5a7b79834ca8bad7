/**
 * A seeded chaos run through the whole local stack (npm run chaos): randomized orders with Plivo
 * and DynamoDB faults, cancels, duplicate POSTs and late regulatory answers, then the account
 * audited against the records; task invocations are killed mid-way now and then; the stack is stopped and started again on its data directory
 * halfway, so the orders in flight end through the recovery of dead executions. The long runs (1,000 orders) are `npm run chaos`; this one keeps
 * every path in npm test.
 */
import { expect, it } from 'vitest';
import { parseDynamoDbFaults } from '../../functions/lib/dynamodb-faults.js';
import { DEFAULT_CHAOS_CRASH_RATE, DEFAULT_CHAOS_DYNAMODB_FAULTS, runChaos } from '../../infra/chaos/chaos.js';

it('30 chaotic orders, Lambda crashes and a stack restart halfway end with every number in the account owned by exactly one record', async () => {
  const figures = await runChaos({
    orders: 30,
    seed: 5,
    concurrency: 10,
    restart: true,
    crashRate: DEFAULT_CHAOS_CRASH_RATE,
    dynamodbFaults: parseDynamoDbFaults(DEFAULT_CHAOS_DYNAMODB_FAULTS, 'faults'),
    // Past this, the orders still running are audited as not ended: a failure shows them, not a timeout.
    settleBudgetMs: 170_000,
  });
  // The whole table on any failure: which figure broke, and the orders not ended.
  const table = JSON.stringify(figures);
  expect(figures.orders, table).toBe(30);
  expect(figures.numbersRented, table).toBeGreaterThan(0);
  // The run went through more than one path: orders ended more than one way; the restart cut orders off.
  expect(Object.keys(figures.byStatus).length, table).toBeGreaterThan(1);
  expect(figures.restarts, table).toBe(1);
  expect(figures.lambdaCrashes, table).toBeGreaterThan(0);
  expect(figures.recoveredAtRestart, table).toBeGreaterThan(0);
  expect(
    {
    unowned: figures.unowned,
    ownedTwice: figures.ownedTwice,
    gone: figures.gone,
    notEnded: figures.notEnded,
    leaked: figures.leaked,
    unhandledRejections: figures.unhandledRejections,
    },
    table,
  ).toEqual({ unowned: 0, ownedTwice: 0, gone: 0, notEnded: 0, leaked: 0, unhandledRejections: 0 });
}, 240_000);
