import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { localDynamoDbClient } from '../../infra/local/dynamodb.js';
import { tableDefinition } from '../../functions/lib/store/table.js';

/** A fresh table in the run's DynamoDB Local, with a document client over real HTTP. */
export async function createTestTable(): Promise<{ db: DynamoDBDocumentClient; tableName: string; endpoint: string; drop: () => Promise<void> }> {
  const endpoint = inject('dynamodbEndpoint');
  const client = localDynamoDbClient(endpoint);
  const tableName = `test-${randomUUID()}`;
  await client.send(new CreateTableCommand(tableDefinition(tableName)));
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    db,
    tableName,
    endpoint,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
