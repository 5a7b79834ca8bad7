/**
 * Pool rebalancing as text, for the CLI's `pool` commands: a policy, the plan of the next run
 * (`GET /pools/{uuid}`), a run record, and a line per run. Takes the API's answers as the
 * client returns them. The table headings are the API's field names, so text and `--json` read
 * alike.
 */
import type { PoolRunView, StoredPolicyView } from '../../functions/lib/orders/contract.js';
import { ordersCommand } from './hints.js';

/** What the suggested commands need: the API's URL (added as --url unless it is the default). */
export interface Hints {
  url?: string;
}

type RuleOutcomeView = PoolRunView['rules'][number];

/** `US local prefix 512`, `US local region Texas`: a rule (policy or run) in words. */
export function describeRule(rule: Record<string, unknown>): string {
  const word = (name: string) => (typeof rule[name] === 'string' || typeof rule[name] === 'number' ? String(rule[name]) : '');
  const prefix = word('prefix');
  const region = word('region');
  return [word('countryIso'), word('numberType'), prefix && `prefix ${prefix}`, region && `region ${region}`].filter(Boolean).join(' ');
}

/** Columns padded to their widest cell; the columns in `numeric` right-aligned. */
function table(rows: readonly (readonly string[])[], numeric: ReadonlySet<number>): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

const settingText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
// The store gives the policy's fields in any order: show them as docs/pools.md lists them, others after.
const SETTINGS_ORDER = ['service', 'releaseSurplus', 'releaseWithinDaysOfRenewal', 'maxMonthlyIncrease', 'partialAllowed', 'callbackUrl'];
const settingRank = (name: string) => (SETTINGS_ORDER.includes(name) ? SETTINGS_ORDER.indexOf(name) : SETTINGS_ORDER.length);

/** The policy, its version and settings, and a row per rule. */
export function renderPolicy(stored: StoredPolicyView): string {
  const { rules, ...settings } = stored.policy;
  const ruleList = Array.isArray(rules) ? (rules as Record<string, unknown>[]) : [];
  const rows = [['#', 'rule', 'min', 'target', 'max'], ...ruleList.map((rule, i) => [String(i), describeRule(rule), settingText(rule.min), settingText(rule.target), settingText(rule.max)])];
  return [
    `pool ${stored.poolUuid} policy version ${stored.version} (updated ${stored.updatedAt})`,
    Object.entries(settings)
      .sort(([a], [b]) => settingRank(a) - settingRank(b) || a.localeCompare(b))
      .map(([name, value]) => `${name} ${settingText(value)}`)
      .join('  '),
    ...table(rows, new Set([0, 2, 3, 4])),
  ].join('\n');
}

const RUN_COLUMNS = ['#', 'rule', 'inPool', 'inTransit', 'min', 'target', 'max', 'decision', 'quantity', 'orderId'] as const;

/** What a rule's row cannot hold: the cost guard, the estimate, the numbers released, the note. */
function ruleDetails(outcome: RuleOutcomeView, index: number): string[] {
  const details: string[] = [];
  if (outcome.wanted !== undefined) details.push(`wanted ${outcome.wanted}`);
  if (outcome.estimatedMonthly !== undefined && outcome.quantity > 0) details.push(`estimated monthly ${outcome.estimatedMonthly} USD`);
  if (outcome.note) details.push(outcome.note);
  const lines = details.length ? [`  #${index}: ${details.join('; ')}`] : [];
  for (const released of outcome.released ?? []) {
    lines.push(`  #${index}: ${released.number} ${released.outcome}${released.error ? `: ${released.error}` : ''}`);
  }
  return lines;
}

