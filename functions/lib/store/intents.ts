/**
 * Rent intents: one record per rent call, written STARTED before Plivo is asked and finished
 * after, so that a rent cut off in between is found and settled. The sequence number comes from
 * the line (`nextIntentSeq`), read and bumped in one conditional update.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IntentItem } from './items.js';
import { queryAll } from './paging.js';
import { keys, type Table } from './table.js';

export class IntentRepository {
  constructor(private readonly table: Table) {}

  /** Records that a rent is about to be sent. */
  async start(orderId: string, line: number, groupId: string, quantity: number): Promise<IntentItem> {
    const { db, tableName } = this.table;
    const result = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.line(orderId, line),
        UpdateExpression: 'SET nextIntentSeq = nextIntentSeq + :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const seq = Number(result.Attributes?.nextIntentSeq ?? 0);
    const intent: IntentItem = { orderId, line, seq, groupId, quantity, status: 'STARTED', startedAt: this.table.now().toISOString() };
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.intent(orderId, line, seq), ...intent }, ConditionExpression: 'attribute_not_exists(pk)' }));
    return intent;
  }

  async finish(intent: IntentItem, status: 'DONE' | 'NOT_APPLIED' | 'REJECTED', result: { rented: number; failed: number; pending?: number }): Promise<void> {
    const pending = result.pending ?? 0;
    await this.table.db.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.intent(intent.orderId, intent.line, intent.seq),
        UpdateExpression: `SET #status = :status, rented = :rented, failed = :failed${pending > 0 ? ', pending = :pending' : ''}`,
        ConditionExpression: '#status = :started',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':started': 'STARTED',
          ':rented': result.rented,
          ':failed': result.failed,
          ...(pending > 0 ? { ':pending': pending } : {}),
        },
      }),
    );
  }

  /** The intents of one line (or of the whole order), in order. */
  async list(orderId: string, line?: number): Promise<IntentItem[]> {
    return queryAll<IntentItem>(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': line === undefined ? 'INTENT#' : keys.intentPrefix(line) },
    });
  }
}
