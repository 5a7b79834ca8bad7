/** The local stack's table is the deployed one: keys, index, and time to live on expiresAt. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { expect, inject, it } from 'vitest';
import { ensureLocalTable, localDynamoDbClient } from '../../infra/local/dynamodb.js';

it('creates the table with time to live on expiresAt, and leaves an existing one alone', async () => {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = `ttl-${randomUUID()}`;
  const client = localDynamoDbClient(endpoint);
  try {
    await ensureLocalTable(endpoint, tableName);
    await ensureLocalTable(endpoint, tableName);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  } finally {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  }
});
