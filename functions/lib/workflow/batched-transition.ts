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
  /** Numbers per write. @default 99 */
  batchSize?: number;
  /** The line's queue of writes, shared with its other transitions. @default a queue of its own */
  serial?: SerialWrites;
}

export class BatchedTransition {
  private pending: string[] = [];
  private moved = 0;
  private readonly batchSize: number;
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
    this.serial = options.serial ?? new SerialWrites();
  }

  /** Numbers written so far (after `flush`, all of them). */
  get count(): number {
    return this.moved;
  }

  async add(number: string): Promise<void> {
    this.pending.push(number);
    if (this.pending.length >= this.batchSize) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    await this.serial.run(async () => {
      if (batch.length === 0) return;
      const moved = await this.store.numbers.transition(this.orderId, this.line, batch, this.from, this.to);
      this.moved += moved.length;
    });
  }
}
