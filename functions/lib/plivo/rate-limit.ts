/**
 * Plivo's rate limit (300 requests per 5 seconds per account) and the limiters that keep us under it.
 *
 * Plivo does not publish how it counts. We count in fixed windows aligned to the clock
 * (window k covers [k·W, (k+1)·W)), the same way in three places, so that they agree:
 * the Plivo sandbox (which answers 429 beyond the limit), the in-memory limiter below (one
 * process), and the DynamoDB-leased limiter (every process of an account, one item per window).
 * Who gets the next token is decided here too: turns between the keys of waiting calls, customer
 * calls before background calls, and background calls within their share of each window.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError } from '../errors.js';
import { currentPlivoCallContext, type PlivoCallContext, type PlivoCallPriority } from './call-context.js';

/** Waits `ms`; if `signal` aborts, rejects with the signal's own reason (not a generic AbortError). */
export async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw error;
  }
}

export interface RateLimit {
  /** Requests allowed in one window. */
  requests: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/** Plivo's documented limit. */
export const PLIVO_DEFAULT_RATE_LIMIT: RateLimit = { requests: 300, windowMs: 5_000 };

const RATE_LIMIT_PATTERN = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m)\s*$/;

/**
 * Parses `"300/5s"`, `"60/1m"`, `"10/500ms"`; `"off"` (or `"none"`, `"0"`) means no limit (`null`).
 * @throws ConfigurationError naming the setting when the text is not of that form.
 */
export function parseRateLimit(text: string, setting = 'PLIVO_RATE_LIMIT'): RateLimit | null {
  if (/^\s*(off|none|0)\s*$/i.test(text)) return null;
  const match = RATE_LIMIT_PATTERN.exec(text);
  const requests = Number(match?.[1]);
  const amount = match?.[2] === undefined ? 1 : Number(match[2]);
  const unitMs = { ms: 1, s: 1_000, m: 60_000 }[match?.[3] ?? 's'] ?? 1_000;
  const windowMs = amount * unitMs;
  if (!match || !Number.isInteger(requests) || requests < 1 || !(windowMs >= 1)) {
    throw new ConfigurationError(
      `${setting} must look like "300/5s" (requests per window, units ms|s|m) or "off"; got "${text}"`,
    );
  }
  return { requests, windowMs };
}

/** The share of each window background calls may take when nothing says otherwise. */
export const DEFAULT_BACKGROUND_SHARE = 0.2;

const shareMessage = (setting: string, got: string) =>
  `${setting} must be a number above 0 and at most 1 (the share of each window's requests background calls may take); got "${got}"`;

/**
 * Reads a background share (`"0.2"`).
 * @throws ConfigurationError naming the setting unless 0 < share ≤ 1.
 */
export function parseBackgroundShare(text: string, setting = 'PLIVO_BACKGROUND_SHARE'): number {
  const share = text.trim() === '' ? Number.NaN : Number(text);
  if (!(share > 0 && share <= 1)) throw new ConfigurationError(shareMessage(setting, text));
  return share;
}

function checkBackgroundShare(share: number): number {
  if (!(share > 0 && share <= 1)) throw new ConfigurationError(shareMessage('backgroundShare', String(share)));
  return share;
}

/** Background requests per window: the share of the limit, rounded down, at least 1 (or they could never run). */
function backgroundRequestsOf(limit: RateLimit, share: number): number {
  // The epsilon keeps 0.29 × 100 (28.999…96 in floating point) at 29.
  return Math.max(1, Math.floor(limit.requests * share + 1e-9));
}

export function formatRateLimit(limit: RateLimit | null): string {
  if (limit === null) return 'off';
  return limit.windowMs % 1_000 === 0 ? `${limit.requests}/${limit.windowMs / 1_000}s` : `${limit.requests}/${limit.windowMs}ms`;
}

/**
 * Counts requests in clock-aligned fixed windows. `tryTake` either admits a request (0) or says
 * how many milliseconds remain until the next window opens. Pure bookkeeping; no timers.
 */
export class FixedWindowCounter {
  private window = Number.NaN;
  private used = 0;

  constructor(readonly limit: RateLimit) {}

