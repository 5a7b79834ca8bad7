/**
 * Rebalance run records under `POOL#{uuid}` / `RUN#{runId}` (run ids sort by time). A run that
 * acts is also on the sparse index of open runs until its news is recorded, so that a run cut off
 * is found and finished by the next one.
 */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { RunNotFoundError } from '../errors.js';
import type { RunRecord } from '../pools/run-record.js';
import { keys, TABLE_KEYS, type Table } from './table.js';

/**
 * `create` a run's record that never acted; `open` a running one (also on the sparse index of
 * open runs); `keep-open` to update it there; `close` it (off the index); `update` a closed one.
 */
export type RunSaveMode = 'create' | 'open' | 'keep-open' | 'close' | 'update';

export class RunRepository {
  constructor(private readonly table: Table) {}

  async save(record: RunRecord, mode: RunSaveMode): Promise<void> {
    const open = mode === 'open' || mode === 'keep-open';
    await this.table.db.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: {
          ...keys.run(record.poolUuid, record.runId),
          record,
          ...(open ? { gsi1pk: keys.openRunsIndexPk, gsi1sk: `${record.poolUuid}#${record.runId}` } : {}),
        },
        ConditionExpression: mode === 'create' || mode === 'open' ? 'attribute_not_exists(pk)' : 'attribute_exists(pk)',
      }),
    );
  }

  /** The pool's runs still on the open index (the index is eventually consistent). */
  async open(poolUuid: string): Promise<RunRecord[]> {
    const result = await this.table.db.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: TABLE_KEYS.gsi1.name,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :pool)',
        ExpressionAttributeValues: { ':pk': keys.openRunsIndexPk, ':pool': `${poolUuid}#` },
      }),
    );
    return (result.Items ?? []).map((item) => item.record as RunRecord);
  }

  /** The pool's latest runs, newest first. */
  async list(poolUuid: string, limit = 20): Promise<RunRecord[]> {
    const result = await this.table.db.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :runs)',
        ExpressionAttributeValues: { ':pk': keys.policy(poolUuid).pk, ':runs': keys.runPrefix },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => item.record as RunRecord);
  }

  /** @throws RunNotFoundError */
  async get(poolUuid: string, runId: string): Promise<RunRecord> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.run(poolUuid, runId) }));
    if (!result.Item) throw new RunNotFoundError(`pool ${poolUuid} has no run ${runId}`);
    return result.Item.record as RunRecord;
  }
}
