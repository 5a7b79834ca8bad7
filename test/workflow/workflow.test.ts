/**
 * The order workflow — the real state machine (statemachines/order.asl.json) on the local Step
 * Functions endpoint, its Tasks calling the real handlers — against DynamoDB Local and the Plivo
 * sandbox over real HTTP, with faults injected in the sandbox or below the handlers: the design's
 * invariants hold on every path.
 */
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NumberRepository } from '../../functions/lib/store/numbers.js';
import { createStores } from '../../functions/lib/store/stores.js';
import { budgetOf, type WorkflowDeps } from '../../functions/lib/workflow/deps.js';
import { planOrder } from '../../functions/lib/workflow/plan.js';
import { resolveLine } from '../../functions/lib/workflow/regulatory.js';
import { startOrderMachine, type OrderMachine } from '../support/order-machine.js';
import { until } from '../support/until.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
let machine: OrderMachine;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 42 });
  machine = await startOrderMachine(env);
});
afterAll(async () => {
  await machine?.close();
  await env?.close();
});

/** Run the order's execution to its end; the order's status once it ended. */
async function runOrder(orderId: string, deps?: WorkflowDeps): Promise<string> {
  const { status, execution } = await machine.run(orderId, deps);
  // Every path of these tests ends through Finalize and AnnounceOutcome, never in a Fail state.
  expect(execution.status, `${orderId}: ${execution.error ?? ''} ${execution.cause ?? ''}`).toBe('SUCCEEDED');
  return status;
}
beforeEach(() => env.sandbox.setFaults([]));

const threeLines = {
  lines: [
    { countryIso: 'US', numberType: 'local' as const, prefix: '512', quantity: 25 },
    { countryIso: 'US', numberType: 'local' as const, prefix: '415', quantity: 20 },
    { countryIso: 'CA', numberType: 'local' as const, quantity: 15 },
  ],
};

/** Every number the order rented is verified in the pool, or released, or leaked; the sandbox agrees. */
async function expectNoLeak(orderId: string) {
  const numbers = await env.store.numbers.list(orderId, undefined);
  const truth = env.sandbox.snapshot();
  const inAccount = new Set(truth.numbers.map((n) => n.number));
  const inPool = new Set((truth.pools[env.poolUuid]?.members ?? []).map((m) => m.number));
  for (const item of numbers) {
    expect(['VERIFIED', 'RELEASED', 'LEAKED']).toContain(item.status);
    if (item.status === 'VERIFIED') expect(inPool.has(item.number)).toBe(true);
    if (item.status === 'RELEASED') expect(inAccount.has(item.number)).toBe(false);
  }
  // No number in the account that no order owns (nothing rented and forgotten).
  const owners = new Set((await env.store.numbers.owners([...inAccount])).map((o) => o.number));
  expect([...inAccount].filter((n) => !owners.has(n))).toEqual([]);
  return numbers;
}

