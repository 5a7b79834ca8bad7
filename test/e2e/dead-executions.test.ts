/**
 * Orders whose execution died: stopped from outside, failed, or gone with a restarted local
 * stack. The order stays open in DynamoDB with numbers rented; nothing would ever verify or
 * release them. The reconciler finds every open order whose execution is not running and starts a
 * recovery execution that continues from the recorded state (or rolls it back when cancelled).
 * Also: a task token survives a failed SendTaskSuccess, so the next pass can resume the line.
 */
import { DescribeExecutionCommand, SFNClient, SendTaskSuccessCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { silentLogger } from '../../functions/lib/workflow/deps.js';
import { reconcilePending, type RegulatoryDeps } from '../../functions/lib/workflow/regulatory.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { METRIC, type MetricName } from '../../functions/lib/metrics.js';
import { MAX_RECOVERIES } from '../../functions/lib/orders/recovery.js';
import { stackWithSandboxVariant } from '../support/sandbox-variant.js';
import { until } from '../support/until.js';
import { noMetrics } from '../../functions/lib/metrics.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

let stack: LocalStack;
let poolUuid: string;
let sfn: SFNClient;
let plivo: PlivoClient;
/** How these tests poll the store. */
const WAIT = { timeoutMs: 30_000, intervalMs: 100 };

interface Report {
  recovered: number;
  resumed: number;
}

beforeAll(async () => {
  // The reconciler runs only when a test says so, with no grace for orders left behind.
  stack = await startLocalStack(stackWithSandboxVariant({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...sharedDynamoDb(), seed: 33, retryPauseMs: 50, reconcileIntervalSeconds: 0, unstartedGraceSeconds: 0 }));
  plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'dead-executions' }));
  sfn = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}, 120_000);
afterAll(async () => {
  sfn?.destroy();
  await stack?.close();
});
beforeEach(() => sandbox().setFaults([]));

function sandbox() {
  if (!stack.sandbox) throw new Error('needs the in-process sandbox');
  return stack.sandbox;
}

