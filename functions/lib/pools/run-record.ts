/**
 * What a rebalance run decides and records, rule by rule: shared by the run, its steps, its
 * webhooks and its store (which therefore imports nothing of the run's dependencies).
 */
import type { PoolRule } from './policy.js';

export type Decision = 'ok' | 'order' | 'release' | 'report-surplus' | 'capped';

export interface RuleOutcome {
  rule: PoolRule;
  inPool: number;
  inTransit: number;
  min: number;
  target: number;
  max: number;
  decision: Decision;
  /** Numbers ordered, released or reported (0 for ok). */
  quantity: number;
  /** For `capped`: what the deficit was before the cost guard. */
  wanted?: number;
  /** Estimated monthly rental added by this rule (USD). */
  estimatedMonthly?: string;
  orderId?: string;
  /** Numbers removed from the pool and unrented, one by one. */
  released?: { number: string; outcome: 'released' | 'failed'; error?: string }[];
  note?: string;
}

export interface RunRecord {
  runId: string;
  poolUuid: string;
  policyVersion: number;
  dryRun: boolean;
  trigger: 'api' | 'schedule';
  window: string;
  startedAt: string;
  finishedAt: string;
  rules: RuleOutcome[];
  orderId?: string;
  /** Every order placed, when the deficit took more than one (the order limits: 40 lines, 100,000 numbers). */
  orderIds?: string[];
  /** False when the window's order already existed (a retried or overlapping run). */
  orderCreated?: boolean;
  estimatedMonthlyIncrease: string;
  notes: string[];
  /** Webhook deliveries this run recorded (`pool.rebalanced`, `pool.surplus`). */
  webhooks?: { type: string; deliveryId: string }[];
  /**
   * `running` while it acts (recorded before the first order or release, so that a run cut off
   * is found), `finished`, or `interrupted`: cut off, and finished by a later run from what the
   * store and the account say it did.
   */
  state?: 'running' | 'finished' | 'interrupted';
}

/** The rules that order: `order` or `capped`, with something left to order. */
export function rulesToOrder(rules: readonly RuleOutcome[]): RuleOutcome[] {
  return rules.filter((r) => (r.decision === 'order' || r.decision === 'capped') && r.quantity > 0);
}
