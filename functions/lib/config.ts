/**
 * Configuration, read once at module load by handlers and failing at cold start with the
 * variable's name. Domain code never reads `process.env`; it takes these values as arguments.
 */
import { ConfigurationError } from './errors.js';
import { PLIVO_DEFAULT_BASE_URL } from './plivo/http.js';
import { DEFAULT_BACKGROUND_SHARE, parseBackgroundShare, parseRateLimit, PLIVO_DEFAULT_RATE_LIMIT, type RateLimit } from './plivo/rate-limit.js';

export type Env = Record<string, string | undefined>;

export function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigurationError(`${name} is not set`);
  return value;
}

/** The value, or `undefined` when unset or blank (an optional setting). */
export function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function positiveInteger(env: Env, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive integer; got "${text}"`);
  return value;
}

/** A number of at least 0 (fractions allowed), or `fallback` when unset. */
export function nonNegativeNumber(env: Env, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new ConfigurationError(`${name} must be a number of at least 0; got "${text}"`);
  return value;
}

/** Work slots when `WORK_SLOTS` is unset: line steps in flight across the account. */
export const DEFAULT_WORK_SLOTS = 20;

/**
 * `WORK_SLOTS`: line steps (Rent, AssignToPool, Verify) in flight at once across the account
 * (workflow/work-slots.ts); a positive integer, or "off" for no limit. @default 20
 */
export function readWorkSlots(env: Env): number | undefined {
  if (/^\s*off\s*$/i.test(env.WORK_SLOTS ?? '')) return undefined;
  return positiveInteger(env, 'WORK_SLOTS', DEFAULT_WORK_SLOTS);
}

/** Plivo settings; the credentials are not here: runtime/secrets.ts `plivoCredentialSource` gives them. */
export interface PlivoConfig {
  /** `PLIVO_BASE_URL` @default "https://api.plivo.com" */
  baseUrl: string;
  /** `PLIVO_RATE_LIMIT` ("300/5s", or "off") @default 300 per 5 s */
  rateLimit: RateLimit | null;
  /** `PLIVO_TIMEOUT_MS` @default 10000 */
  timeoutMs: number;
  /** `PLIVO_BACKGROUND_SHARE`: the share of each rate window background work may take (0 < x ≤ 1) @default 0.2 */
  backgroundShare: number;
}

/** Plivo settings: `PLIVO_BASE_URL`, `PLIVO_RATE_LIMIT`, `PLIVO_TIMEOUT_MS`, `PLIVO_BACKGROUND_SHARE`. */
export function readPlivoConfig(env: Env = process.env): PlivoConfig {
  const baseUrl = env.PLIVO_BASE_URL?.trim() || PLIVO_DEFAULT_BASE_URL;
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigurationError(`PLIVO_BASE_URL must be a URL; got "${baseUrl}"`);
  }
  return {
    baseUrl,
    rateLimit: env.PLIVO_RATE_LIMIT === undefined ? PLIVO_DEFAULT_RATE_LIMIT : parseRateLimit(env.PLIVO_RATE_LIMIT),
    timeoutMs: positiveInteger(env, 'PLIVO_TIMEOUT_MS', 10_000),
    backgroundShare: env.PLIVO_BACKGROUND_SHARE === undefined ? DEFAULT_BACKGROUND_SHARE : parseBackgroundShare(env.PLIVO_BACKGROUND_SHARE),
  };
}

/** The reconciler's settings (`functions/reconciler`). */
export interface ReconcilerConfig {
  /** `STATE_MACHINE_ARN`: where orders left unstarted are started; unset, that sweep is skipped. */
  stateMachineArn: string | undefined;
  /** `UNSTARTED_GRACE_SECONDS`: how old an unstarted order must be before the sweep starts it. @default 60 */
  unstartedGraceSeconds: number;
  /** `ORPHAN_SCAN_HOURS`: hours between whole-account reads for the orphan report. @default 24 */
  orphanScanHours: number;
}

export function readReconcilerConfig(env: Env): ReconcilerConfig {
  return {
    stateMachineArn: optional(env, 'STATE_MACHINE_ARN'),
    unstartedGraceSeconds: nonNegativeNumber(env, 'UNSTARTED_GRACE_SECONDS', 60),
    orphanScanHours: nonNegativeNumber(env, 'ORPHAN_SCAN_HOURS', 24),
  };
}

/** The scheduled pool rebalance's settings (`functions/rebalance`). */
export interface RebalanceConfig {
  /**
   * `STATE_MACHINE_ARN`: where the orders a run places are started. Optional here because a
   * scheduled event may name the state machine itself; a run with neither fails naming the variable.
   */
  stateMachineArn: string | undefined;
  /** `REBALANCE_WINDOW_SECONDS`: the schedule's interval, the window of a run's idempotency key. @default 3600 */
  windowSeconds: number;
}

export function readRebalanceConfig(env: Env): RebalanceConfig {
  return {
    stateMachineArn: optional(env, 'STATE_MACHINE_ARN'),
    windowSeconds: positiveInteger(env, 'REBALANCE_WINDOW_SECONDS', 3600),
  };
}
