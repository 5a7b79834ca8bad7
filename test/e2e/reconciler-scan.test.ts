/**
 * What the reconciler reads from the account, through the local stack and the sandbox's own
 * request counts: the whole account when the orphan report is due; in between only the numbers a
 * waiting line could use (its calling code and prefix), and nothing at all when no line waits.
 * Claims and resumes work the same on a partial read.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { orderLineSchema } from '../../functions/lib/orders/model.js';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { waitingLinePrefixes, type ReconciliationReport } from '../../functions/lib/workflow/regulatory.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { stackWithSandboxVariant } from '../support/sandbox-variant.js';
import { until } from '../support/until.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

let stack: LocalStack;
let poolUuid: string;

beforeAll(async () => {
  stack = await startLocalStack(stackWithSandboxVariant({
    apiPort: 0,
    sandboxPort: 0,
    sfnPort: 0,
    ...sharedDynamoDb(),
    reconcileIntervalSeconds: 0,
    orphanScanHours: 24,
    retryPauseMs: 50,
    seed: 34,
    // Counts what a waiting line's scan reads: with Plivo's pending-order answer, nothing is in the account yet.
    sandboxBehaviour: { pendingShape: 'order' },
  }));
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'reconciler-scan' }));
  // An orphan: rented outside any order.
  const group = (await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local', prefix: '213', services: 'sms', limit: 1 })).objects[0];
  await plivo.rentFromGroup(group?.group_id ?? '', { quantity: 1 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

function sandbox() {
  if (!stack.sandbox) throw new Error('needs the in-process sandbox');
  return stack.sandbox;
}

/** Account-number listing calls the sandbox answered. */
const listings = () => Object.values(sandbox().snapshot().requests.byRoute['GET Number/'] ?? {}).reduce((a, b) => a + b, 0);

async function reconcile(): Promise<{ report: ReconciliationReport; calls: number }> {
  const before = listings();
  const report = (await stack.reconciler.runOnce()) as ReconciliationReport;
  return { report, calls: listings() - before };
}

async function place(lines: unknown[]): Promise<{ orderId: string; executionArn: string }> {
  const response = await fetch(`${stack.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    body: JSON.stringify({ poolUuid, lines }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { orderId: string; executionArn: string };
}

it('groups waiting lines into the fewest number_startswith listings', () => {
  const line = (countryIso: string, prefix?: string) => ({ spec: orderLineSchema.parse({ countryIso, numberType: 'local', quantity: 1, ...(prefix ? { prefix } : {}) }) });
  expect(waitingLinePrefixes([line('FR'), line('US', '512'), line('US', '5125'), line('DE'), line('FR', '1')])).toEqual(['1512', '33', '49']);
});

it('reads the account whole for the orphan report, then nothing while no line waits, then only where waiting lines look', async () => {
  const accountSize = sandbox().snapshot().numbers.length;
  const first = await reconcile();
  expect(first.report).toMatchObject({ scan: 'full', accountNumbers: accountSize, orphanCount: 1 });
  expect(first.calls).toBe(Math.ceil(accountSize / 20));

  const quiet = await reconcile();
  expect(quiet.report).toMatchObject({ scan: 'none', accountNumbers: 0, orphanCount: 1, orphansCheckedAt: first.report.orphansCheckedAt });
  expect(quiet.calls).toBe(0);

  // A French line waits under address regulations; the US line completes.
  const { orderId, executionArn } = await place([
    { countryIso: 'FR', numberType: 'local', quantity: 2 },
    { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 2 },
  ]);
  await until('the FR line to wait', () => stack.store.lines.waiting(), (lines) => lines.some((l) => l.orderId === orderId), { timeoutMs: 30_000, intervalMs: 100 });
  const waiting = await reconcile();
  expect(waiting.report).toMatchObject({ scan: 'waiting-lines', waitingLines: 1, accountNumbers: 0, claimed: 0 });
  expect(waiting.calls).toBe(1);

  // The regulator approves: the numbers arrive, a partial read finds, claims and resumes them.
  expect(Object.values(sandbox().approvePending()).flat()).toHaveLength(2);
  const found = await reconcile();
  expect(found.report).toMatchObject({ scan: 'waiting-lines', accountNumbers: 2, claimed: 2, resumed: 1, orphanCount: 1 });
  expect(found.calls).toBe(1);
  await stack.stepFunctions.waitForExecution(executionArn);
  expect((await stack.store.orders.get(orderId)).status).toBe('COMPLETED');
}, 60_000);
