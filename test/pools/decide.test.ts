/** The rebalance decision on its own: policy and counts in, one outcome per rule out, no I/O. */
import { describe, expect, it } from 'vitest';
import { decide, fromUnits, needsRate, type RuleCount, toUnits } from '../../functions/lib/pools/decide.js';
import { type PoolPolicy, poolPolicySchema } from '../../functions/lib/pools/policy.js';

const rule = (min: number, target: number, max: number, prefix = '512') => ({ countryIso: 'US', numberType: 'local', prefix, min, target, max }) as const;
const policyOf = (input: Record<string, unknown>): PoolPolicy => poolPolicySchema.parse(input);
/** A count for the rule; `rate` in USD (the decision reads it in units). */
const count = (r: ReturnType<typeof rule>, inPool: number, inTransit = 0, rate?: string): RuleCount => ({
  rule: r,
  inPool,
  inTransit,
  ...(rate === undefined ? {} : { rate: toUnits(rate) }),
});

describe('decide', () => {
  it('leaves a rule between min and max alone (ok, nothing to do)', () => {
    const r = rule(2, 4, 8);
    const decided = decide(policyOf({ rules: [r] }), [count(r, 4), count(r, 2), count(r, 8)]);
    expect(decided.rules.map((o) => [o.decision, o.quantity])).toEqual([
      ['ok', 0],
      ['ok', 0],
      ['ok', 0],
    ]);
    expect(decided).toMatchObject({ estimatedMonthlyIncrease: '0.00', notes: [] });
  });

  it('orders a rule below min up to target, counting what is in transit, and prices it', () => {
    const r = rule(4, 6, 10);
    const [outcome] = decide(policyOf({ rules: [r] }), [count(r, 1, 2, '0.50')]).rules;
    expect(outcome).toEqual({ rule: r, inPool: 1, inTransit: 2, min: 4, target: 6, max: 10, decision: 'order', quantity: 3, estimatedMonthly: '1.50' });
  });

  it('does not order when what is in transit brings the rule to its min', () => {
    const r = rule(4, 6, 10);
    const c = count(r, 1, 3);
    expect(needsRate(c)).toBe(false);
    expect(decide(policyOf({ rules: [r] }), [c]).rules[0]).toMatchObject({ decision: 'ok', quantity: 0 });
  });

  it('orders anyway, with a note, when no stock gave a rate', () => {
    const r = rule(2, 5, 9);
    const decided = decide(policyOf({ rules: [r] }), [count(r, 0)]);
    expect(decided.rules[0]).toMatchObject({ decision: 'order', quantity: 5, note: 'no stock found when estimating the cost; ordered anyway' });
    expect(decided.rules[0]).not.toHaveProperty('estimatedMonthly');
    expect(decided.estimatedMonthlyIncrease).toBe('0.00');
  });

  it('orders everything wanted at a zero rate, whatever the cap', () => {
    const r = rule(2, 5, 9);
    const [outcome] = decide(policyOf({ rules: [r], maxMonthlyIncrease: '0' }), [count(r, 0, 0, '0')]).rules;
    expect(outcome).toMatchObject({ decision: 'order', quantity: 5, estimatedMonthly: '0.00' });
  });

  it('caps by maxMonthlyIncrease, serving rules in policy order, and notes it', () => {
    const first = rule(2, 4, 8, '512');
    const second = rule(2, 4, 8, '737');
    const decided = decide(policyOf({ rules: [first, second], maxMonthlyIncrease: '2.50' }), [count(first, 0, 0, '0.50'), count(second, 0, 0, '0.50')]);
    expect(decided.rules[0]).toMatchObject({ decision: 'order', quantity: 4, estimatedMonthly: '2.00' });
    expect(decided.rules[1]).toMatchObject({ decision: 'capped', quantity: 1, wanted: 4, estimatedMonthly: '0.50', note: 'maxMonthlyIncrease 2.50 allows 1 of 4' });
    expect(decided.estimatedMonthlyIncrease).toBe('2.50');
    expect(decided.notes).toEqual(['capped by maxMonthlyIncrease 2.50']);
  });

  it('caps to nothing once the budget is spent', () => {
    const r = rule(2, 4, 8);
    const [outcome] = decide(policyOf({ rules: [r], maxMonthlyIncrease: '0.10' }), [count(r, 0, 0, '0.50')]).rules;
    expect(outcome).toMatchObject({ decision: 'capped', quantity: 0, wanted: 4, estimatedMonthly: '0.00' });
  });

  it('reports a surplus above max (down to target) when the policy does not release', () => {
    const r = rule(1, 3, 5);
    const [outcome] = decide(policyOf({ rules: [r] }), [count(r, 9)]).rules;
    expect(outcome).toMatchObject({ decision: 'report-surplus', quantity: 6 });
  });

  it('releases a surplus above max down to target when the policy releases surplus', () => {
    const r = rule(1, 3, 5);
    const [outcome] = decide(policyOf({ rules: [r], releaseSurplus: true }), [count(r, 9)]).rules;
    expect(outcome).toMatchObject({ decision: 'release', quantity: 6 });
  });

  it('judges a surplus by the pool alone: numbers in transit do not make one', () => {
    const r = rule(1, 3, 5);
    const [outcome] = decide(policyOf({ rules: [r], releaseSurplus: true }), [count(r, 5, 4)]).rules;
    expect(outcome).toMatchObject({ decision: 'ok', quantity: 0 });
  });

  it('keeps one outcome per rule, in the order of the counts', () => {
    const a = rule(2, 4, 8, '512');
    const b = rule(1, 2, 3, '737');
    const c = rule(0, 0, 0, '415');
    const decided = decide(policyOf({ rules: [a, b, c] }), [count(a, 0, 0, '1'), count(b, 9), count(c, 0)]);
    expect(decided.rules.map((o) => [o.rule.prefix, o.decision])).toEqual([
      ['512', 'order'],
      ['737', 'report-surplus'],
      ['415', 'ok'],
    ]);
  });
});

describe('money in units of 1e-5 USD', () => {
  it('reads Plivo amounts and writes two decimals', () => {
    expect(toUnits('0.8')).toBe(80_000);
    expect(toUnits('0.00123')).toBe(123);
    expect(toUnits(null)).toBe(0);
    expect(toUnits('')).toBe(0);
    expect(fromUnits(250_000)).toBe('2.50');
  });
});
