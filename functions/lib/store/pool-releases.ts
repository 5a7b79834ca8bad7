/**
 * Surplus releases, one record per number (like a rollback's), and the pool lock that keeps two
 * runs from releasing the same surplus twice.
 *
 * A release is an intent: the record is written RELEASING before Plivo is asked to remove the
 * number, and finished RELEASED or FAILED after; while RELEASING it is on the sparse
 * `POOL_RELEASING` index, so that the next run finds and settles what a cut-off run left.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LeaseRepository } from './leases.js';
import { keys, stripKeys, TABLE_KEYS, type Table } from './table.js';

export type ReleaseStatus = 'RELEASING' | 'RELEASED' | 'FAILED';

export interface ReleaseItem {
  poolUuid: string;
  runId: string;
  number: string;
  status: ReleaseStatus;
  /** The number's renewal date when the run chose it. */
  renewalDate: string;
  startedAt: string;
  finishedAt?: string;
  error?: string;
}

export class ReleaseRepository {
  constructor(private readonly table: Table) {}

  /** Records the intent before the call; false when this run already recorded the number. */
  async begin(item: Omit<ReleaseItem, 'status' | 'finishedAt' | 'error'>): Promise<boolean> {
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: {
            ...keys.release(item.poolUuid, item.runId, item.number),
            ...item,
            status: 'RELEASING',
            gsi1pk: keys.releasingIndexPk,
            gsi1sk: `${item.poolUuid}#${item.number}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * RELEASING → RELEASED or FAILED (and off the index). RELEASED also overrides a FAILED that a
   * settle wrote meanwhile (Plivo's answer is the truth); FAILED never overrides a settled record.
   */
  async finish(item: Pick<ReleaseItem, 'poolUuid' | 'runId' | 'number'>, status: 'RELEASED' | 'FAILED', error?: string): Promise<void> {
    const released = status === 'RELEASED';
    try {
      await this.table.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.release(item.poolUuid, item.runId, item.number),
          UpdateExpression: released
            ? 'SET #status = :to, finishedAt = :now REMOVE gsi1pk, gsi1sk, #error'
            : `SET #status = :to, finishedAt = :now${error === undefined ? '' : ', #error = :error'} REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: released ? '#status IN (:releasing, :failed)' : '#status = :releasing',
          ExpressionAttributeNames: { '#status': 'status', ...(error === undefined && !released ? {} : { '#error': 'error' }) },
          ExpressionAttributeValues: {
            ':to': status,
            ':now': this.table.now().toISOString(),
            ':releasing': 'RELEASING',
            ...(released ? { ':failed': 'FAILED' } : {}),
            ...(error === undefined || released ? {} : { ':error': error }),
          },
        }),
      );
    } catch (cause) {
      if (!(cause instanceof ConditionalCheckFailedException)) throw cause; // settled already
    }
  }

  /** Releases of the pool left RELEASING (a run cut off between Plivo and DynamoDB). */
  async unfinished(poolUuid: string): Promise<ReleaseItem[]> {
    const result = await this.table.db.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: TABLE_KEYS.gsi1.name,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :pool)',
        ExpressionAttributeValues: { ':pk': keys.releasingIndexPk, ':pool': `${poolUuid}#` },
      }),
    );
    return (result.Items ?? []).map((item) => stripKeys<ReleaseItem>(item));
  }

  /** A run's releases, by number. */
  async forRun(poolUuid: string, runId: string): Promise<ReleaseItem[]> {
    const result = await this.table.db.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': keys.policy(poolUuid).pk, ':run': keys.releasePrefix(runId) },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => stripKeys<ReleaseItem>(item));
  }
}

/** A lease on the pool's releases: one run at a time may release a pool's surplus. */
export interface PoolLock {
  readonly poolUuid: string;
  readonly until: Date;
  /** Gives the lease back (nothing happens when it ran out and another run took it). */
  release(): Promise<void>;
}

export class PoolLockRepository {
  private readonly leases: LeaseRepository;
  constructor(table: Table) {
    this.leases = new LeaseRepository(table);
  }

  /** The lock, or undefined while another run holds it. */
  async acquire(poolUuid: string, leaseMs: number, now?: Date): Promise<PoolLock | undefined> {
    // Each run is its own holder: a second run in the same process must not take the lock again.
    const lease = await this.leases.acquire(keys.poolLock(poolUuid), randomUUID(), leaseMs, now);
    return lease && { poolUuid, until: lease.until, release: lease.release };
  }
}
