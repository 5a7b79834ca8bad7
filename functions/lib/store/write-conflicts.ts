/**
 * Telling a write that lost a race apart from a write whose condition failed, and retrying the
 * first kind.
 *
 * DynamoDB cancels a transaction that meets another one on any of its items
 * (`TransactionCanceledException`, CancellationReason `TransactionConflict`), rejects a single-item
 * write on an item a transaction holds (`TransactionConflictException`), and may cancel a
 * transaction for throttling (`ThrottlingError`, `ProvisionedThroughputExceeded` reasons). In all
 * of these nothing was written, so sending the same request again is the same as sending it the
 * first time. A `ConditionalCheckFailed` reason means the table is not in the state the write
 * expected: that is an answer, never retried here, and the caller decides what it means.
 *
 * The SDK retries throttles and timeouts of each call itself (its retry strategy, configured in
 * `aws-clients.ts`), but it classifies errors by name alone: `TransactionCanceledException` is a
 * client error it never retries, whatever its reasons say, and `TransactionConflictException` is
 * not on its list either. That part is written here, as a middleware on the same client, one step
 * above the SDK's: each retry goes through serialization again, so a transaction gets a fresh
 * `ClientRequestToken` (the SDK's own retries keep the token, which is what makes a transaction
 * retried after a timeout idempotent on DynamoDB's side).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The CancellationReasons codes of a cancelled transaction (undefined for any other error). */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

/**
 * True when the table refused the write because a condition did not hold: a
 * `ConditionalCheckFailedException`, or a cancelled transaction with a `ConditionalCheckFailed`
 * reason. A cancellation without one (a conflict, a throttle) is not a condition failure.
 */
export function isConditionFailure(error: unknown): boolean {
  if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return true;
  return cancellationCodes(error)?.includes('ConditionalCheckFailed') ?? false;
}

const NOTHING_WRITTEN_REASONS = new Set(['None', 'TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

/** True when the write lost a race or was throttled inside a transaction: nothing was written, the same request may be sent again. */
export function isRetryableConflict(error: unknown): boolean {
  if (error instanceof Error && error.name === 'TransactionConflictException') return true;
  const codes = cancellationCodes(error);
  return codes !== undefined && codes.some((code) => code !== 'None') && codes.every((code) => NOTHING_WRITTEN_REASONS.has(code));
}

export interface ConflictRetryOptions {
  /** Attempts in all, the first one included. @default 8 */
  maxAttempts?: number;
  /** The first retry waits up to this long (full jitter), doubling each time. @default 25 */
  baseDelayMs?: number;
  /** No retry waits longer than this. @default 1000 */
  maxDelayMs?: number;
  /** @default Math.random */
  random?: () => number;
}

/** Full jitter: a random wait up to `base · 2^retry`, capped. */
function backoff(retry: number, options: Required<ConflictRetryOptions>): number {
  return Math.floor(options.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry));
}

interface Stack {
  add(middleware: unknown, options: { step: string; priority: string; name: string; override: boolean }): void;
}

/**
 * Installs the conflict retry on a DynamoDB client (and so on every document client built from
 * it, which shares its middleware stack). Bounded: after `maxAttempts` the last error is thrown,
 * and callers treat it as the failure it is (never as "someone else changed it").
 */
export function installConflictRetry(client: { middlewareStack: unknown }, options: ConflictRetryOptions = {}): void {
  const settings: Required<ConflictRetryOptions> = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 1_000, random: Math.random, ...options };
  const middleware =
    (next: (args: unknown) => Promise<unknown>) =>
    async (args: unknown): Promise<unknown> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next(args);
        } catch (error) {
          if (attempt >= settings.maxAttempts || !isRetryableConflict(error)) throw error;
          await sleep(backoff(attempt - 1, settings));
        }
      }
    };
  (client.middlewareStack as Stack).add(middleware, { step: 'initialize', priority: 'low', name: 'transactionConflictRetry', override: true });
}
