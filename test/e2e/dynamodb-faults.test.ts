/**
 * `npm start -- --dynamodb-faults …` end to end: the local stack passes DYNAMODB_FAULTS to every
 * handler (the API, the workflow steps, the reconciler, webhooks), whose DynamoDB client then meets
 * conflicts, throttles and timeouts that DynamoDB Local never has. Orders still end where they
 * should, and the records match the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { workflowRuntime } from '../../functions/lib/runtime/workflow-runtime.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

let stack: LocalStack;
let poolUuid: string;
const said: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    apiPort: 0,
    sandboxPort: 0,
    sfnPort: 0,
    ...sharedDynamoDb(),
    seed: 6,
    retryPauseMs: 50,
    concurrency: 8,
    reconcileIntervalSeconds: 0,
    dynamodbFaults: { conflict: 0.05, throttle: 0.05, timeout: 0.01 },
    say: (line) => said.push(line),
  });
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'e2e-dynamodb-faults' }));
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const sandbox = () => {
  if (!stack.sandbox) throw new Error('these tests need the in-process sandbox');
  return stack.sandbox;
};

async function placeAndWait(order: Record<string, unknown>): Promise<{ orderId: string; status: unknown; executionStatus: string }> {
  const response = await fetch(`${stack.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ poolUuid, ...order }),
  });
  expect(response.status).toBe(202);
  const created = (await response.json()) as { orderId: string; executionArn: string };
  const execution = await stack.stepFunctions.waitForExecution(created.executionArn);
  const view = (await (await fetch(`${stack.apiUrl}/orders/${created.orderId}`, { headers: { 'x-api-key': stack.apiKey } })).json()) as { status: unknown };
  return { orderId: created.orderId, status: view.status, executionStatus: execution.status };
}

describe('the local stack with --dynamodb-faults conflict=0.05,throttle=0.05,timeout=0.01', () => {
  it('says so when it starts, and the handlers\' DynamoDB clients carry the injector', () => {
    expect(said.some((line) => line.includes('faults conflict=0.05,throttle=0.05,timeout=0.01'))).toBe(true);
    for (const db of [workflowRuntime().store.db, stack.store.db]) {
      expect(db.middlewareStack.identify()).toEqual(expect.arrayContaining(['dynamoDbFaultInjector - deserialize', 'transactionConflictRetry - initialize']));
    }
  });

  it('completes an order placed through the API, every number verified and in the pool', async () => {
    const before = new Set(sandbox().snapshot().numbers.map((n) => n.number));
    const { orderId, status, executionStatus } = await placeAndWait({ lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 20 }] });
    expect(executionStatus).toBe('SUCCEEDED');
    expect(status).toBe('COMPLETED');
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers.filter((n) => n.status === 'VERIFIED')).toHaveLength(20);
    const truth = sandbox().snapshot();
    const added = truth.numbers.filter((n) => !before.has(n.number)).map((n) => n.number);
    expect(added.sort()).toEqual(numbers.map((n) => n.number).sort());
    const line = await stack.store.lines.get(orderId, 0);
    expect(line).toMatchObject({ rented: 20, verified: 20 });
  });

  it('rolls an all-or-nothing order back: every number RELEASED, none left in the account', async () => {
    const before = sandbox().snapshot().numbers.length;
    sandbox().setFaults([{ method: 'POST', path: 'NumberPool', status: 400, count: 2 }]);
    const { orderId, status, executionStatus } = await placeAndWait({
      partialAllowed: false,
      lines: [{ countryIso: 'US', numberType: 'local', prefix: '415', quantity: 20 }],
    });
    sandbox().setFaults([]);
    expect(executionStatus).toBe('SUCCEEDED');
    expect(status).toBe('ROLLED_BACK');
    const numbers = await stack.store.numbers.list(orderId, undefined);
    expect(numbers).toHaveLength(20);
    expect(numbers.filter((n) => n.status !== 'RELEASED')).toEqual([]);
    expect(sandbox().snapshot().numbers.length).toBe(before);
    expect(await stack.store.lines.get(orderId, 0)).toMatchObject({ rented: 20, released: 20, verified: 0 });
  });
});