async function api(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function place(lines: Record<string, unknown>[]): Promise<{ orderId: string; executionArn: string }> {
  const placed = await api('/orders', { poolUuid, lines });
  expect(placed.status).toBe(202);
  return placed.body as { orderId: string; executionArn: string };
}

async function executionStatus(executionArn: string): Promise<string | undefined> {
  return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
}

async function stop(executionArn: string): Promise<void> {
  await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stopped', cause: 'stopped from the console' }));
  expect(await executionStatus(executionArn)).toBe('ABORTED');
}

/** The account's numbers among `numbers`. */
async function inAccount(numbers: readonly string[]): Promise<string[]> {
  const held = new Set<string>();
  for await (const number of plivo.allAccountNumbers({})) held.add(number.number);
  return numbers.filter((n) => held.has(n));
}

it('an execution stopped mid-order is recovered by the next reconciler pass, and the order completes with each number rented once', async () => {
  // Every pool add is slow, so the execution is still adding numbers when it is stopped.
  sandbox().setFaults([{ method: 'POST', path: 'NumberPool/', latencyMs: 150 }]);
  const { orderId, executionArn } = await place([{ countryIso: 'US', numberType: 'local', prefix: '737', quantity: 6 }]);
  await until('six numbers rented', async () => (await stack.store.numbers.list(orderId, undefined)).length >= 6, Boolean, WAIT);
  await stop(executionArn);
  sandbox().setFaults([]);
  expect((await stack.store.orders.get(orderId)).status).toBe('IN_PROGRESS');

  const counted = (name: MetricName, dimensions = {}) => stack.metrics.total(name, dimensions);
  const before = { recovered: counted(METRIC.ordersRecovered), rented: counted(METRIC.numbersRented), verified: counted(METRIC.numbersVerified), completed: counted(METRIC.ordersEnded, { status: 'COMPLETED' }) };
  const report = (await stack.reconciler.runOnce()) as Report;
  expect(report.recovered).toBe(1);
  expect(counted(METRIC.ordersRecovered)).toBe(before.recovered + 1);
  expect(stack.metrics.values(METRIC.ordersNotRecovered).at(-1)).toBe(0);
  const recovered = await stack.store.orders.get(orderId);
  expect(recovered.executionArn).not.toBe(executionArn);
  // GET /reconciliation (and the console) shows the recovery.
  const answer = await fetch(`${stack.apiUrl}/reconciliation`, { headers: { 'x-api-key': stack.apiKey } });
  expect(((await answer.json()) as { recoveries?: unknown }).recoveries).toEqual({
    startedUnstarted: [],
    recovered: [{ orderId, previousStatus: 'ABORTED', executionArn: recovered.executionArn }],
    notRecovered: [],
  });
  await stack.stepFunctions.waitForExecution(recovered.executionArn ?? '');
  const order = await stack.store.orders.get(orderId);
  expect(order.status).toBe('COMPLETED');
  const numbers = await stack.store.numbers.list(orderId, undefined);
  expect(numbers.map((n) => n.status)).toEqual(Array(6).fill('VERIFIED'));
  // Nothing rented twice: the account holds exactly the order's six numbers of that prefix.
  const prefixed = [];
  for await (const number of plivo.allAccountNumbers({ numberStartsWith: '1737' })) prefixed.push(number.number);
  expect(prefixed.sort()).toEqual(numbers.map((n) => n.number).sort());
  // The metrics agree (all six were rented before the stop: the recovery rented none again).
  expect([counted(METRIC.numbersVerified) - before.verified, counted(METRIC.ordersEnded, { status: 'COMPLETED' }) - before.completed]).toEqual([6, 1]);
  expect(counted(METRIC.numbersRented) - before.rented).toBe(0);
  // A running or ended order is left alone.
  expect(((await stack.reconciler.runOnce()) as Report).recovered).toBe(0);
  // Nothing open any more: the oldest open order is 0 seconds old.
  expect(stack.metrics.values(METRIC.oldestOpenOrderAge).at(-1)).toBe(0);
}, 60_000);

it('a cancel of an order whose execution is dead is carried out: the recovery rolls it back and releases its numbers', async () => {
  // One line completes, the other waits on address regulations (FR): the execution parks.
  const { orderId, executionArn } = await place([
    { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 3 },
    { countryIso: 'FR', numberType: 'local', quantity: 1 },
  ]);
  await until('the order to wait on regulations', async () => (await stack.store.orders.get(orderId)).status === 'PENDING_REGULATORY', Boolean, WAIT);
  await until('the US line verified', async () => (await stack.store.numbers.list(orderId, undefined)).filter((n) => n.status === 'VERIFIED').length === 3, Boolean, WAIT);
  const rented = (await stack.store.numbers.list(orderId, undefined)).map((n) => n.number);
  await stop(executionArn);

  expect((await api(`/orders/${orderId}/cancel`, {})).status).toBe(202);
  const report = (await stack.reconciler.runOnce()) as Report;
  expect(report.recovered).toBe(1);
  await stack.stepFunctions.waitForExecution((await stack.store.orders.get(orderId)).executionArn ?? '');
  expect((await stack.store.orders.get(orderId)).status).toBe('CANCELLED');
  // The US line's three, and the FR line's one when Plivo answered it pending number by number.
  expect((await stack.store.numbers.list(orderId, undefined)).map((n) => n.status)).toEqual(rented.map(() => 'RELEASED'));
  expect(rented.length).toBeGreaterThanOrEqual(3);
  expect(await inAccount(rented)).toEqual([]);
}, 60_000);

it('a failed SendTaskSuccess keeps the task token: the next pass resumes the line, and a pass whose send failed does not count it resumed', async () => {
  const { orderId } = await place([{ countryIso: 'FR', numberType: 'local', quantity: 2 }]);
  await until('the line to wait with its token', async () => (await stack.store.lines.waiting()).some((l) => l.orderId === orderId), Boolean, WAIT);
  sandbox().approvePending();
  // Step Functions is unreachable for SendTaskSuccess during the first pass (a throttle, a network fault).
  let refused = 0;
  const flaky = {
    send: (command: unknown) => {
      if (command instanceof SendTaskSuccessCommand) {
        refused++;
        return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      }
      return sfn.send(command as SendTaskSuccessCommand);
    },
  } as unknown as SFNClient;
  const deps: RegulatoryDeps = { store: stack.store, plivo, sfn: flaky, logger: silentLogger, metrics: noMetrics };
  const first = await reconcilePending(deps);
  expect(refused).toBeGreaterThan(0);
  expect(first.resumed).toBe(0);
  expect((await stack.store.lines.get(orderId, 0)).taskToken).toBeDefined();

  const second = await reconcilePending({ ...deps, sfn });
  expect(second.resumed).toBe(1);
  const order = await stack.store.orders.get(orderId);
  await stack.stepFunctions.waitForExecution(order.executionArn ?? '');
  expect((await stack.store.orders.get(orderId)).status).toBe('COMPLETED');
}, 60_000);

it('a line whose execution was stopped while it waited is not counted resumed: the send was refused, the order is recovered instead', async () => {
  const { orderId, executionArn } = await place([{ countryIso: 'FR', numberType: 'local', quantity: 1 }]);
  await until('the line to wait with its token', async () => (await stack.store.lines.waiting()).some((l) => l.orderId === orderId), Boolean, WAIT);
  await stop(executionArn);
  sandbox().approvePending();
  const report = (await stack.reconciler.runOnce()) as Report;
  expect(report.resumed).toBe(0);
  expect(report.recovered).toBe(1);
  const recovery = (await stack.store.orders.get(orderId)).executionArn ?? '';
  await stack.stepFunctions.waitForExecution(recovery);
  expect(await executionStatus(recovery)).toBe('SUCCEEDED');
  expect((await stack.store.orders.get(orderId)).status).toBe('COMPLETED');
}, 60_000);

it('an order whose recoveries are used up is left to an operator, and counted for the alarm on every pass', async () => {
  const { orderId, executionArn } = await place([{ countryIso: 'FR', numberType: 'local', quantity: 1 }]);
  await until('the line to wait with its token', async () => (await stack.store.lines.waiting()).some((l) => l.orderId === orderId), Boolean, WAIT);
  await stop(executionArn);
  // As if its recovery executions had all died too (names no execution has).
  let previous = executionArn;
  for (let attempt = 1; attempt <= MAX_RECOVERIES; attempt++) {
    const next = `${executionArn}-dead-${attempt}`;
    expect(await stack.store.orders.recordRecovery(orderId, previous, next)).toBe(true);
    previous = next;
  }
  const report = (await stack.reconciler.runOnce()) as Report & { notRecovered: string[] };
  expect(report.notRecovered).toEqual([orderId]);
  expect(stack.metrics.values(METRIC.ordersNotRecovered).at(-1)).toBe(1);
  await stack.reconciler.runOnce();
  expect(stack.metrics.values(METRIC.ordersNotRecovered).slice(-2)).toEqual([1, 1]);
}, 60_000);
