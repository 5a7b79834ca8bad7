/**
 * The one DynamoDB table (single-table design). The same definition creates the table in the
 * local stack and in CDK. Key schema and item types: docs/data-model.md.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  ttlAttribute: 'expiresAt',
} as const;

/** CreateTable input for a table of this shape (on-demand billing). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.gsi1.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.gsi1.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE_KEYS.gsi1.name,
        KeySchema: [
          { AttributeName: TABLE_KEYS.gsi1.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.gsi1.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** Keys of every item type. Line indexes are zero-padded so that they sort. */
export const keys = {
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: '#ORDER' }),
  line: (orderId: string, line: number) => ({ pk: `ORDER#${orderId}`, sk: `LINE#${pad(line)}` }),
  linePrefix: 'LINE#',
  intent: (orderId: string, line: number, seq: number) => ({
    pk: `ORDER#${orderId}`,
    sk: `INTENT#${pad(line)}#${String(seq).padStart(4, '0')}`,
  }),
  intentPrefix: (line: number) => `INTENT#${pad(line)}#`,
  orderNumber: (orderId: string, line: number, number: string) => ({ pk: `ORDER#${orderId}`, sk: `NUM#${pad(line)}#${number}` }),
  orderNumbersPrefix: (line?: number) => (line === undefined ? 'NUM#' : `NUM#${pad(line)}#`),
  owner: (number: string) => ({ pk: `NUMBER#${number}`, sk: '#OWNER' }),
  idempotency: (scope: string, key: string) => ({ pk: `IDEMPOTENCY#${scope}#${key}`, sk: '#KEY' }),
  rateWindow: (account: string, window: number) => ({ pk: `RATE#${account}`, sk: String(window) }),
  /** An order whose execution may not have started yet (written with the order, deleted once its execution ARN is recorded). */
  unstarted: (orderId: string) => ({ pk: 'UNSTARTED', sk: orderId }),
  /** A pool's order that may still be working (written with the order, dropped once it is seen ended). */
  activeOrder: (poolUuid: string, orderId: string) => ({ pk: `POOL#${poolUuid}`, sk: `ACTIVE#${orderId}` }),
  activeOrderPrefix: 'ACTIVE#',
  /** Orders, newest first, on gsi1. */
  ordersIndexPk: 'ORDERS',
  /** Lines waiting on address regulations, oldest order first, on gsi1 (sparse). */
  waitingIndexPk: 'WAITING',
  /** The reconciler's last report. */
  reconciliation: { pk: 'RECONCILIATION', sk: 'LATEST' },
} as const;

function pad(line: number): string {
  return String(line).padStart(2, '0');
}
