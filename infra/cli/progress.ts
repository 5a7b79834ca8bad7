/**
 * An order's progress as text: a bar per line on a terminal, plain lines otherwise (logs, CI,
 * pipes). Takes the API's order view (`GET /orders/{id}`, or `toOrderView` on store items), so
 * the CLI and the local stack's demo show the same thing.
 */
import { terminalOrderStatuses, type OrderStatus } from '../../functions/lib/orders/model.js';
import type { OrderLineView, OrderView } from '../../functions/lib/orders/contract.js';

export interface ProgressOptions {
  /** Bars and colours (a terminal) or plain lines. */
  tty: boolean;
  /** ANSI colours; only with `tty`. @default same as `tty` */
  color?: boolean;
  /** Width of each bar, in characters. @default 24 */
  barWidth?: number;
  /** Also show each line's plan (groups and prices). @default false */
  detail?: boolean;
  /**
   * The terminal's width: on a terminal, each line is cut to fit it, so that a redraw in place
   * (which counts lines) never leaves a wrapped line's tail behind. @default no limit
   */
  columns?: number;
}

/** What the renderers take: the API's order view. */
export type OrderProgress = OrderView;

const SUCCESS: readonly OrderStatus[] = ['COMPLETED', 'PLANNED'];

/** The order has ended (successfully or not): nothing more will change. */
export function isTerminal(status: OrderStatus): boolean {
  return terminalOrderStatuses.includes(status);
}

/** Whether `watch` should stop, and whether that is a success. */
export function progressState(status: OrderStatus): 'running' | 'succeeded' | 'failed' {
  if (!isTerminal(status)) return 'running';
  return SUCCESS.includes(status) ? 'succeeded' : 'failed';
}

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' } as const;

function paint(text: string, codes: readonly (keyof typeof ANSI)[], color: boolean): string {
  return color && codes.length > 0 ? `${codes.map((c) => ANSI[c]).join('')}${text}${ANSI.reset}` : text;
}

function statusColor(status: string): (keyof typeof ANSI)[] {
  if (status === 'COMPLETED' || status === 'PLANNED') return ['green'];
  if (['FAILED', 'ROLLED_BACK', 'CANCELLED'].includes(status)) return ['red'];
  if (status === 'PARTIAL' || status === 'PENDING_REGULATORY') return ['yellow'];
  return ['cyan'];
}

