/**
 * The one DynamoDB table (single-table design) and its key design: every item's keys come from
 * `keys` here, so the repositories of different aggregates that write into one transaction agree
 * on them. The same definition creates the table in the local stack and in CDK. Key schema and
 * item types: docs/data-model.md.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Metrics } from '../metrics.js';

/** What every repository works on: the document client, the table, and the clock it stamps items with. */
export interface Table {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** @default () => new Date() */
  readonly now: () => Date;
  /** Where the numbers' and orders' changes are counted (metrics.ts). @default none */
  readonly metrics: Metrics;
}

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
  /** An order that has not ended (written with the order, deleted when it ends): what the recovery of dead executions reads. */
  openOrder: (orderId: string) => ({ pk: 'OPEN', sk: orderId }),
  /** A pool's order that may still be working (written with the order, dropped once it is seen ended). */
  activeOrder: (poolUuid: string, orderId: string) => ({ pk: `POOL#${poolUuid}`, sk: `ACTIVE#${orderId}` }),
  activeOrderPrefix: 'ACTIVE#',
  /** Orders, newest first, on gsi1. */
  ordersIndexPk: 'ORDERS',
  ordersIndexSk: (createdAt: string, orderId: string) => `${createdAt}#${orderId}`,
  /** Lines waiting on address regulations, oldest order first, on gsi1 (sparse). */
  waitingIndexPk: 'WAITING',
  waitingIndexSk: (orderCreatedAt: string, orderId: string, line: number) => `${orderCreatedAt}#${orderId}#${pad(line)}`,
  /**
   * A delivery a line still expects from Plivo (a pending order, or a rent whose answer was lost),
   * in one partition the reconciler reads whole, oldest first; deleted when delivered or expired.
   */
  expectation: (since: string, orderId: string, line: number, seq: number) => ({ pk: 'EXPECTED', sk: `${since}#${orderId}#${pad(line)}#${String(seq).padStart(4, '0')}` }),
  expectationsPk: 'EXPECTED',
  /** A country and number type whose rents Plivo has answered pending (address regulations). */
  regulated: (countryIso: string, numberType: string) => ({ pk: 'REGULATED', sk: `${countryIso}#${numberType}` }),
  /** The lock on renting (and reconciling) one kind of number: `{country}#{type}#{prefix}`. */
  rentLock: (kind: string) => ({ pk: `RENTLOCK#${kind}`, sk: '#LOCK' }),
  /** The account's work slots: line steps in flight (store/work-slots.ts). */
  workSlots: { pk: 'WORKSLOTS', sk: 'ACCOUNT' },
  /** The reconciler's last report. */
  reconciliation: { pk: 'RECONCILIATION', sk: 'LATEST' },
  /** Where the reconciler's pass over the whole account stands (absent between passes). */
  accountScan: { pk: 'RECONCILIATION', sk: 'SCAN' },

  // ---- pools: policy, runs, surplus releases and the release lock, under `POOL#{uuid}` ----
  policy: (poolUuid: string) => ({ pk: `POOL#${poolUuid}`, sk: 'POLICY' }),
  /** Pools with a policy, on gsi1 (for the scheduled run). */
  policiesIndexPk: 'POOL_POLICIES',
  run: (poolUuid: string, runId: string) => ({ pk: `POOL#${poolUuid}`, sk: `RUN#${runId}` }),
  runPrefix: 'RUN#',
  /** Runs still acting (or not yet announced), on gsi1 (sparse), sort key `{uuid}#{runId}`. */
  openRunsIndexPk: 'POOL_RUNS_OPEN',
  release: (poolUuid: string, runId: string, number: string) => ({ pk: `POOL#${poolUuid}`, sk: `RELEASE#${runId}#${number}` }),
  releasePrefix: (runId: string) => `RELEASE#${runId}#`,
  /** Releases left RELEASING, on gsi1 (sparse), sort key `{uuid}#{number}`. */
  releasingIndexPk: 'POOL_RELEASING',
  poolLock: (poolUuid: string) => ({ pk: `POOL#${poolUuid}`, sk: 'LOCK' }),

  // ---- webhook deliveries, with their owner (an order or a pool) ----
  delivery: (owner: KeyOwner, deliveryId: string) => ({ pk: ownerPk(owner), sk: `${DELIVERY_SK_PREFIX}${deliveryId}` }),
  deliveryPrefix: 'WEBHOOK#',
  /** Deliveries waiting for an attempt, on gsi1 (sparse), sorted by when they are due. */
  dueIndexPk: 'WEBHOOKS_DUE',
  dueSortKey: (nextAttemptAt: string, owner: KeyOwner, deliveryId: string) => `${nextAttemptAt}#${ownerPk(owner)}#${deliveryId}`,

  // ---- Plivo's asynchronous callbacks and the nonces of their signatures ----
  plivoCallback: (apiId: string) => ({ pk: `PLIVO_CALLBACK#${apiId}`, sk: '#CALLBACK' }),
  plivoNonce: (nonce: string) => ({ pk: `PLIVO_NONCE#${nonce}`, sk: '#NONCE' }),
  /** A 10DLC link's status as Plivo's callback reported it (one item per campaign and number). */
  campaignLink: (campaignId: string, number: string) => ({ pk: `CAMPAIGN_LINK#${campaignId}#${number}`, sk: '#LINK' }),
} as const;

const DELIVERY_SK_PREFIX = 'WEBHOOK#';

/** Whose items a key names: an order's or a pool's. */
export type KeyOwner = { orderId: string; poolUuid?: undefined } | { poolUuid: string; orderId?: undefined };

/** The partition key of the owner's items (`ORDER#{id}` or `POOL#{uuid}`). */
export function ownerPk(owner: KeyOwner): string {
  return owner.orderId !== undefined ? `ORDER#${owner.orderId}` : `POOL#${owner.poolUuid}`;
}

/** An item without its key and index attributes (and its TTL), as repositories return it. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expiresAt: _e, ...rest } = item;
  return rest as T;
}

/** Seconds since the epoch, as DynamoDB's TTL reads them. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function pad(line: number): string {
  return String(line).padStart(2, '0');
}
