/**
 * Leases: an item that says who holds something until when. Taking one is a conditional put —
 * free, ran out, or already this holder's — so a holder that died frees it when its lease runs
 * out, and a holder that comes back (a retried step) takes its own again at once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, type Table } from './table.js';

type Key = { pk: string; sk: string };

export interface Lease {
  until: Date;
  /** Gives the lease up (a no-op when it ran out and someone else holds it now). */
  release(): Promise<void>;
}

export class LeaseRepository {
  constructor(private readonly table: Table) {}

  /** The lease, or undefined while another holder has it. */
  async acquire(key: Key, holder: string, leaseMs: number, now = this.table.now()): Promise<Lease | undefined> {
    const until = new Date(now.getTime() + leaseMs);
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...key, holder, leaseUntil: until.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':holder': holder },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
    return { until, release: () => this.release(key, holder) };
  }

  /** Gives up `holder`'s lease of `key`, if it holds it (a no-op otherwise). */
  async release(key: Key, holder: string): Promise<void> {
    await this.table.db
      .send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: key,
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error; // the lease ran out and another holder took it
      });
  }
}

/** The locks on renting one kind of number (workflow/rent-lock.ts says why). */
export class RentLockRepository {
  private readonly leases: LeaseRepository;
  constructor(table: Table) {
    this.leases = new LeaseRepository(table);
  }

  acquire(kind: string, holder: string, leaseMs: number): Promise<Lease | undefined> {
    return this.leases.acquire(keys.rentLock(kind), holder, leaseMs);
  }

  /** Gives up the lock of `kind` if `holder` holds it: one left by a step that died holding it. */
  releaseIfHeld(kind: string, holder: string): Promise<void> {
    return this.leases.release(keys.rentLock(kind), holder);
  }
}