function describeLine(line: OrderLineView): string {
  const { countryIso, numberType, prefix, region, services, numbers, complianceApplicationId } = line.request;
  return [
    countryIso,
    numberType,
    prefix ? `prefix ${prefix}` : '',
    region ? `region ${region}` : '',
    services ? services.join('+') : '',
    numbers ? (numbers.length === 1 ? `number ${numbers[0] ?? ''}` : `${numbers.length} numbers`) : '',
    complianceApplicationId ? `compliance ${complianceApplicationId}` : '',
    line.campaignId ? `10DLC ${line.campaignId}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** What a line's bar counts toward its goal: planned numbers for a dry run, verified otherwise. */
function goal(line: OrderLineView, dryRun: boolean): { done: number; of: number; label: string } {
  const { counts } = line;
  return dryRun ? { done: counts.planned, of: counts.requested, label: 'planned' } : { done: counts.verified, of: counts.requested, label: 'verified' };
}

/** Verified █, assigned ▓, rented ▒, the rest ░ (planned █ for a dry run). */
function bar(line: OrderLineView, dryRun: boolean, width: number): string {
  const { counts } = line;
  const total = Math.max(counts.requested, 1);
  const cells = (n: number) => Math.min(width, Math.round((Math.max(0, n) / total) * width));
  if (dryRun) {
    const planned = cells(counts.planned);
    return '█'.repeat(planned) + '░'.repeat(width - planned);
  }
  const verified = cells(counts.verified);
  const assigned = Math.max(0, cells(counts.assigned) - verified);
  const rented = Math.max(0, cells(counts.rented) - verified - assigned);
  const rest = Math.max(0, width - verified - assigned - rented);
  return '█'.repeat(verified) + '▓'.repeat(assigned) + '▒'.repeat(rented) + '░'.repeat(rest);
}

function extraCounts(line: OrderLineView): string {
  const { counts } = line;
  const parts = (['failed', 'released', 'leaked'] as const).filter((name) => counts[name] > 0).map((name) => `${name} ${counts[name]}`);
  // A line with a 10DLC campaign: how many of its numbers are linked (ready to send).
  return [...(line.campaignId ? [`linked ${counts.linked}`] : []), ...parts].join(' ');
}

/**
 * The status a line shows: the recorded one, except that a line whose numbers are all verified
 * shows VERIFIED while other lines still work (its final status is written when the order ends).
 */
function shownStatus(line: OrderLineView, dryRun: boolean): string {
  const working = !['COMPLETED', 'PARTIAL', 'FAILED', 'ROLLED_BACK', 'PENDING_REGULATORY', 'PLANNED'].includes(line.status);
  return !dryRun && working && line.counts.requested > 0 && line.counts.verified >= line.counts.requested ? 'VERIFIED' : line.status;
}

// ANSI colour codes take no room on screen.
// eslint-disable-next-line no-control-regex -- the escape character is what the codes start with
const ANSI_CODE = /(\u001b\[[0-9;]*m)/;

/** Cuts `text` to `width` characters on screen, ending in … when cut (colour codes kept, and reset). */
export function fitWidth(text: string, width: number): string {
  let shown = 0;
  let out = '';
  for (const part of text.split(ANSI_CODE)) {
    if (ANSI_CODE.test(part)) {
      out += part;
      continue;
    }
    const chars = [...part];
    if (shown + chars.length <= width) {
      out += part;
      shown += chars.length;
      continue;
    }
    out += `${chars.slice(0, Math.max(0, width - shown - 1)).join('')}…`;
    return ANSI_CODE.test(text) ? `${out}${ANSI.reset}` : out;
  }
  return out;
}

function lineNotes(line: OrderLineView, options: Required<ProgressOptions>, indent: string): string[] {
  const notes: string[] = [];
  // Plivo's regulatory text, while the line waits on it (not once it has been answered).
  if (line.pendingDetails && line.status === 'PENDING_REGULATORY') notes.push(`${indent}pending: ${line.pendingDetails}`);
  for (const error of line.errors) notes.push(paint(`${indent}error: ${error.name}: ${error.plivoMessage ?? error.message}`, ['red'], options.color));
  if (options.detail) {
    for (const group of line.plan) {
      const where = [group.prefix && `prefix ${group.prefix}`, group.region].filter(Boolean).join(', ');
      notes.push(`${indent}plan: group ${group.groupId} ×${group.quantity}${where ? ` (${where})` : ''} setup ${group.setupRate ?? '?'} monthly ${group.rentalRate ?? '?'}`);
    }
  }
  return notes;
}

/** The order's progress, one line of text per order line (plus notes), without a trailing newline. */
export function renderProgress(order: OrderView, options: ProgressOptions): string {
  const opts: Required<ProgressOptions> = { color: options.tty, barWidth: 24, detail: false, columns: Infinity, ...options, ...(options.tty ? {} : { color: false }) };
  const { totals } = order;
  const overall = order.dryRun ? `${totals.planned}/${totals.requested} planned` : `${totals.verified}/${totals.requested} verified`;
  const flags = [order.dryRun ? 'dry run' : '', order.rollback ? `rollback: ${order.rollback}` : ''].filter(Boolean).join(', ');
  const header = `order ${order.orderId} ${paint(order.status, ['bold', ...statusColor(order.status)], opts.color)} ${overall}${flags ? ` (${flags})` : ''}`;
  const out = [header];

  if (opts.tty) {
    const labels = order.lines.map((line) => `#${line.line} ${describeLine(line)}`);
    const labelWidth = Math.min(32, Math.max(...labels.map((l) => l.length), 0));
    const countWidth = String(Math.max(...order.lines.map((l) => l.counts.requested), 0)).length;
    order.lines.forEach((line, i) => {
      const g = goal(line, order.dryRun);
      const label = (labels[i] ?? '').slice(0, labelWidth).padEnd(labelWidth);
      const count = `${String(g.done).padStart(countWidth)}/${String(g.of).padEnd(countWidth)} ${g.label}`;
      const extra = extraCounts(line);
      const status = shownStatus(line, order.dryRun);
      out.push(`  ${label} ${paint(bar(line, order.dryRun, opts.barWidth), statusColor(status), opts.color)} ${count}  ${paint(status, statusColor(status), opts.color)}${extra ? `  ${extra}` : ''}`);
      out.push(...lineNotes(line, opts, '      '));
    });
  } else {
    for (const line of order.lines) {
      const { counts } = line;
      const figures = order.dryRun
        ? `planned ${counts.planned}/${counts.requested}`
        : `requested ${counts.requested} rented ${counts.rented} assigned ${counts.assigned} verified ${counts.verified}`;
      const extra = extraCounts(line);
      out.push(`line ${line.line} ${describeLine(line)}: ${shownStatus(line, order.dryRun)} ${figures}${extra ? ` ${extra}` : ''}`);
      out.push(...lineNotes(line, opts, '  '));
    }
  }
  if (opts.tty && opts.detail && order.lines.length > 0) {
    out.push(paint(order.dryRun ? '  █ planned  ░ not yet' : '  █ verified  ▓ assigned  ▒ rented  ░ not yet', ['dim'], opts.color));
  }
  for (const error of order.errors) {
    const where = error.line === undefined ? '' : ` (line ${error.line})`;
    out.push(paint(`error${where}: ${error.name}: ${error.plivoMessage ?? error.message}`, ['red'], opts.color));
  }
  // The last column of a terminal is left free: some wrap as soon as it is written.
  return (opts.tty && Number.isFinite(opts.columns) ? out.map((line) => fitWidth(line, opts.columns - 1)) : out).join('\n');
}

const SUMMARY_COUNTS = ['requested', 'planned', 'rented', 'assigned', 'verified', 'failed', 'released', 'leaked'] as const;

/** A table of every line's counts and a total row: for the end of an order. Plain text. */
export function renderSummary(order: OrderProgress): string {
  const rows: string[][] = [
    ['line', 'request', 'status', ...SUMMARY_COUNTS],
    ...order.lines.map((line) => [String(line.line), describeLine(line), line.status, ...SUMMARY_COUNTS.map((name) => String(line.counts[name]))]),
    ['total', '', order.status, ...SUMMARY_COUNTS.map((name) => String(order.totals[name]))],
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  // Text columns left-aligned, counts right-aligned.
  const format = (row: string[]) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd();
  return rows.map(format).join('\n');
}
