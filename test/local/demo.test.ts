/**
 * The `npm start` demo, run against a local stack as `npm start` runs it: the three-line order
 * ends COMPLETED, then one rebalance run orders US 512's deficit (10) through the same workflow,
 * reports CA's surplus (5), and the pool ends with what the policy asked for.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDemo } from '../../infra/local/demo.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...sharedDynamoDb(), reconcileIntervalSeconds: 0, retryPauseMs: 50, seed: 3 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

it('runs the demo order and one rebalance run to the end, showing both', async () => {
  let out = '';
  const result = await runDemo(stack, { tty: false, write: (text) => (out += text), pollMs: 50 });
  expect(result.status).toBe('COMPLETED');
  expect(result.rebalance?.status).toBe('COMPLETED');
  const run = await stack.store.orders.get(result.rebalance?.orderId ?? '');
  expect(run.request.reference).toBe(`rebalance:${result.rebalance?.runId ?? ''}`);
  expect(out).toMatch(/US local prefix 512\s+25\s+0\s+30\s+35\s+40\s+order\s+10/);
  expect(out).toMatch(/CA local\s+15\s+0\s+5\s+10\s+12\s+report-surplus\s+5/);
  const poolUuid = run.request.poolUuid;
  const members = stack.sandbox?.snapshot().pools[poolUuid]?.members ?? [];
  const count = (prefix: string) => members.filter((m) => m.number.startsWith(prefix)).length;
  expect([count('1512'), count('1415'), members.length]).toEqual([35, 20, 70]);
}, 120_000);

it('runs again on a stack whose account kept the first run\'s Powerpack (as one restarted with --data-dir does)', async () => {
  // The test before ran the demo on this stack: its Powerpack name is taken (Plivo refuses a name twice).
  const result = await runDemo(stack, { tty: false, write: () => undefined, pollMs: 50, rebalance: false });
  expect(result.status).toBe('COMPLETED');
  expect(stack.sandbox?.snapshot().powerpacks.map((p) => p.name)).toEqual(expect.arrayContaining(['number-orders demo', 'number-orders demo 2']));
}, 120_000);
