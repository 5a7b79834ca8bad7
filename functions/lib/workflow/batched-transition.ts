/**
 * Collects numbers that reached a new status while Plivo calls run concurrently, and writes them
 * in transactions of up to 99 (one DynamoDB round trip per batch, not per number). Flushes are
 * serialized so counters move once per number.
 */
import type { NumberStatus } from '../orders/model.js';
import type { Stores } from '../store/stores.js';

export class BatchedTransition {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private moved = 0;

  constructor(
    private readonly store: Stores,
    private readonly orderId: string,
    private readonly line: number,
    private readonly from: NumberStatus,
    private readonly to: NumberStatus,
    private readonly batchSize = 99,
  ) {}

  /** Numbers written so far (after `flush`, all of them). */
  get count(): number {
    return this.moved;
  }

  async add(number: string): Promise<void> {
    this.pending.push(number);
    if (this.pending.length >= this.batchSize) await this.flush();
  }

  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      const moved = await this.store.numbers.transition(this.orderId, this.line, batch, this.from, this.to);
      this.moved += moved.length;
    });
    return this.writing;
  }
}
