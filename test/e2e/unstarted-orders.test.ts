/**
 * An order recorded whose execution never started (StartExecution failed, or the process died
 * between the write and the start, and no client retried with its Idempotency-Key): the
 * reconciler's sweep starts it, once, and it runs to the end through the local stack.
 */
import { SFNClient, type StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { orderRequestSchema } from '../../functions/lib/orders/model.js';
import { startUnstarted, submitOrder } from '../../functions/lib/orders/submit.js';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { stackWithSandboxVariant } from '../support/sandbox-variant.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

let stack: LocalStack;
let poolUuid: string;

beforeAll(async () => {
  // The reconciler's grace is 0 (the event the scheduler loop sends): its sweep takes an order at once.
  stack = await startLocalStack(stackWithSandboxVariant({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...sharedDynamoDb(), reconcileIntervalSeconds: 0, unstartedGraceSeconds: 0, retryPauseMs: 50, seed: 21 }));
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'unstarted' }));
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const request = () => orderRequestSchema.parse({ poolUuid, lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 2 }] });

/** Step Functions out of reach: the order is recorded, its start fails. */
const unreachable = new SFNClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });

async function recordWithoutStart(): Promise<string> {
  const before = new Set((await stack.store.orders.list({ limit: 100 })).items.map((o) => o.orderId));
  await expect(submitOrder({ store: stack.store, sfn: unreachable, stateMachineArn: stack.stateMachineArn }, { request: request(), rawBody: {} })).rejects.toThrow();
  const [order] = (await stack.store.orders.list({ limit: 100 })).items.filter((o) => !before.has(o.orderId));
  expect(order).toMatchObject({ status: 'RECEIVED' });
  expect(order?.executionArn).toBeUndefined();
  return order?.orderId ?? '';
}

it('the sweep starts an order left unstarted, after its grace, once; the order completes', async () => {
  const orderId = await recordWithoutStart();
  const sfn = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const deps = { store: stack.store, sfn, stateMachineArn: stack.stateMachineArn };
  // Within the grace (an order whose own submit is still starting it) nothing is touched.
  expect(await startUnstarted(deps, { graceMs: 60_000 })).toEqual([]);
  expect(await startUnstarted(deps, { graceMs: 0 })).toEqual([orderId]);
  expect(await startUnstarted(deps, { graceMs: 0 })).toEqual([]);
  const order = await stack.store.orders.get(orderId);
  expect(order.executionArn).toBeDefined();
  await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  expect((await stack.store.orders.get(orderId)).status).toBe('COMPLETED');
}, 60_000);

it('the reconciler runs the sweep (its grace), and started orders are not swept again', async () => {
  const orderId = await recordWithoutStart();
  const report = (await stack.reconciler.runOnce()) as { startedUnstarted: number };
  expect(report.startedUnstarted).toBe(1);
  expect(((await stack.reconciler.runOnce()) as { startedUnstarted: number }).startedUnstarted).toBe(0);
  const order = await stack.store.orders.get(orderId);
  await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  expect((await stack.store.orders.get(orderId)).status).toBe('COMPLETED');
  // Orders placed normally never linger on the list.
  expect(await stack.store.orders.unstarted(new Date(Date.now() + 1000).toISOString())).toEqual([]);
}, 60_000);

it('one order that cannot start does not stop the sweep: the others start, it waits for the next sweep', async () => {
  const stuck = await recordWithoutStart();
  const other = await recordWithoutStart();
  const real = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  // Step Functions refuses the first order's start (throttled, say) and takes the others.
  const flaky = {
    send: (command: StartExecutionCommand) => (command.input.name === stuck ? Promise.reject(new Error('ThrottlingException')) : real.send(command)),
  } as unknown as SFNClient;
  const failed: string[] = [];
  const started = await startUnstarted({ store: stack.store, sfn: flaky, stateMachineArn: stack.stateMachineArn }, { graceMs: 0, onError: (orderId) => failed.push(orderId) });
  expect(started).toEqual([other]);
  expect(failed).toEqual([stuck]);
  expect(await startUnstarted({ store: stack.store, sfn: real, stateMachineArn: stack.stateMachineArn }, { graceMs: 0 })).toEqual([stuck]);
  for (const orderId of [stuck, other]) {
    const order = await stack.store.orders.get(orderId);
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  }
}, 60_000);
