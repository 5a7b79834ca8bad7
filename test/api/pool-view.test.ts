import { describe, expect, it } from 'vitest';
import type { PoolRunView, StoredPolicyView } from '../../functions/lib/orders/contract.js';
import { describeRule, renderPolicy, renderPoolState, renderRun, renderRuns, summarizeRun } from '../../infra/cli/pool-view.js';

const ORDER = '0b6c3c52-8a39-4d0e-9b7a-2f1f3d0c6e11';
const rule512 = { countryIso: 'US', numberType: 'local', prefix: '512', min: 5, target: 10, max: 15 };
const ruleCa = { countryIso: 'CA', numberType: 'local', min: 1, target: 2, max: 3 };
const ruleTexas = { countryIso: 'US', numberType: 'local', region: 'Texas', min: 0, target: 4, max: 6 };

const run: PoolRunView = {
  runId: '1795442127150-e43372d3',
  poolUuid: 'pool-1',
  policyVersion: 3,
  dryRun: false,
  trigger: 'api',
  window: '2026-11-23T13:00:00.000Z',
  startedAt: '2026-11-23T13:55:27.150Z',
  finishedAt: '2026-11-23T13:55:27.900Z',
  rules: [
    { rule: rule512, inPool: 3, inTransit: 0, min: 5, target: 10, max: 15, decision: 'order', quantity: 7, estimatedMonthly: '5.60', orderId: ORDER },
    { rule: ruleCa, inPool: 0, inTransit: 0, min: 1, target: 2, max: 3, decision: 'capped', quantity: 1, wanted: 2, estimatedMonthly: '0.80', orderId: ORDER, note: 'maxMonthlyIncrease 6.40 allows 1 of 2' },
    {
      rule: ruleTexas,
      inPool: 8,
      inTransit: 0,
      min: 0,
      target: 4,
      max: 6,
      decision: 'release',
      quantity: 1,
      released: [
        { number: '15125550001', outcome: 'released' },
        { number: '15125550002', outcome: 'failed', error: 'HTTP 500' },
      ],
      note: '3 of 4 not released: outside 3 days of renewal, or busy',
    },
  ],
  orderId: ORDER,
  orderCreated: true,
  estimatedMonthlyIncrease: '6.40',
  notes: ['capped by maxMonthlyIncrease 6.40'],
};

describe('describeRule', () => {
  it.each([
    [rule512, 'US local prefix 512'],
    [ruleCa, 'CA local'],
    [ruleTexas, 'US local region Texas'],
    [{ countryIso: 'US', numberType: 'tollfree', prefix: '800', region: 7 }, 'US tollfree prefix 800 region 7'],
  ])('%j reads "%s"', (rule, words) => {
    expect(describeRule(rule)).toBe(words);
  });
});

describe('renderPolicy', () => {
  it('shows the version, the settings in a fixed order whatever the stored order, and a row per rule', () => {
    const stored: StoredPolicyView = {
      poolUuid: 'pool-1',
      version: 3,
      updatedAt: '2026-11-23T10:00:00.000Z',
      policy: { partialAllowed: true, rules: [rule512, ruleCa], maxMonthlyIncrease: '25.00', service: 'sms', releaseWithinDaysOfRenewal: 3, releaseSurplus: false },
    };
    expect(renderPolicy(stored)).toBe(
      [
        'pool pool-1 policy version 3 (updated 2026-11-23T10:00:00.000Z)',
        'service sms  releaseSurplus false  releaseWithinDaysOfRenewal 3  maxMonthlyIncrease 25.00  partialAllowed true',
        '#  rule                 min  target  max',
        '0  US local prefix 512    5      10   15',
        '1  CA local               1       2    3',
      ].join('\n'),
    );
  });
});

