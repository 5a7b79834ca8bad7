import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient } from '../../functions/lib/aws-clients.js';
import type { DynamoDbFaults } from '../../functions/lib/dynamodb-faults.js';
import { ensureLocalTable, localDynamoDbClient } from '../../infra/local/dynamodb.js';

/**
 * A fresh table in the run's DynamoDB Local, with the document client handlers use (its retries
 * included) over real HTTP; `faults` are injected into that client.
 */
export async function createTestTable(
  options: { faults?: DynamoDbFaults } = {},
): Promise<{ db: DynamoDBDocumentClient; tableName: string; endpoint: string; drop: () => Promise<void> }> {
  const endpoint = inject('dynamodbEndpoint');
  const admin = localDynamoDbClient(endpoint);
  const tableName = `test-${randomUUID()}`;
  await ensureLocalTable(endpoint, tableName);
  const db = createDocumentClient({ DYNAMODB_ENDPOINT: endpoint }, options.faults ? { faults: options.faults } : {});
  return {
    db,
    tableName,
    endpoint,
    drop: async () => {
      await admin.send(new DeleteTableCommand({ TableName: tableName }));
      admin.destroy();
      db.destroy();
    },
  };
}

/**
 * Local stack options that put the stack on the run's DynamoDB Local, in a table of its own,
 * instead of a DynamoDB Local of its own: a JVM takes 6 to 8 s to start on two cores, and its
 * start slows the other worker too. Suites about DynamoDB Local's own process (a data directory
 * killed with the stack, its port taken, the chaos run's restart) still start their own.
 */
export function sharedDynamoDb(prefix = 'stack'): { dynamodbUrl: string; tableName: string } {
  return { dynamodbUrl: inject('dynamodbEndpoint'), tableName: `${prefix}-${randomUUID()}` };
}