describe('order workflow (the real state machine)', () => {
  it('completes a three-line order with exactly its 60 numbers in the account and pool', async () => {
    await env.createOrder('wf-happy', threeLines);
    const before = new Set(env.sandbox.snapshot().numbers.map((n) => n.number));
    expect(await runOrder('wf-happy')).toBe('COMPLETED');
    const numbers = await expectNoLeak('wf-happy');
    expect(numbers.filter((n) => n.status === 'VERIFIED')).toHaveLength(60);
    const added = env.sandbox.snapshot().numbers.filter((n) => !before.has(n.number));
    expect(added).toHaveLength(60);
    const lines = await env.store.lines.list('wf-happy');
    expect(lines.map((l) => [l.status, l.requested, l.rented, l.assigned, l.verified])).toEqual([
      ['COMPLETED', 25, 25, 25, 25],
      ['COMPLETED', 20, 20, 20, 20],
      ['COMPLETED', 15, 15, 15, 15],
    ]);
    expect((await env.store.orders.get('wf-happy')).status).toBe('COMPLETED');
  }, 60_000);

  it('survives 500s and 429s on pool adds, rents applied-but-500, and 503s on pool listing: still exactly 60', async () => {
    await env.createOrder('wf-faults', threeLines);
    const before = new Set(env.sandbox.snapshot().numbers.map((n) => n.number));
    env.sandbox.setFaults([
      { method: 'POST', path: 'NumberPool', status: 500, rate: 0.2 },
      { method: 'POST', path: 'NumberPool', status: 429, rate: 0.1, retryAfterSeconds: 0 },
      { method: 'POST', path: 'AvailableNumberGroup', status: 500, when: 'after', rate: 0.5 },
      { method: 'GET', path: 'NumberPool', status: 503, rate: 0.2, retryAfterSeconds: 0 },
    ]);
    expect(await runOrder('wf-faults')).toBe('COMPLETED');
    env.sandbox.setFaults([]);
    await expectNoLeak('wf-faults');
    const added = env.sandbox.snapshot().numbers.filter((n) => !before.has(n.number));
    expect(added).toHaveLength(60);
    const verified = (await env.store.numbers.list('wf-faults', undefined)).filter((n) => n.status === 'VERIFIED');
    expect(verified).toHaveLength(60);
  });

  it('rolls an all-or-nothing order back when one line cannot be filled (prefix 99999): nothing left', async () => {
    await env.createOrder('wf-none', {
      partialAllowed: false,
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '212', quantity: 5 },
        { countryIso: 'US', numberType: 'local', prefix: '99999', quantity: 5 },
      ],
    });
    const before = env.sandbox.snapshot();
    const status = await runOrder('wf-none');
    expect(['FAILED', 'ROLLED_BACK']).toContain(status);
    const after = env.sandbox.snapshot();
    expect(after.numbers.length).toBe(before.numbers.length);
    expect(after.pools[env.poolUuid]?.members.length).toBe(before.pools[env.poolUuid]?.members.length);
  });

  it('rolls back the rented numbers when an all-or-nothing line falls short at rent', async () => {
    await env.createOrder('wf-short', {
      partialAllowed: false,
      lines: [{ countryIso: 'US', numberType: 'local', prefix: '646', quantity: 10 }],
    });
    const before = env.sandbox.snapshot();
    // Every rent loses 30% of its numbers, every time: the line cannot reach 10 within its replans.
    env.sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup', numberFailureRate: 0.9 }]);
    expect(await runOrder('wf-short')).toBe('ROLLED_BACK');
    env.sandbox.setFaults([]);
    await expectNoLeak('wf-short');
    const after = env.sandbox.snapshot();
    expect(after.numbers.length).toBe(before.numbers.length);
    expect(after.pools[env.poolUuid]?.members.length).toBe(before.pools[env.poolUuid]?.members.length);
  });

  it('ends PARTIAL when partial orders fall short, releasing nothing that is verified', async () => {
    await env.createOrder('wf-partial', {
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '305', quantity: 4 },
        { countryIso: 'US', numberType: 'local', prefix: '99999', quantity: 3 },
      ],
    });
    expect(await runOrder('wf-partial')).toBe('PARTIAL');
    const numbers = await expectNoLeak('wf-partial');
    expect(numbers.filter((n) => n.status === 'VERIFIED')).toHaveLength(4);
  });

  it('marks FR lines PENDING_REGULATORY without failing the order', async () => {
    await env.createOrder('wf-pending', {
      lines: [
        { countryIso: 'US', numberType: 'local', prefix: '786', quantity: 2 },
        { countryIso: 'FR', numberType: 'local', quantity: 2 },
      ],
    });
    // The FR line's branch parks on its task token (the wait lasts until the regulator answers):
    // the order shows PENDING_REGULATORY while the execution waits, the US line already done.
    const executionArn = await machine.start('wf-pending');
    await until('wf-pending to be PENDING_REGULATORY', () => env.store.orders.get('wf-pending'), (o) => o.status === 'PENDING_REGULATORY');
    // (Lines get their final status from Finalize, after every branch: until then the US line
    // is the one whose numbers are all verified.)
    const lines = await until('the FR line to wait on its token, the US line to be verified', () => env.store.lines.list('wf-pending'), (ls) =>
      ls[1]?.taskToken !== undefined && ls[0]?.verified === 2,
    );
    expect(lines[1]?.status).toBe('PENDING_REGULATORY');
    // Plivo's words: a pending order's details, or the numbers awaiting verification (per-number pending).
    expect(lines[1]?.pendingDetails).toMatch(/initiated|await verification/);
    expect(machine.local.waitingTaskTokens(executionArn)).toBe(1);

    // The regulator approves; ops point the line at the delivered numbers: the branch resumes.
    const delivered = Object.values(env.sandbox.approvePending()).flat();
    expect(delivered).toHaveLength(2);
    const deps = { ...env.deps, sfn: machine.sfn };
    expect(await resolveLine(deps, 'wf-pending', 1, { numbers: delivered })).toMatchObject({ resumed: true });
    expect((await machine.local.waitForExecution(executionArn)).status).toBe('SUCCEEDED');
    expect((await env.store.orders.get('wf-pending')).status).toBe('COMPLETED');
    expect((await env.store.lines.list('wf-pending')).map((l) => l.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('plans a dry run with prices and rents nothing', async () => {
    await env.createOrder('wf-dry', { dryRun: true, lines: [{ countryIso: 'US', numberType: 'local', prefix: '206', quantity: 30 }] });
    const before = env.sandbox.snapshot().numbers.length;
    expect(await runOrder('wf-dry')).toBe('PLANNED');
    expect(env.sandbox.snapshot().numbers.length).toBe(before);
    const [line] = await env.store.lines.list('wf-dry');
    // Its lines end as the order does (they ended FAILED).
    expect(line?.status).toBe('PLANNED');
    expect(line?.planned).toBe(30);
    expect(line?.plan[0]?.rentalRate).toMatch(/^\d+\.\d+$/);
  });

  it("carries each line's pass count from step to step, one more each pass, starting at 0", async () => {
    await env.createOrder('wf-passes', threeLines);
    const executionArn = await machine.start('wf-passes');
    await machine.local.waitForExecution(executionArn);
    const history = await machine.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const byLine = new Map<number, { passes: number; lineCount: number }[]>();
    for (const event of history.events ?? []) {
      const parameters = event.taskScheduledEventDetails?.parameters;
      if (!parameters) continue;
      const payload = (JSON.parse(parameters) as { Payload?: { line?: number; passes?: number; lineCount?: number } }).Payload;
      if (payload?.passes === undefined || payload.line === undefined) continue;
      byLine.set(payload.line, [...(byLine.get(payload.line) ?? []), { passes: payload.passes, lineCount: payload.lineCount ?? 0 }]);
    }
    expect([...byLine.keys()].sort()).toEqual([0, 1, 2]);
    for (const [line, passes] of byLine) {
      // Rent, AssignToPool and Verify at least: 0, 1, 2, … with no gap, each told the Map runs 3 lines.
      expect(passes.length, `line ${line}`).toBeGreaterThanOrEqual(3);
      expect(passes.map((p) => p.passes), `line ${line}`).toEqual(passes.map((_, i) => i));
      expect(new Set(passes.map((p) => p.lineCount))).toEqual(new Set([3]));
    }
  });

  it('plans line by line within its time budget: out of time, it answers more and goes on where it stopped', async () => {
    await env.createOrder('wf-plan-budget', { dryRun: true, lines: [{ countryIso: 'US', numberType: 'local', prefix: '206', quantity: 3 }, { countryIso: 'CA', numberType: 'local', quantity: 2 }] });
    const spent = budgetOf(0);
    expect(await planOrder(env.deps, 'wf-plan-budget', spent)).toEqual({ lines: [], proceed: false, more: true });
    expect((await env.store.lines.list('wf-plan-budget')).map((l) => l.status)).toEqual(['PLANNED', 'RECEIVED']);
    // The next pass plans at least one line whatever its budget: every pass makes progress.
    expect(await planOrder(env.deps, 'wf-plan-budget', spent)).toEqual({ lines: [], proceed: false, more: false });
    expect((await env.store.lines.list('wf-plan-budget')).map((l) => l.planned)).toEqual([3, 2]);
  });

  it('says which caps leave a line short', async () => {
    await env.createOrder('wf-capped', { dryRun: true, maxMonthlyRate: '0.01', lines: [{ countryIso: 'US', numberType: 'local', prefix: '206', quantity: 2 }] });
    expect(await runOrder('wf-capped')).toBe('PLANNED');
    const [line] = await env.store.lines.list('wf-capped');
    expect(line?.errors.map((e) => e.message)).toEqual(['only 0 of 2 numbers are available with prefix 206 within maxMonthlyRate 0.01']);
  });

  it('fails an execution for an order id nobody recorded with a named error, writing nothing', async () => {
    const execution = await machine.local.waitForExecution(await machine.start('wf-nobody'));
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'OrderNotFound' });
    expect(await env.store.orders.find('wf-nobody')).toBeUndefined();
  });

  it('fails an order whose pool does not exist before renting anything', async () => {
    await env.createOrder('wf-nopool', { poolUuid: 'no-such-pool', lines: [{ countryIso: 'US', numberType: 'local', quantity: 2 }] });
    const before = env.sandbox.snapshot().numbers.length;
    expect(await runOrder('wf-nopool')).toBe('FAILED');
    expect(env.sandbox.snapshot().numbers.length).toBe(before);
    expect((await env.store.orders.get('wf-nopool')).errors[0]?.name).toBe('PoolNotFoundError');
  });
});