  /** Index of the window that holds `nowMs`. */
  windowOf(nowMs: number): number {
    return Math.floor(nowMs / this.limit.windowMs);
  }

  /** Milliseconds from `nowMs` until the window after the current one opens. */
  msUntilNextWindow(nowMs: number): number {
    return (this.windowOf(nowMs) + 1) * this.limit.windowMs - nowMs;
  }

  /** Requests still allowed in the window that holds `nowMs`. */
  remaining(nowMs: number): number {
    return this.windowOf(nowMs) === this.window ? this.limit.requests - this.used : this.limit.requests;
  }

  /** 0 when admitted (and counted); otherwise the wait in ms before a token can exist. */
  tryTake(nowMs: number, count = 1): number {
    const window = this.windowOf(nowMs);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
    if (this.used + count <= this.limit.requests) {
      this.used += count;
      return 0;
    }
    return this.msUntilNextWindow(nowMs);
  }
}

/**
 * What every Plivo call takes a token from. One instance is shared by all calls of a process;
 * `penalize` is called when Plivo answers 429, so that every caller waits, not only the one that
 * saw it.
 */
export interface RateLimiter {
  /** Resolves when one request may be sent. Rejects if `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Plivo said 429 with this `Retry-After`: hold every caller until then. */
  penalize(retryAfterMs: number): void;
}

/**
 * A client grants no token in the last `edgeGuardMs` of a window: a request granted just before
 * the window closes could reach Plivo after it has closed and count against the next window,
 * whose whole budget another burst may already use (measured here: 126 of 1,197 calls got 429
 * without the guard). Under load the budget is spent early in the window, so the guard costs
 * almost nothing; under light load a call waits at most the guard.
 */
export function defaultEdgeGuardMs(limit: RateLimit): number {
  return Math.round(limit.windowMs / 10);
}

/** Milliseconds to wait because `nowMs` is inside the closing guard of its window (0 when not). */
export function msInEdgeGuard(counter: FixedWindowCounter, nowMs: number, edgeGuardMs: number): number {
  const left = counter.msUntilNextWindow(nowMs);
  return left <= edgeGuardMs ? left : 0;
}

/** No limit at all (the sandbox or a test that measures without one). */
export const unlimited: RateLimiter = {
  acquire: async () => undefined,
  penalize: () => undefined,
};

/** Waits `ms`, or rejects with the signal's reason when it aborts first (and never otherwise). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options every fixed-window limiter takes. */
export interface WindowedLimiterOptions {
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** How the limiter waits, for tests that move their own clock. @default a timer */
  sleep?: Sleep;
  /** No grants this close to a window's end, in ms. @default a tenth of the window */
  edgeGuardMs?: number;
  /**
   * The share of each window's requests that background calls may take, above 0 and at most 1
   * (at least one request per window). Customer calls are not limited by it.
   * @default DEFAULT_BACKGROUND_SHARE (0.2)
   */
  backgroundShare?: number;
  /** Called with the clock reading at which each token was granted and whom it went to (tests, metrics). */
  onGrant?: (atMs: number, context: PlivoCallContext) => void;
}

/** A caller waiting for a token. */
interface Waiter {
  context: PlivoCallContext;
  resolve: () => void;
  reject: (reason: unknown) => void;
  /** Detaches the abort listener once the waiter is served. */
  release: () => void;
}

/**
 * Waiters of one priority, queued per key. Keys take turns: `take` serves the first key's oldest
 * waiter and moves that key to the back, so a key with one call waits behind at most one call of
 * every other key, however many those have queued. A key seen for the first time joins at the back.
 */
class TurnQueue {
  // A Map iterates in insertion order: deleting and setting a key again moves it to the back.
  private readonly byKey = new Map<string, Waiter[]>();

  add(waiter: Waiter): void {
    const queue = this.byKey.get(waiter.context.key);
    if (queue) queue.push(waiter);
    else this.byKey.set(waiter.context.key, [waiter]);
  }

  take(): Waiter | undefined {
    const first = this.byKey.entries().next();
    if (first.done) return undefined;
    const [key, queue] = first.value;
    const waiter = queue.shift();
    this.byKey.delete(key);
    if (queue.length > 0) this.byKey.set(key, queue);
    return waiter;
  }