describe('renderRun', () => {
  it('prints every rule’s counts, decision, quantity and order id, then the details, the order and the notes', () => {
    expect(renderRun(run)).toBe(
      [
        'run 1795442127150-e43372d3 of pool pool-1: applied (policy version 3, api, 2026-11-23T13:55:27.150Z)',
        `#  rule                   inPool  inTransit  min  target  max  decision  quantity  orderId`,
        `0  US local prefix 512         3          0    5      10   15  order            7  ${ORDER}`,
        `1  CA local                    0          0    1       2    3  capped           1  ${ORDER}`,
        '2  US local region Texas       8          0    0       4    6  release          1',
        '  #0: estimated monthly 5.60 USD',
        '  #1: wanted 2; estimated monthly 0.80 USD; maxMonthlyIncrease 6.40 allows 1 of 2',
        '  #2: 3 of 4 not released: outside 3 days of renewal, or busy',
        '  #2: 15125550001 released',
        '  #2: 15125550002 failed: HTTP 500',
        `order ${ORDER} placed: 8 numbers; watch it: npm run orders -- watch ${ORDER}`,
        'estimated monthly increase 6.40 USD',
        'note: capped by maxMonthlyIncrease 6.40',
      ].join('\n'),
    );
  });

  it('suggests commands that run as printed: with --url when the API is not the default one', () => {
    expect(renderRun(run, { url: 'http://127.0.0.1:41234' })).toContain(`watch it: npm run orders -- watch ${ORDER} --url http://127.0.0.1:41234`);
    expect(renderRun(run, { url: 'http://127.0.0.1:3000' })).toContain(`watch it: npm run orders -- watch ${ORDER}\n`);
  });

  it('says when the window’s order already existed', () => {
    expect(renderRun({ ...run, orderCreated: false })).toContain(`order ${ORDER} was already placed in this window with the same plan: 8 numbers`);
  });

  it('a dry run says what it would order, and has no order', () => {
    const dry: PoolRunView = { ...run, dryRun: true, orderId: undefined, orderCreated: undefined, rules: run.rules.map(({ orderId: _orderId, released: _released, ...rest }) => rest) };
    const text = renderRun(dry);
    expect(text.split('\n')[0]).toBe('run 1795442127150-e43372d3 of pool pool-1: dry run, nothing ordered or released (policy version 3, api, 2026-11-23T13:55:27.150Z)');
    expect(text).toContain('\nwould order 8 numbers\nestimated monthly increase 6.40 USD\n');
    expect(text).not.toContain(ORDER);
  });

  it('a run with nothing to do is its table alone', () => {
    const quiet: PoolRunView = { ...run, rules: [{ rule: rule512, inPool: 10, inTransit: 0, min: 5, target: 10, max: 15, decision: 'ok', quantity: 0 }], orderId: undefined, orderCreated: undefined, estimatedMonthlyIncrease: '0.00', notes: [] };
    expect(renderRun(quiet).split('\n').slice(1)).toEqual(['#  rule                 inPool  inTransit  min  target  max  decision  quantity  orderId', '0  US local prefix 512      10          0    5      10   15  ok               0']);
  });
});

describe('renderPoolState', () => {
  it('shows what a run would do, and how to run it', () => {
    const plan: PoolRunView = { ...run, dryRun: true, orderId: undefined, rules: [{ rule: rule512, inPool: 3, inTransit: 2, min: 6, target: 10, max: 15, decision: 'order', quantity: 5, estimatedMonthly: '4.00' }], estimatedMonthlyIncrease: '4.00', notes: [] };
    expect(renderPoolState(plan)).toBe(
      [
        'pool pool-1, policy version 3: what a run now would decide (nothing recorded)',
        '#  rule                 inPool  inTransit  min  target  max  decision  quantity  orderId',
        '0  US local prefix 512       3          2    6      10   15  order            5',
        '  #0: estimated monthly 4.00 USD',
        'a run would order 5 numbers, estimated monthly increase 4.00 USD',
        'run it: npm run orders -- pool rebalance pool-1',
      ].join('\n'),
    );
  });

  it('with nothing to do, suggests nothing', () => {
    const plan: PoolRunView = { ...run, dryRun: true, orderId: undefined, rules: [{ rule: rule512, inPool: 10, inTransit: 0, min: 5, target: 10, max: 15, decision: 'ok', quantity: 0 }], notes: [] };
    expect(renderPoolState(plan)).not.toContain('run it');
  });
});

describe('runs', () => {
  it('sums the decisions of a run in a few words', () => {
    expect(summarizeRun(run)).toBe('order 7, capped 1 of 2, release 1');
    expect(summarizeRun({ ...run, rules: [{ ...(run.rules[0] as PoolRunView['rules'][number]), decision: 'ok', quantity: 0 }] })).toBe('ok');
  });

  it('writes a line per run in aligned columns, the order id last', () => {
    const older: PoolRunView = { ...run, runId: '1795442126368-66727676', startedAt: '2026-11-23T13:55:26.368Z', dryRun: true, trigger: 'schedule', orderId: undefined };
    expect(renderRuns([run, older]).split('\n')).toEqual([
      `1795442127150-e43372d3  2026-11-23T13:55:27.150Z  applied  api       v3  order 7, capped 1 of 2, release 1  ${ORDER}`,
      '1795442126368-66727676  2026-11-23T13:55:26.368Z  dry-run  schedule  v3  order 7, capped 1 of 2, release 1',
    ]);
  });
});
