/**
 * The order workflow end to end through the real local servers: HTTP API (local gateway) →
 * orders-api handler → DynamoDB Local → local Step Functions running statemachines/order.asl.json
 * → the real handler modules → the Plivo sandbox. Faults are injected in the sandbox.
 */
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { stackWithSandboxVariant } from '../support/sandbox-variant.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

let stack: LocalStack;
let poolUuid: string;
let sfn: SFNClient;

beforeAll(async () => {
  stack = await startLocalStack(stackWithSandboxVariant({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...sharedDynamoDb(), seed: 5, retryPauseMs: 50, concurrency: 8 }));
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'e2e' }));
  sfn = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}, 120_000);
afterAll(async () => {
  sfn?.destroy();
  await stack?.close();
});
beforeEach(() => stack.sandbox?.setFaults([]));

const sandbox = () => {
  if (!stack.sandbox) throw new Error('these tests need the in-process sandbox');
  return stack.sandbox;
};

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': stack.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> & { orderId?: string; executionArn?: string; status?: string; error?: string } };
}

async function placeAndWait(order: Record<string, unknown>) {
  const created = await api('POST', '/orders', { poolUuid, ...order });
  expect(created.status).toBe(202);
  const execution = await stack.stepFunctions.waitForExecution(String(created.body.executionArn));
  const view = await api('GET', `/orders/${created.body.orderId}`);
  return { orderId: String(created.body.orderId), executionArn: String(created.body.executionArn), execution, view: view.body };
}