  remove(waiter: Waiter): void {
    const queue = this.byKey.get(waiter.context.key);
    const index = queue?.indexOf(waiter) ?? -1;
    if (!queue || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.byKey.delete(waiter.context.key);
  }

  get isEmpty(): boolean {
    return this.byKey.size === 0;
  }
}

/**
 * What the fixed-window limiters share: waiting callers are queued per key of their Plivo call
 * context (`call-context.ts`) and served in turns between keys, customer calls before background
 * calls; a 429 pauses them all, and nothing is granted in a window's closing guard. One loop (the
 * pump) hands out tokens while anyone waits. Subclasses say only how a token of the current window
 * is obtained for a priority (`grant`), and keep background calls to `backgroundRequests` per window.
 */
export abstract class WindowedRateLimiter implements RateLimiter {
  protected readonly windows: FixedWindowCounter;
  protected readonly now: () => number;
  /** Background requests allowed per window (`backgroundShare` of the limit, at least 1). */
  protected readonly backgroundRequests: number;
  private readonly sleep: Sleep;
  private readonly edgeGuardMs: number;
  private readonly onGrant: ((atMs: number, context: PlivoCallContext) => void) | undefined;
  private readonly waiting: Record<PlivoCallPriority, TurnQueue> = { customer: new TurnQueue(), background: new TurnQueue() };
  private pausedUntil = 0;
  private pumping = false;
  /** While the pump waits for a background token: ends that wait (a customer arrived). */
  private wakePump: (() => void) | undefined;
  /** A token obtained for a caller that gave up meanwhile, kept for the next one of its window. */
  private spare: { window: number; priority: PlivoCallPriority } | undefined;
  /**
   * Customer tokens granted in a row while background calls waited. Customers go first, but not
   * forever: after `backgroundTurnEvery` of them a waiting background call gets a turn (within its
   * share), so work nobody waits on now — the reconciler, which resumes lines and ends overdue
   * waits — is never starved by a steady stream of orders.
   */
  private customerStreak = 0;
  private readonly backgroundTurnEvery: number;

  constructor(limit: RateLimit, options: WindowedLimiterOptions = {}) {
    this.windows = new FixedWindowCounter(limit);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepUnlessAborted;
    this.edgeGuardMs = options.edgeGuardMs ?? defaultEdgeGuardMs(limit);
    this.onGrant = options.onGrant;
    const share = checkBackgroundShare(options.backgroundShare ?? DEFAULT_BACKGROUND_SHARE);
    this.backgroundRequests = backgroundRequestsOf(limit, share);
    // One background turn per (1 − share) / share customer tokens: at most the share, under load too.
    this.backgroundTurnEvery = Math.max(1, Math.round((1 - share) / share));
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const context = currentPlivoCallContext();
    const queue = this.waiting[context.priority];
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        queue.remove(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = { context, resolve, reject, release: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.add(waiter);
      if (context.priority === 'customer') this.wakePump?.();
      if (!this.pumping) {
        this.pumping = true;
        void this.pump();
      }
    });
  }

  penalize(retryAfterMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + Math.max(0, retryAfterMs));
  }

  /**
   * 0 when a token of the window holding `nowMs` was obtained for a call of `priority`; otherwise
   * ms to wait. A background token must count against the window's background requests.
   */
  protected abstract grant(nowMs: number, priority: PlivoCallPriority): number | Promise<number>;

