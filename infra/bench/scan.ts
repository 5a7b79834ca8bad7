/**
 * The reconciler's orphan scan over an account of N numbers: the reconciler is invoked again and
 * again (as its schedule would) until one whole pass over the account is done, and every Plivo
 * call it made is counted, with the busiest rate-limit window's share of the limit.
 */
import type { ReconciliationReport } from '../../functions/lib/workflow/regulatory.js';
import { busiestWindow, callsPerWindow } from './windows.js';
import { countCalls } from './call-log.js';
import { round, unitsLessIdle, type BenchContext } from './context.js';
import { unitsBetween } from './dynamodb-meter.js';
import { gbSeconds } from './cost.js';
import { FUNCTION_MEMORY_MB } from '../stack/function-memory.js';

/** What the benchmark reads of a reconciler report. */
export type ScanReport = Pick<ReconciliationReport, 'accountPass'>;

/** Whether this invocation finished a whole pass over the account (the reconciler reads it in slices). */
export function passComplete(report: ScanReport): boolean {
  return report.accountPass?.complete === true;
}

export interface ScanResult {
  accountNumbers: number;
  plivoCalls: number;
  plivoCallsByEndpoint: Record<string, number>;
  /** One account listing page per 20 numbers. */
  lowerBoundCalls: number;
  invocations: number;
  seconds: number;
  /** The most calls in any interval of the rate-limit window's length (sliding), and its share of the limit (null without a limit). */
  busiestWindowCalls: number;
  busiestWindowShare: number | null;
  /** The most calls in one clock-aligned window (how the limit is counted), and its share. */
  busiestClockWindowCalls: number;
  busiestClockWindowShare: number | null;
  /** 429s the sandbox answered during the scan (null without the sandbox). */
  http429: number | null;
  lambdaGbSeconds: number;
  dynamoDbUnits: { read: number; write: number };
}

/** At most this many invocations for one pass: a reconciler that never says it is done fails the bench. */
const MAX_INVOCATIONS = 1_000;

export async function runScanBench(ctx: BenchContext): Promise<ScanResult> {
  const { stack, calls, meter, sandbox } = ctx;
  const accountNumbers = sandbox?.snapshot().numbers.length ?? 0;
  const sandboxBefore = sandbox?.snapshot().requests;
  const mark = calls.mark();
  const unitsBefore = meter.snapshot();
  const started = Date.now();
  const durations: number[] = [];
  let invocations = 0;
  for (;;) {
    if (invocations >= MAX_INVOCATIONS) throw new Error(`the reconciler did not finish a pass over the account in ${MAX_INVOCATIONS} invocations`);
    const invoked = Date.now();
    const report = (await calls.within('reconciler', () => stack.reconciler.runOnce())) as ScanReport;
    durations.push(Date.now() - invoked);
    invocations++;
    if (passComplete(report)) break;
  }
  const seconds = (Date.now() - started) / 1000;
  const made = calls.since(mark, 'reconciler');
  const counts = countCalls(made);
  const windowMs = ctx.rateLimit?.windowMs ?? 1_000;
  const times = made.map((call) => call.at);
  const busiest = busiestWindow(times, windowMs);
  const busiestClock = Math.max(0, ...callsPerWindow(times, Math.floor(started / windowMs) * windowMs, windowMs));
  let http429: number | null = null;
  if (sandbox) {
    http429 = 0;
    for (const [route, counts] of Object.entries(sandbox.snapshot().requests.byRoute)) http429 += (counts['429'] ?? 0) - (sandboxBefore?.byRoute[route]?.['429'] ?? 0);
  }
  const units = unitsLessIdle(unitsBetween(unitsBefore, meter.snapshot()), seconds, ctx.idleUnitsPerSecond);
  return {
    accountNumbers,
    plivoCalls: counts.total,
    plivoCallsByEndpoint: counts.byRoute,
    lowerBoundCalls: Math.ceil(accountNumbers / 20),
    invocations,
    seconds: round(seconds),
    busiestWindowCalls: busiest,
    busiestWindowShare: ctx.rateLimit ? round(busiest / ctx.rateLimit.requests, 3) : null,
    busiestClockWindowCalls: busiestClock,
    busiestClockWindowShare: ctx.rateLimit ? round(busiestClock / ctx.rateLimit.requests, 3) : null,
    http429,
    lambdaGbSeconds: round(gbSeconds(durations, FUNCTION_MEMORY_MB), 2),
    dynamoDbUnits: { read: round(units.read, 1), write: round(units.write, 1) },
  };
}