describe('a crash between rent and record', () => {
  it('is reconciled on the retry: no second rent, the numbers found and used', async () => {
    class CrashingNumbers extends NumberRepository {
      crashes = 1;
      override async claim(...args: Parameters<NumberRepository['claim']>) {
        if (this.crashes > 0) {
          this.crashes--;
          // A Lambda that dies mid-invocation never answers: Step Functions sees the Task time
          // out, and the Rent Task's Retry on States.Timeout runs it again.
          const crash = new Error('process died after Plivo rented, before DynamoDB recorded');
          crash.name = 'States.Timeout';
          throw crash;
        }
        return super.claim(...args);
      }
    }
    const stores = createStores(env.db, env.tableName);
    const numbers = new CrashingNumbers({ db: env.db, tableName: env.tableName, now: () => new Date() });
    const deps = { ...env.deps, store: { ...stores, numbers } };
    await env.createOrder('wf-crash', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '617', quantity: 7 }] });
    const before = new Set(env.sandbox.snapshot().numbers.map((n) => n.number));
    env.calls.reset();
    expect(await runOrder('wf-crash', deps)).toBe('COMPLETED');
    expect(numbers.crashes).toBe(0);
    const added = env.sandbox.snapshot().numbers.filter((n) => !before.has(n.number));
    expect(added).toHaveLength(7);
    expect(env.calls.snapshot().byRoute['POST AvailableNumberGroup/{group_id}/']).toBe(1);
    const intents = await env.store.intents.list('wf-crash', 0);
    expect(intents.map((i) => [i.status, i.rented])).toEqual([['DONE', 7]]);
    await expectNoLeak('wf-crash');
  });
});

describe('a 429 storm', () => {
  it('completes with exactly the numbers asked for when half of all calls are refused with 429', async () => {
    await env.createOrder('wf-429', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '404', quantity: 12 }] });
    const before = new Set(env.sandbox.snapshot().numbers.map((n) => n.number));
    env.sandbox.setFaults([{ status: 429, rate: 0.5, retryAfterSeconds: 0 }]);
    expect(await runOrder('wf-429')).toBe('COMPLETED');
    const fired = env.sandbox.faults()[0];
    env.sandbox.setFaults([]);
    expect(fired?.fired ?? 0).toBeGreaterThan(5);
    const added = env.sandbox.snapshot().numbers.filter((n) => !before.has(n.number));
    expect(added).toHaveLength(12);
    await expectNoLeak('wf-429');
  });
});