async function allNumbers(orderId: string): Promise<{ number: string; status: string }[]> {
  const numbers: { number: string; status: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await api('GET', `/orders/${orderId}/numbers?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    numbers.push(...((page.body.numbers ?? page.body.items) as { number: string; status: string }[]));
    cursor = page.body.cursor as string | undefined;
  } while (cursor);
  return numbers;
}

const demoLines = [
  { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 25 },
  { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 20 },
  { countryIso: 'CA', numberType: 'local', quantity: 15 },
];

describe('order workflow through the local stack', () => {
  it('completes US 512 ×25, US 415 ×20, CA ×15: the account and the pool hold exactly those 60 numbers', async () => {
    const before = new Set(sandbox().snapshot().numbers.map((n) => n.number));
    const { orderId, executionArn, execution, view } = await placeAndWait({ lines: demoLines });
    expect(execution.status).toBe('SUCCEEDED');
    expect(view.status).toBe('COMPLETED');
    const truth = sandbox().snapshot();
    const added = truth.numbers.filter((n) => !before.has(n.number)).map((n) => n.number).sort();
    expect(added).toHaveLength(60);
    const members = new Set(truth.pools[poolUuid]?.members.map((m) => m.number));
    expect(added.every((n) => members.has(n))).toBe(true);
    const shown = await allNumbers(orderId);
    expect(shown.map((n) => n.number).sort()).toEqual(added);
    expect(shown.every((n) => n.status === 'VERIFIED')).toBe(true);
    const stats = stack.stepFunctions.stats(executionArn);
    expect(stats.maxPayloadBytes).toBeLessThan(16 * 1024);
  });

  it('still completes with exactly 60 numbers under faults (pool adds 20% 500 + 10% 429, rent 50% applied-but-500, pool listing 20% 503)', async () => {
    const before = new Set(sandbox().snapshot().numbers.map((n) => n.number));
    sandbox().setFaults([
      { method: 'POST', path: 'NumberPool', status: 500, rate: 0.2 },
      { method: 'POST', path: 'NumberPool', status: 429, rate: 0.1, retryAfterSeconds: 0 },
      { method: 'POST', path: 'AvailableNumberGroup', status: 500, when: 'after', rate: 0.5 },
      { method: 'GET', path: 'NumberPool', status: 503, rate: 0.2, retryAfterSeconds: 0 },
    ]);
    const { orderId, view } = await placeAndWait({ lines: demoLines });
    sandbox().setFaults([]);
    expect(view.status).toBe('COMPLETED');
    const truth = sandbox().snapshot();
    const added = truth.numbers.filter((n) => !before.has(n.number)).map((n) => n.number).sort();
    // No double rent: exactly the 60 numbers asked for entered the account, and all are this order's.
    expect(added).toHaveLength(60);
    expect((await allNumbers(orderId)).map((n) => n.number).sort()).toEqual(added);
    const members = new Set(truth.pools[poolUuid]?.members.map((m) => m.number));
    expect(added.every((n) => members.has(n))).toBe(true);
  });

  it('rolls an all-or-nothing order with an unfillable line (prefix 99999) back: nothing left in account or pool', async () => {
    const before = sandbox().snapshot();
    const { view, execution } = await placeAndWait({
      partialAllowed: false,
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '305', quantity: 5 },
        { countryIso: 'US', numberType: 'local', prefix: '99999', quantity: 5 },
      ],
    });
    expect(execution.status).toBe('SUCCEEDED');
    expect(['ROLLED_BACK', 'FAILED']).toContain(view.status);
    const after = sandbox().snapshot();
    expect(after.numbers.length).toBe(before.numbers.length);
    expect(after.pools[poolUuid]?.members.length).toBe(before.pools[poolUuid]?.members.length);
  });

  it('answers bad bodies with a 4xx naming the problem, and rents nothing', async () => {
    const rentsBefore = sandbox().snapshot().requests.byRoute['POST AvailableNumberGroup/{group_id}/'];
    const executionsBefore = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }))).executions?.length;
    const line = { countryIso: 'US', numberType: 'local', quantity: 1 };
    const cases: [string, unknown, RegExp][] = [
      ['empty body', '', /body/i],
      ['broken JSON', '{"poolUuid":', /JSON/i],
      ['wrong types', { poolUuid: 5, lines: 'x' }, /poolUuid|lines/],
      ['unknown country', { poolUuid, lines: [{ ...line, countryIso: 'XX' }] }, /countryIso/],
      ['quantity 0', { poolUuid, lines: [{ ...line, quantity: 0 }] }, /quantity/],
      ['quantity -1', { poolUuid, lines: [{ ...line, quantity: -1 }] }, /quantity/],
      ['quantity 1.5', { poolUuid, lines: [{ ...line, quantity: 1.5 }] }, /quantity/],
      ['quantity 1e9', { poolUuid, lines: [{ ...line, quantity: 1e9 }] }, /quantity/],
      ['prefix with letters', { poolUuid, lines: [{ ...line, prefix: '51a' }] }, /prefix/],
      ['prefix of 6 digits', { poolUuid, lines: [{ ...line, prefix: '512345' }] }, /prefix/],
      ['region on toll-free', { poolUuid, lines: [{ ...line, numberType: 'tollfree', region: 'Texas' }] }, /region/],
      // 5,000 lines are over 256 KiB before they are over 40 lines: the size is named.
      ['5,000 lines', { poolUuid, lines: Array.from({ length: 5_000 }, () => line) }, /lines|256 KiB/],
      ['41 lines', { poolUuid, lines: Array.from({ length: 41 }, () => line) }, /lines/],
      ['2 MB body', { poolUuid, lines: [line], reference: 'x'.repeat(2 * 1024 * 1024) }, /large|256/i],
    ];
    for (const [name, body, names] of cases) {
      const answer = await api('POST', '/orders', body);
      expect([name, answer.status >= 400 && answer.status < 500]).toEqual([name, true]);
      expect([name, JSON.stringify(answer.body)]).toEqual([name, expect.stringMatching(names)]);
    }
    expect(sandbox().snapshot().requests.byRoute['POST AvailableNumberGroup/{group_id}/']).toEqual(rentsBefore);
    const executionsAfter = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }))).executions?.length;
    expect(executionsAfter).toBe(executionsBefore);
  });

  it('returns the same order for a repeated Idempotency-Key and starts one execution', async () => {
    const body = { poolUuid, dryRun: true, lines: [{ countryIso: 'US', numberType: 'local', prefix: '212', quantity: 3 }] };
    const first = await api('POST', '/orders', body, { 'idempotency-key': 'e2e-key-1' });
    const second = await api('POST', '/orders', body, { 'idempotency-key': 'e2e-key-1' });
    expect(first.body.orderId).toBeDefined();
    expect(second.body.orderId).toBe(first.body.orderId);
    const conflict = await api('POST', '/orders', { ...body, reference: 'other' }, { 'idempotency-key': 'e2e-key-1' });
    expect(conflict.status).toBe(409);
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }))).executions ?? [];
    expect(executions.filter((e) => e.name === first.body.orderId)).toHaveLength(1);
    await stack.stepFunctions.waitForExecution(String(first.body.executionArn));
  });
});
