/**
 * The decision of a rebalance, without I/O: given the policy and each rule's counts (and, for a
 * rule below its min, the cheapest rental Plivo offers), what to do per rule — order the deficit
 * up to target (capped by `maxMonthlyIncrease`), release or report the surplus above max down to
 * target, or nothing.
 */
import type { PoolPolicy, PoolRule } from './policy.js';
import type { RuleOutcome } from './run-record.js';

/** Money as integer units of 1e-5 USD (Plivo gives up to 5 decimals). */
const UNIT = 100_000;
export function toUnits(amount: string | number | null | undefined): number {
  if (amount === null || amount === undefined || amount === '') return 0;
  return Math.round(Number(amount) * UNIT);
}
export const fromUnits = (units: number): string => (units / UNIT).toFixed(2);

/** One rule, counted. */
export interface RuleCount {
  rule: PoolRule;
  inPool: number;
  inTransit: number;
  /**
   * The cheapest monthly rental of the rule's numbers, in units (toUnits); undefined when Plivo
   * has no stock. Read only for a rule below its min (`needsRate`).
   */
  rate?: number | undefined;
}

export interface Decisions {
  /** One outcome per rule, in the policy's order. */
  rules: RuleOutcome[];
  /** What the orders add to the monthly rental (USD). */
  estimatedMonthlyIncrease: string;
  notes: string[];
}

/** Whether the rule is below its min: it orders, and its rental rate is needed. */
export function needsRate(count: Pick<RuleCount, 'rule' | 'inPool' | 'inTransit'>): boolean {
  return count.inPool + count.inTransit < count.rule.min;
}

/**
 * Decides every rule. Below min (numbers in the pool and in transit): `order` up to target, or
 * `capped` when the cost guard allows fewer (rules earlier in the policy are served first); an
 * order is placed even without a known rate (noted). Above max (in the pool alone):
 * `release` down to target when the policy releases surplus, else `report-surplus`.
 */
export function decide(policy: PoolPolicy, counts: readonly RuleCount[]): Decisions {
  const cap = policy.maxMonthlyIncrease === undefined ? Infinity : toUnits(policy.maxMonthlyIncrease);
  let spent = 0;
  const rules = counts.map((count): RuleOutcome => {
    const { rule, inPool, inTransit } = count;
    const outcome: RuleOutcome = { rule, inPool, inTransit, min: rule.min, target: rule.target, max: rule.max, decision: 'ok', quantity: 0 };
    if (needsRate(count)) {
      const wanted = rule.target - inPool - inTransit;
      const { rate } = count;
      if (rate === undefined) return { ...outcome, decision: 'order', quantity: wanted, note: 'no stock found when estimating the cost; ordered anyway' };
      const fits = rate === 0 ? wanted : Math.max(0, Math.min(wanted, Math.floor((cap - spent) / rate)));
      spent += fits * rate;
      return {
        ...outcome,
        decision: fits < wanted ? 'capped' : 'order',
        quantity: fits,
        ...(fits < wanted ? { wanted, note: `maxMonthlyIncrease ${policy.maxMonthlyIncrease ?? ''} allows ${fits} of ${wanted}` } : {}),
        estimatedMonthly: fromUnits(fits * rate),
      };
    }
    if (inPool > rule.max) return { ...outcome, decision: policy.releaseSurplus ? 'release' : 'report-surplus', quantity: inPool - rule.target };
    return outcome;
  });
  const notes = rules.some((r) => r.decision === 'capped') ? [`capped by maxMonthlyIncrease ${policy.maxMonthlyIncrease ?? ''}`] : [];
  return { rules, estimatedMonthlyIncrease: fromUnits(spent), notes };
}
