/**
 * The benchmark's DynamoDB meter, in front of the run's DynamoDB Local: units as DynamoDB bills
 * them, including transactions (which DynamoDB Local under-reports) and refused writes.
 */
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/lib/aws-clients.js';
import { itemSize, startDynamoDbMeter, unitsBetween, type DynamoDbMeter } from '../../infra/bench/dynamodb-meter.js';
import { createTestTable } from '../support/dynamodb.js';

let meter: DynamoDbMeter;
let table: Awaited<ReturnType<typeof createTestTable>>;
let db: ReturnType<typeof createDocumentClient>;

beforeAll(async () => {
  table = await createTestTable();
  meter = await startDynamoDbMeter(table.endpoint);
  db = createDocumentClient({ DYNAMODB_ENDPOINT: meter.url });
});
afterAll(async () => {
  db.destroy();
  await meter.close();
  await table.drop();
});

describe('DynamoDB meter', () => {
  it('counts single writes and reads from ConsumedCapacity, by operation, and passes answers through', async () => {
    const before = meter.snapshot();
    await db.send(new PutCommand({ TableName: table.tableName, Item: { pk: 'METER#1', sk: 'a', blob: 'x'.repeat(2_500) } }));
    const read = await db.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'METER#1', sk: 'a' } }));
    expect(read.Item?.blob).toHaveLength(2_500);
    await db.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'METER#1' }, ConsistentRead: true }));
    const units = unitsBetween(before, meter.snapshot());
    // 2.5 KB: 3 write units; an eventually consistent get of it half a unit, a consistent query one.
    expect(units).toMatchObject({ requests: 3, writeUnits: 3, readUnits: 1.5, failedWrites: 0, byOperation: { PutItem: 1, GetItem: 1, Query: 1 } });
  });

  it('bills a read of nothing its minimum: half a unit per missing key of a batch, and per empty query (DynamoDB Local says 0)', async () => {
    const before = meter.snapshot();
    await db.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: Array.from({ length: 10 }, (_, i) => ({ pk: 'METER#none', sk: String(i) })) } } }));
    await db.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'METER#none' } }));
    await db.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'METER#none' }, ConsistentRead: true }));
    expect(unitsBetween(before, meter.snapshot()).readUnits).toBe(10 * 0.5 + 0.5 + 1);
  });

  it('bills a transaction 2 units per item per started KB, as DynamoDB does (DynamoDB Local says 2 for all 50)', async () => {
    const before = meter.snapshot();
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          ...Array.from({ length: 49 }, (_, i) => ({ Put: { TableName: table.tableName, Item: { pk: 'METER#2', sk: String(i) } } })),
          { Put: { TableName: table.tableName, Item: { pk: 'METER#2', sk: 'big', blob: 'y'.repeat(1_500) } } },
          { Update: { TableName: table.tableName, Key: { pk: 'METER#2', sk: '0' }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 1 } } },
        ].slice(0, 50),
      }),
    );
    const units = unitsBetween(before, meter.snapshot());
    // 49 small puts (2 each) and one of 1.5 KB (4).
    expect(units.writeUnits).toBe(49 * 2 + 4);
  });

  it('counts writes refused by their condition apart, one unit each (two per item of a transaction)', async () => {
    const before = meter.snapshot();
    const refused = db.send(new PutCommand({ TableName: table.tableName, Item: { pk: 'METER#1', sk: 'a' }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await expect(refused).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const cancelled = db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table.tableName, Item: { pk: 'METER#3', sk: 'x' } } },
          { Put: { TableName: table.tableName, Item: { pk: 'METER#1', sk: 'a' }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    await expect(cancelled).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    const units = unitsBetween(before, meter.snapshot());
    expect(units).toMatchObject({ writeUnits: 0, failedWrites: 2, failedWriteUnits: 1 + 4 });
  });
});

describe('itemSize', () => {
  it('adds attribute names and values (strings in UTF-8 bytes, numbers about a byte per two digits)', () => {
    expect(itemSize({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSize({ n: { N: '123456' } })).toBe(1 + 4);
    expect(itemSize({ é: { S: 'é' } })).toBe(4);
    expect(itemSize({ l: { L: [{ S: 'ab' }, { BOOL: true }] } })).toBe(1 + 3 + (1 + 2) + (1 + 1));
  });
});
