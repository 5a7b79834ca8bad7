/**
 * Deliveries lines still expect from Plivo, and the countries whose rents Plivo answers pending.
 * A delivered number is claimed for its line together with the expectation's count, in one
 * transaction (NumberRepository.claimDelivery), so an expectation never takes more than it awaits.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ExpectationItem } from './items.js';
import { queryAll } from './paging.js';
import { keys, type Table } from './table.js';

export const expectationKey = (e: Pick<ExpectationItem, 'since' | 'orderId' | 'line' | 'seq'>) => keys.expectation(e.since, e.orderId, e.line, e.seq);

export class ExpectationRepository {
  constructor(private readonly table: Table) {}

  /** Records a delivery a line expects (once per rent intent: a replay changes nothing). */
  async expect(item: Omit<ExpectationItem, 'delivered'>): Promise<void> {
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...expectationKey(item), ...item, delivered: 0 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Every expectation still recorded, oldest first. */
  async list(): Promise<ExpectationItem[]> {
    return queryAll<ExpectationItem>(this.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.expectationsPk },
    });
  }

  /** Forgets an expectation (delivered in full, or expired). */
  async forget(item: ExpectationItem): Promise<void> {
    await this.table.db.send(new DeleteCommand({ TableName: this.table.tableName, Key: expectationKey(item) }));
  }

  /** Remembers that Plivo answers rents of this country and type pending. */
  async markRegulated(countryIso: string, numberType: string): Promise<void> {
    await this.table.db.send(
      new PutCommand({ TableName: this.table.tableName, Item: { ...keys.regulated(countryIso, numberType), countryIso, numberType, seenAt: this.table.now().toISOString() } }),
    );
  }

  async isRegulated(countryIso: string, numberType: string): Promise<boolean> {
    const found = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.regulated(countryIso, numberType), ConsistentRead: true }));
    return found.Item !== undefined;
  }
}
