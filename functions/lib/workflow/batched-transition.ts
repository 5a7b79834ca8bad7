/**
 * Collects numbers that reached a new status while Plivo calls run concurrently, and writes them
 * in transactions of up to 99 (one DynamoDB round trip per batch, not per number). Flushes are
 * serialized so counters move once per number.
 *
 * Every transition of a line also updates the line's counters item, and DynamoDB cancels a
 * transaction that meets another one on the same item (`TransactionConflict`): writes of one line
 * must not run side by side. Transitions of one line that go to different statuses share one
 * `SerialWrites`, so that all of the line's writes take turns.
 */
import type { NumberStatus } from '../orders/model.js';
import type { Stores } from '../store/stores.js';

/** Runs writes one after another, in the order they were asked for. */
export class SerialWrites {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(write: () => Promise<T>): Promise<T> {
    const result = this.tail.then(write);
    // A failed write is its caller's error; the next write still runs.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export interface BatchedTransitionOptions {
  /** Numbers per write (when not `eager`). @default 99 */
  batchSize?: number;
  /**
   * Write as soon as the line's queue is free, everything that arrived meanwhile in one write
   * (group commit), instead of waiting for a full batch: for records that must follow Plivo
   * closely. @default false
   */
  eager?: boolean;
  /** The line's queue of writes, shared with its other transitions. @default a queue of its own */
  serial?: SerialWrites;
}

export class BatchedTransition {
  private pending: string[] = [];
  private moved = 0;
  private readonly batchSize: number;
  private readonly eager: boolean;
  private readonly serial: SerialWrites;

  constructor(
    private readonly store: Stores,
    private readonly orderId: string,
    private readonly line: number,
    private readonly from: NumberStatus,
    private readonly to: NumberStatus,
    options: BatchedTransitionOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 99;
    this.eager = options.eager ?? false;
    this.serial = options.serial ?? new SerialWrites();
  }

  /** Numbers written so far (after `flush`, all of them). */
  get count(): number {
    return this.moved;
  }

  /** Queues the number; resolves once it is written (eager) or queued in a batch not yet full. */
  async add(number: string): Promise<void> {
    this.pending.push(number);
    if (this.eager || this.pending.length >= this.batchSize) await this.flush();
  }

  /** Writes, in the line's turn, every number pending when that turn comes. */
  async flush(): Promise<void> {
    await this.serial.run(async () => {
      const batch = this.pending;
      this.pending = [];
      if (batch.length === 0) return;
      const moved = await this.store.numbers.transition(this.orderId, this.line, batch, this.from, this.to);
      this.moved += moved.length;
    });
  }
}
