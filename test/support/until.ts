/**
 * The one way a test waits: poll a value until it satisfies a condition, or fail after a timeout
 * with a message that names what was awaited and the last value seen. Tests wait on a positive
 * signal this way, never on a fixed sleep.
 */

export interface UntilOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** Pause between two reads. @default 10 */
  intervalMs?: number;
}

/** Raised when the condition still does not hold at the deadline. */
export class UntilTimeoutError extends Error {
  override readonly name = 'UntilTimeoutError' as const;
}

function describeValue(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.slice(0, 500);
  } catch {
    return String(value);
  }
}

/**
 * Reads `read()` until `ok` holds for its value (by default: the value is truthy) and returns that
 * value. `what` says what is awaited, in words: it is the failure message's subject.
 *
 * @example await until('the order to be waiting', () => store.orders.get(id), (o) => o.status === 'PENDING_REGULATORY');
 * @example await until('the slow handler to be called', () => slow.calls === 1);
 */
export async function until<T>(
  what: string,
  read: () => T | Promise<T>,
  ok: (value: T) => boolean = Boolean,
  options: UntilOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new UntilTimeoutError(`waited ${timeoutMs} ms for ${what}; last value: ${describeValue(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
