/**
 * Shapes as they travel in AWS JSON 1.0, derived from `@aws-sdk/client-sfn`'s own types so the
 * answers cannot drift from what the SDK reads.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';

/** A type as it travels in AWS JSON 1.0: timestamps are epoch seconds. */
export type Wire<T> = T extends Date
  ? number
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type WireHistoryEvent = Wire<HistoryEvent>;

/** One history event without what its place in the history decides (id, type, timestamp, previous id). */
export type EventDetails = Omit<WireHistoryEvent, 'id' | 'type' | 'timestamp' | 'previousEventId'>;

/** `inputDetails`/`outputDetails`: the local endpoint never truncates data. */
export const NOT_TRUNCATED = { truncated: false } as const;
