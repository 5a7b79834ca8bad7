/**
 * The reconciler's last report (one item, replaced by every run: the next run reads the orphans it
 * found) and the cursor of its pass over the whole account (one item while a pass is under way).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, stripKeys, type Table } from './table.js';

export class ReconciliationRepository {
  constructor(private readonly table: Table) {}

  /** Replaces the last report. */
  async save(report: object): Promise<void> {
    await this.table.db.send(new PutCommand({ TableName: this.table.tableName, Item: { ...keys.reconciliation, ...report } }));
  }

  /**
   * Adds to the last report what the run recovered after saving it (dead executions, unstarted
   * orders). False when there is no report to add to.
   */
  async recordRecoveries(recoveries: object): Promise<boolean> {
    try {
      await this.table.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.reconciliation,
          UpdateExpression: 'SET recoveries = :recoveries',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':recoveries': recoveries },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The last report, if a run has saved one. `T` is the report's shape, which the reconciler owns. */
  async latest<T extends object>(): Promise<T | undefined> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.reconciliation, ConsistentRead: true }));
    return result.Item ? stripKeys<T>(result.Item) : undefined;
  }

  /** Where the pass over the account stands, if one is under way. `T` is the cursor's shape, which the reconciler owns. */
  async scanCursor<T extends object>(): Promise<T | undefined> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.accountScan, ConsistentRead: true }));
    return result.Item ? stripKeys<T>(result.Item) : undefined;
  }

  async saveScanCursor(cursor: object): Promise<void> {
    await this.table.db.send(new PutCommand({ TableName: this.table.tableName, Item: { ...keys.accountScan, ...cursor } }));
  }

  /** The pass ended: the next one starts from the top. */
  async clearScanCursor(): Promise<void> {
    await this.table.db.send(new DeleteCommand({ TableName: this.table.tableName, Key: keys.accountScan }));
  }
}
