/**
 * Rent intents: one record per rent call, written STARTED before Plivo is asked and finished
 * after, so that a rent cut off in between is found and settled. The sequence number comes from
 * the line (`nextIntentSeq`), read and bumped in one conditional update.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IntentItem } from './items.js';
import { queryAll } from './paging.js';
import { keys, type Table } from './table.js';
import { isConditionFailure } from './write-conflicts.js';

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
    try {
      await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.intent(orderId, line, seq), ...intent }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      // The SDK sends a put again when its answer was lost (a timeout): then the item is ours.
      if (!isConditionFailure(error)) throw error;
      const stored = await db.send(new GetCommand({ TableName: tableName, Key: keys.intent(orderId, line, seq), ConsistentRead: true }));
      if (stored.Item?.startedAt !== intent.startedAt || stored.Item.groupId !== groupId || stored.Item.quantity !== quantity) throw error;
    }
    return intent;
  }

  /** Closes a STARTED intent; finishing it again the same way is harmless (a repeat after a lost answer), any other way is refused. */
  async finish(intent: IntentItem, status: 'DONE' | 'NOT_APPLIED' | 'REJECTED', result: { rented: number; failed: number }): Promise<void> {
    await this.table.db.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.intent(intent.orderId, intent.line, intent.seq),
        UpdateExpression: 'SET #status = :status, rented = :rented, failed = :failed',
        ConditionExpression: '#status = :started OR (#status = :status AND rented = :rented AND failed = :failed)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':started': 'STARTED', ':rented': result.rented, ':failed': result.failed },
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
