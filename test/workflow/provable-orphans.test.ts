/**
 * The reconciler sorts unowned numbers: those our records prove we rented (here: a rent whose
 * outcome is still open — a crash between Plivo's answer and the claim) are provable orphans,
 * left for their own step to settle and alarmed when they outlive a pass; the rest are foreign,
 * reported and never touched.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '../../functions/lib/metrics.js';
import { reconcilePending } from '../../functions/lib/workflow/regulatory.js';
import { rentOutside } from '../support/rent-outside.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 71 });
});
afterAll(async () => {
  await env?.close();
});

describe('provable orphans and foreign numbers', () => {
  it('numbers of an open rent are provable, left alone, and alarmed once they outlive a pass; others are foreign', async () => {
    await env.createOrder('po-1', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '737', quantity: 3 }] });
    // The rent happened at Plivo; the handler died before it claimed or closed its intent.
    const ours = await rentOutside(env.deps.plivo, '737', 3);
    await env.store.lines.savePlan('po-1', 0, [
      { groupId: ours.groupId, quantity: 3, prefix: '737', region: null, numberType: 'local', setupRate: null, rentalRate: null },
    ], 'RENTING');
    await env.store.intents.start('po-1', 0, ours.groupId, 3);
    const foreign = await rentOutside(env.deps.plivo, '213', 2);

    const errors: { message: string; fields: Record<string, unknown> }[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (message: string, fields: Record<string, unknown> = {}) => void errors.push({ message, fields }) };
    const sfn = new SFNClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const deps = { ...env.deps, logger, sfn };

    const first = await reconcilePending(deps);
    expect([...first.provableOrphans].sort()).toEqual([...ours.numbers].sort());
    expect([...first.orphans].sort()).toEqual([...foreign.numbers].sort());
    expect(first.provableSurvivors).toBe(0);
    expect(errors).toEqual([]);
    // Never touched: still in the account, unowned.
    expect(await env.store.numbers.owners(ours.numbers)).toEqual([]);

    const second = await reconcilePending(deps);
    expect(second.provableSurvivors).toBe(3);
    expect(errors.map((e) => e.message)).toEqual(['numbers we rented are still owned by nobody']);
    expect(errors[0]?.fields.survivors).toBe(3);
    // The alarms' gauges, every pass: 0 survivors, then 3; the foreign numbers each time.
    expect(env.metrics.values(METRIC.provableOrphans)).toEqual([0, 3]);
    expect(env.metrics.values(METRIC.orphanedNumbers)).toEqual([foreign.numbers.length, foreign.numbers.length]);
    sfn.destroy();
  });
});
