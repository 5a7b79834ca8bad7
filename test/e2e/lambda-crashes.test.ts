/**
 * Lambda crashes in the local stack (`npm start -- --crash-rate P`, LambdaCrashes): a killed
 * invocation fails as AWS reports a Lambda timeout, and nothing it does afterwards reaches Plivo or
 * DynamoDB; with a crash rate, orders still end correctly and the account matches the records.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalOrderStatuses } from '../../functions/lib/orders/statuses.js';
import { workflowRuntime } from '../../functions/lib/runtime/workflow-runtime.js';
import { auditAccount } from '../../infra/audit/audit.js';
import { localLambdaContext } from '../../infra/local/lambda-context.js';
import { InvocationKilledError, LambdaCrashes, type TracedEffect } from '../../infra/local/lambda-crashes.js';
import { seeded } from '../../infra/seeded.js';
import { type E2eStack, startE2eStack } from '../support/e2e-stack.js';
import { until } from '../support/until.js';

let e2e: E2eStack;
const traced: TracedEffect[] = [];
const crashes = new LambdaCrashes({
  rate: 0.4,
  random: seeded(16),
  plan: (orderId) => (orderId === 'fenced' ? [{ functionName: 'fence-test', effect: 2, when: 'after' }] : []),
  trace: (effect) => traced.push(effect),
});

beforeAll(async () => {
  // No rate limit: the leased limiter's own DynamoDB writes would be effects of the invocation too.
  e2e = await startE2eStack('lambda-crashes', { seed: 17, lambdaCrashes: crashes, rateLimit: null, reconcileIntervalSeconds: 0, unstartedGraceSeconds: 0, logLevel: 'SILENT' });
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

describe('a killed invocation', () => {
  it('fails with Sandbox.Timedout at once, and every later Plivo or DynamoDB call of its async context is refused', async () => {
    const { store, plivo } = workflowRuntime();
    const put = (sk: string) => store.db.send(new PutCommand({ TableName: store.tableName, Item: { pk: 'CRASHTEST', sk } }));
    const refused: unknown[] = [];
    let background: Promise<unknown> | undefined;
    const handler = crashes.wrap(async () => {
      await put('first'); // effect 1
      await plivo.listAccountNumbers({ limit: 1 }).catch((error: unknown) => refused.push(error)); // effect 2: answered, then killed
      // The handler code runs on, as a killed Lambda's would not: each call is refused at the client.
      background = put('unawaited').catch((error: unknown) => refused.push(error));
      await put('second').catch((error: unknown) => refused.push(error));
      await plivo.listAccountNumbers({ limit: 1 }).catch((error: unknown) => refused.push(error));
      return 'finished';
    });
    const context = localLambdaContext({ functionName: 'fence-test', requestId: 'req-1', deadline: Date.now() + 300_000 });
    const invocation = handler({ orderId: 'fenced' }, context);
    await expect(invocation).rejects.toMatchObject({ name: 'Sandbox.Timedout', message: expect.stringMatching(/^RequestId: req-1 Error: Task timed out after \d+\.\d\d seconds$/) });
    await until('the handler to have run on', () => refused.length, (n) => n === 4);
    await background;
    // DynamoDB's client throws the refusal itself; the Plivo client wraps it as a failed connection.
    expect(refused.map((error) => (error instanceof InvocationKilledError ? 'refused' : String((error as Error).message).replace(/^.*: /, '')))).toEqual(
      Array.from({ length: 4 }, (_, i) => (i === 0 || i === 3 ? expect.stringContaining('this Lambda invocation was killed') : 'refused')),
    );
    // Read outside the invocation (the API's client), as anyone would.
    const written = await Promise.all(
      ['first', 'second', 'unawaited'].map(async (sk) => (await e2e.stack.store.db.send(new GetCommand({ TableName: store.tableName, Key: { pk: 'CRASHTEST', sk } }))).Item !== undefined),
    );
    expect(written).toEqual([true, false, false]);
    expect(traced.filter((t) => t.orderId === 'fenced').map((t) => [t.effect, t.kind])).toEqual([
      [1, 'dynamodb'],
      [2, 'plivo'],
    ]);
  });
});

describe('a crash rate', () => {
  // At this rate a task's four attempts can all be killed (0.4^4 per task): a line step then fails
  // its line, which is released, and an order step fails the execution, which the reconciler's
  // recovery carries on. So an order need not complete; it must end, and every number it rented
  // must end verified in the pool (owned by its record) or released.
  it('kills invocations mid-step, and every order still ends, with each number it kept owned by one record', async () => {
    const killedBefore = crashes.killed;
    const placed = await Promise.all(
      [0, 1, 2, 3].map(() => e2e.place({ lines: [{ countryIso: 'US', numberType: 'local', prefix: '737', quantity: 2 }] })),
    );
    // Each order's current execution (a recovery replaces it), until every order has ended.
    const notEnded = async () => {
      const orders = await Promise.all(placed.map(({ orderId }) => e2e.stack.store.orders.get(orderId)));
      return orders.filter((order) => !terminalOrderStatuses.includes(order.status));
    };
    for (let pass = 0; pass < 10; pass++) {
      const open = await notEnded();
      if (open.length === 0) break;
      for (const { executionArn } of open) if (executionArn) await e2e.stack.stepFunctions.waitForExecution(executionArn);
      if ((await notEnded()).length > 0) await e2e.stack.reconciler.runOnce();
    }
    expect(await notEnded()).toEqual([]);
    expect(crashes.killed).toBeGreaterThan(killedBefore);
    const audit = await auditAccount({ plivo: e2e.plivo, store: e2e.stack.store });
    expect(audit.clean).toBe(true);
    for (const { orderId } of placed) {
      const order = await e2e.stack.store.orders.get(orderId);
      const verified = (await e2e.stack.store.lines.list(orderId)).reduce((sum, line) => sum + line.verified, 0);
      expect(audit.ownedByOrder[orderId] ?? 0).toBe(verified);
      if (order.status === 'COMPLETED') expect(verified).toBe(2);
    }
  }, 120_000);
});
