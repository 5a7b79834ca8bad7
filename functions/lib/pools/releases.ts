/**
 * Surplus releases, one record per number (like a rollback's), and the pool lock that keeps two
 * runs from releasing the same surplus twice.
 *
 * A release is an intent: the record is written RELEASING before Plivo is asked to remove the
 * number from the pool with `unrent=true`, and finished RELEASED or FAILED after. A run cut off
 * in between leaves RELEASING; the next run that takes the lock settles it from Plivo's account
 * (gone: RELEASED; still there: FAILED, nothing lost) before it counts anything.
 *
 * Keys (docs/data-model.md): `POOL#{uuid}` / `RELEASE#{runId}#{number}`; while RELEASING also on
 * `gsi1` under `POOL_RELEASING`, sort key `{uuid}#{number}`. The lock is `POOL#{uuid}` / `LOCK`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { PlivoNotFoundError, PlivoOutcomeUnknownError } from '../errors.js';
import type { LineNumberType } from '../orders/model.js';
import type { PlivoClient } from '../plivo/client.js';
import type { OrderStore } from '../store/order-store.js';
import { TABLE_KEYS } from '../store/table.js';

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

const RELEASING_INDEX_PK = 'POOL_RELEASING';

export const releaseKeys = {
  release: (poolUuid: string, runId: string, number: string) => ({ pk: `POOL#${poolUuid}`, sk: `RELEASE#${runId}#${number}` }),
  lock: (poolUuid: string) => ({ pk: `POOL#${poolUuid}`, sk: 'LOCK' }),
} as const;

type Db = Pick<OrderStore, 'db' | 'tableName'>;

const strip = (item: Record<string, unknown>): ReleaseItem => {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as unknown as ReleaseItem;
};

export class ReleaseStore {
  constructor(private readonly store: Db) {}

  /** Records the intent before the call; false when this run already recorded the number. */
  async begin(item: Omit<ReleaseItem, 'status' | 'finishedAt' | 'error'>): Promise<boolean> {
    try {
      await this.store.db.send(
        new PutCommand({
          TableName: this.store.tableName,
          Item: {
            ...releaseKeys.release(item.poolUuid, item.runId, item.number),
            ...item,
            status: 'RELEASING',
            gsi1pk: RELEASING_INDEX_PK,
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
    try {
      await this.store.db.send(
        new UpdateCommand({
          TableName: this.store.tableName,
          Key: releaseKeys.release(item.poolUuid, item.runId, item.number),
          UpdateExpression:
            status === 'RELEASED'
              ? 'SET #status = :to, finishedAt = :now REMOVE gsi1pk, gsi1sk, #error'
              : `SET #status = :to, finishedAt = :now${error === undefined ? '' : ', #error = :error'} REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: status === 'RELEASED' ? '#status IN (:releasing, :failed)' : '#status = :releasing',
          ExpressionAttributeNames: { '#status': 'status', ...(error === undefined && status !== 'RELEASED' ? {} : { '#error': 'error' }) },
          ExpressionAttributeValues: {
            ':to': status,
            ':now': new Date().toISOString(),
            ':releasing': 'RELEASING',
            ...(status === 'RELEASED' ? { ':failed': 'FAILED' } : {}),
            ...(error === undefined || status === 'RELEASED' ? {} : { ':error': error }),
          },
        }),
      );
    } catch (cause) {
      if (!(cause instanceof ConditionalCheckFailedException)) throw cause; // settled already
    }
  }

  /** Releases of the pool left RELEASING (a run cut off between Plivo and DynamoDB). */
  async unfinished(poolUuid: string): Promise<ReleaseItem[]> {
    const result = await this.store.db.send(
      new QueryCommand({
        TableName: this.store.tableName,
        IndexName: TABLE_KEYS.gsi1.name,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :pool)',
        ExpressionAttributeValues: { ':pk': RELEASING_INDEX_PK, ':pool': `${poolUuid}#` },
      }),
    );
    return (result.Items ?? []).map(strip);
  }

  /** A run's releases, by number. */
  async forRun(poolUuid: string, runId: string): Promise<ReleaseItem[]> {
    const result = await this.store.db.send(
      new QueryCommand({
        TableName: this.store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': `POOL#${poolUuid}`, ':run': `RELEASE#${runId}#` },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map(strip);
  }
}

/**
 * Removes the number from the pool and unrents it (one Plivo call). An answer that may or may not
 * have been applied is settled by reading the account: gone means released.
 */
export async function releaseNumber(plivo: PlivoClient, poolUuid: string, number: string, numberType: LineNumberType = 'local'): Promise<void> {
  try {
    // Toll-free numbers sit under the pool's Tollfree resource, the others under Number.
    if (numberType === 'tollfree') await plivo.removeTollfreeFromPool(poolUuid, number, { unrent: true });
    else await plivo.removeFromPool(poolUuid, number, { unrent: true });
  } catch (error) {
    if (!(error instanceof PlivoOutcomeUnknownError) && !(error instanceof PlivoNotFoundError)) throw error;
    if (await stillRented(plivo, number)) throw error;
  }
}

async function stillRented(plivo: PlivoClient, number: string): Promise<boolean> {
  try {
    await plivo.getAccountNumber(number);
    return true;
  } catch (error) {
    if (error instanceof PlivoNotFoundError) return false;
    throw error;
  }
}

/** Settles releases a cut-off run left RELEASING. Call it holding the pool lock. */
export async function settleUnfinished(store: Db, plivo: PlivoClient, poolUuid: string): Promise<ReleaseItem[]> {
  const releases = new ReleaseStore(store);
  const settled: ReleaseItem[] = [];
  for (const item of await releases.unfinished(poolUuid)) {
    const rented = await stillRented(plivo, item.number);
    const status = rented ? 'FAILED' : 'RELEASED';
    const error = rented ? 'the run was cut off before the release; the number is still rented' : undefined;
    await releases.finish(item, status, error);
    settled.push({ ...item, status, ...(error ? { error } : {}) });
  }
  return settled;
}

/** A lease on the pool's releases: one run at a time may release a pool's surplus. */
export class PoolLock {
  private constructor(
    private readonly store: Db,
    readonly poolUuid: string,
    private readonly token: string,
    readonly until: Date,
  ) {}

  /** The lock, or undefined while another run holds it. */
  static async acquire(store: Db, poolUuid: string, leaseMs: number, now = new Date()): Promise<PoolLock | undefined> {
    const token = randomUUID();
    const until = new Date(now.getTime() + leaseMs);
    try {
      await store.db.send(
        new PutCommand({
          TableName: store.tableName,
          Item: { ...releaseKeys.lock(poolUuid), token, leaseUntil: until.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':now': now.toISOString() },
        }),
      );
      return new PoolLock(store, poolUuid, token, until);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async release(): Promise<void> {
    await this.store.db
      .send(
        new DeleteCommand({
          TableName: this.store.tableName,
          Key: releaseKeys.lock(this.poolUuid),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': this.token },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error; // the lease ran out and another run took it
      });
  }
}
