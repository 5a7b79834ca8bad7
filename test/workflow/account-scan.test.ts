/**
 * The reconciler's pass over the whole account goes in slices: each run reads on from a cursor in
 * DynamoDB for as many pages as it may, and the orphan report changes when the pass ends — with
 * every orphan of every slice, for ⌈N/20⌉ listing calls in all.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilePending } from '../../functions/lib/workflow/regulatory.js';
import { rentOutside } from '../support/rent-outside.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
let sfn: SFNClient;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 72 });
  sfn = new SFNClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterAll(async () => {
  sfn?.destroy();
  await env?.close();
});

const LIST_ROUTE = 'GET Number/';

describe('the account pass in slices', () => {
  it('reads 130 numbers in three runs of at most 3 pages, and reports all 130 orphans when the pass ends', async () => {
    const foreign = [...(await rentOutside(env.plivo, '737', 70)).numbers, ...(await rentOutside(env.plivo, '213', 60)).numbers];
    const deps = { ...env.deps, sfn };
    const limits = { scan: { maxPages: 3 } };
    env.calls.reset();

    const first = await reconcilePending(deps, limits);
    expect(first).toMatchObject({ scan: 'slice', accountNumbers: 60, orphanCount: 0, accountPass: { offset: 60, total: 130, pages: 3, complete: false } });
    expect(first.orphansCheckedAt).toBeUndefined();
    const second = await reconcilePending(deps, limits);
    expect(second).toMatchObject({ scan: 'slice', accountNumbers: 60, orphanCount: 0, accountPass: { offset: 120, complete: false } });
    const third = await reconcilePending(deps, limits);
    expect(third).toMatchObject({ scan: 'slice', accountNumbers: 10, orphanCount: 130, accountPass: { offset: 130, pages: 1, complete: true } });
    expect([...third.orphans].sort()).toEqual([...foreign].sort());
    // As of the pass's start: during the first run.
    expect(Date.parse(third.orphansCheckedAt ?? '')).toBeLessThanOrEqual(Date.parse(first.checkedAt));
    // ⌈130/20⌉ = 7 pages in all.
    expect(env.calls.snapshot().byRoute[LIST_ROUTE]).toBe(7);

    // The next pass starts from the top, and one run without limits reads it whole.
    const whole = await reconcilePending(deps);
    expect(whole).toMatchObject({ scan: 'full', accountNumbers: 130, orphanCount: 130, accountPass: { offset: 130, complete: true } });
  });

  it('reads no page with less time left than its reserve, and goes on from the same place next run', async () => {
    const deps = { ...env.deps, sfn };
    const spent = await reconcilePending(deps, { scan: { budget: { remainingMs: () => 10_000 }, reserveMs: 30_000 } });
    expect(spent).toMatchObject({ accountNumbers: 0, accountPass: { offset: 0, pages: 0, complete: false } });
    const next = await reconcilePending(deps, { scan: { maxPages: 1 } });
    expect(next).toMatchObject({ accountNumbers: 20, accountPass: { offset: 20, complete: false } });
  });
});