  /**
   * Serves waiters until none is left, then clears `pumping` in the same turn as it finds the
   * queues empty (a caller arriving just after then starts a new pump). Never rejects: a failed
   * grant fails the caller it was for.
   */
  private async pump(): Promise<void> {
    for (;;) {
      // Customers first; background calls when no customer waits, or when their turn has come.
      const backgroundTurn = !this.waiting.background.isEmpty && !this.waiting.customer.isEmpty && this.customerStreak >= this.backgroundTurnEvery;
      const priority: PlivoCallPriority | undefined =
        backgroundTurn ? 'background' : !this.waiting.customer.isEmpty ? 'customer' : !this.waiting.background.isEmpty ? 'background' : undefined;
      if (priority === undefined) {
        this.pumping = false;
        return;
      }
      const now = this.now();
      let wait: number;
      try {
        const pause = this.pausedUntil - now;
        wait = pause > 0 ? pause : msInEdgeGuard(this.windows, now, this.edgeGuardMs) || (this.takeSpare(now, priority) ? 0 : await this.grant(now, priority));
      } catch (error) {
        // The caller the token was sought for (the next of its priority) fails with the error.
        const waiter = this.waiting[priority].take();
        waiter?.release();
        waiter?.reject(error);
        continue;
      }
      if (wait === 0) {
        const waiter = backgroundTurn ? this.takeBackground() : this.serve(priority);
        this.customerStreak = waiter?.context.priority === 'customer' && !this.waiting.background.isEmpty ? this.customerStreak + 1 : 0;
        if (waiter) {
          this.onGrant?.(now, waiter.context);
          waiter.resolve();
        } else {
          this.spare = { window: this.windows.windowOf(now), priority };
        }
        continue;
      }
      // A background turn refused (its share of this window is spent) goes back to the customers.
      if (backgroundTurn) {
        this.customerStreak = 0;
        continue;
      }
      await this.pause(wait, priority === 'background');
    }
  }

  /**
   * The caller a token obtained for `priority` goes to: the next customer in turn, or — for a
   * background token — the next background caller when no customer waits (a background token
   * may serve a customer, never the other way round: the background share would not hold).
   */
  private serve(priority: PlivoCallPriority): Waiter | undefined {
    const waiter = this.waiting.customer.take() ?? (priority === 'background' ? this.waiting.background.take() : undefined);
    waiter?.release();
    return waiter;
  }

  /** The next background caller in turn (its turn among customers). */
  private takeBackground(): Waiter | undefined {
    const waiter = this.waiting.background.take();
    waiter?.release();
    return waiter;
  }

  private takeSpare(nowMs: number, priority: PlivoCallPriority): boolean {
    const spare = this.spare;
    if (!spare || spare.window !== this.windows.windowOf(nowMs)) {
      this.spare = undefined;
      return false;
    }
    if (spare.priority === 'customer' && priority === 'background') return false;
    this.spare = undefined;
    return true;
  }

  /** Waits `ms`; a wait for a background token ends early when a customer arrives. */
  private async pause(ms: number, wakeForCustomer: boolean): Promise<void> {
    if (!wakeForCustomer) return this.sleep(ms);
    // A customer who arrived while the background token was sought is served now.
    if (!this.waiting.customer.isEmpty) return;
    const wake = new AbortController();
    this.wakePump = () => wake.abort();
    try {
      await this.sleep(ms, wake.signal);
    } catch (error) {
      if (!wake.signal.aborted) throw error;
    } finally {
      this.wakePump = undefined;
    }
  }
}

export interface InMemoryRateLimiterOptions extends WindowedLimiterOptions {
  /** @default PLIVO_DEFAULT_RATE_LIMIT (300 per 5 s) */
  limit?: RateLimit;
}

/**
 * A token bucket for one process: the bucket holds `requests` tokens and refills completely at
 * each clock-aligned window (a fixed-window counter); background calls take at most
 * `backgroundRequests` of them.
 */
export class InMemoryRateLimiter extends WindowedRateLimiter {
  private readonly backgroundWindows: FixedWindowCounter;

  constructor(options: InMemoryRateLimiterOptions = {}) {
    const limit = options.limit ?? PLIVO_DEFAULT_RATE_LIMIT;
    super(limit, options);
    this.backgroundWindows = new FixedWindowCounter({ requests: this.backgroundRequests, windowMs: limit.windowMs });
  }

  protected grant(nowMs: number, priority: PlivoCallPriority): number {
    if (priority === 'background' && this.backgroundWindows.remaining(nowMs) === 0) return this.windows.msUntilNextWindow(nowMs);
    const wait = this.windows.tryTake(nowMs);
    if (wait === 0 && priority === 'background') this.backgroundWindows.tryTake(nowMs);
    return wait;
  }
}