function ruleTable(run: PoolRunView): string[] {
  const rows = [
    [...RUN_COLUMNS],
    ...run.rules.map((outcome, i) => [
      String(i),
      describeRule(outcome.rule),
      ...[outcome.inPool, outcome.inTransit, outcome.min, outcome.target, outcome.max].map(String),
      outcome.decision,
      String(outcome.quantity),
      outcome.orderId ?? '',
    ]),
  ];
  return [...table(rows, new Set([0, 2, 3, 4, 5, 6, 8])), ...run.rules.flatMap(ruleDetails)];
}

/** Numbers a run orders (or would): its `order` and `capped` rules. */
function toOrder(run: PoolRunView): number {
  return run.rules.filter((r) => r.decision === 'order' || r.decision === 'capped').reduce((sum, r) => sum + r.quantity, 0);
}

const notes = (run: PoolRunView) => run.notes.map((note) => `note: ${note}`);

/** `GET /pools/{uuid}`: the state per rule and what a run now would decide. */
export function renderPoolState(plan: PoolRunView, hints: Hints = {}): string {
  const wanted = toOrder(plan);
  const acts = plan.rules.some((r) => r.decision !== 'ok');
  return [
    `pool ${plan.poolUuid}, policy version ${plan.policyVersion}: what a run now would decide (nothing recorded)`,
    ...ruleTable(plan),
    ...(wanted > 0 ? [`a run would order ${wanted} ${wanted === 1 ? 'number' : 'numbers'}, estimated monthly increase ${plan.estimatedMonthlyIncrease} USD`] : []),
    ...notes(plan),
    ...(acts ? [`run it: ${ordersCommand(`pool rebalance ${plan.poolUuid}`, hints.url)}`] : []),
  ].join('\n');
}

/** `POST /pools/{uuid}/rebalance`: the run as recorded. */
export function renderRun(run: PoolRunView, hints: Hints = {}): string {
  const ordered = toOrder(run);
  const lines = [
    `run ${run.runId} of pool ${run.poolUuid}: ${run.dryRun ? 'dry run, nothing ordered or released' : 'applied'} (policy version ${run.policyVersion}, ${run.trigger}, ${run.startedAt})`,
    ...ruleTable(run),
  ];
  if (run.orderId) {
    const how = run.orderCreated === false ? 'was already placed in this window with the same plan' : 'placed';
    lines.push(`order ${run.orderId} ${how}: ${ordered} ${ordered === 1 ? 'number' : 'numbers'}; watch it: ${ordersCommand(`watch ${run.orderId}`, hints.url)}`);
  } else if (run.dryRun && ordered > 0) {
    lines.push(`would order ${ordered} ${ordered === 1 ? 'number' : 'numbers'}`);
  }
  if (ordered > 0) lines.push(`estimated monthly increase ${run.estimatedMonthlyIncrease} USD`);
  lines.push(...notes(run));
  return lines.join('\n');
}

/** What a run decided, in a few words: `order 7, report-surplus 5`, or `ok`. */
export function summarizeRun(run: PoolRunView): string {
  const totals = new Map<string, { quantity: number; wanted: number }>();
  for (const outcome of run.rules) {
    if (outcome.decision === 'ok') continue;
    const total = totals.get(outcome.decision) ?? { quantity: 0, wanted: 0 };
    total.quantity += outcome.quantity;
    total.wanted += outcome.wanted ?? outcome.quantity;
    totals.set(outcome.decision, total);
  }
  if (totals.size === 0) return 'ok';
  return [...totals].map(([decision, { quantity, wanted }]) => (decision === 'capped' ? `capped ${quantity} of ${wanted}` : `${decision} ${quantity}`)).join(', ');
}

/** One line per run, newest first as given, in aligned columns: id, start, dry run or applied, trigger, policy version, decisions, order. */
export function renderRuns(runs: readonly PoolRunView[]): string {
  const rows = runs.map((run) => [run.runId, run.startedAt, run.dryRun ? 'dry-run' : 'applied', run.trigger, `v${run.policyVersion}`, summarizeRun(run), run.orderId ?? '']);
  return table(rows, new Set()).join('\n');
}
