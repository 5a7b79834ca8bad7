/**
 * The repositories of the one table, built together: what handlers, the local stack and tests
 * construct (`createStores(db, tableName)`) and pass down as `store`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeliveryRepository } from './deliveries.js';
import { ExpectationRepository } from './expectations.js';
import { RentLockRepository } from './leases.js';
import { IntentRepository } from './intents.js';
import { LineRepository } from './lines.js';
import { WorkSlotRepository } from './work-slots.js';
import { NumberRepository } from './numbers.js';
import { OrderRepository } from './orders.js';
import { PlivoCallbackRepository } from './plivo-callbacks.js';
import { PolicyRepository } from './pool-policies.js';
import { PoolLockRepository, ReleaseRepository } from './pool-releases.js';
import { RunRepository } from './pool-runs.js';
import { ReconciliationRepository } from './reconciliation.js';
import type { Table } from './table.js';
import { type Metrics, noMetrics } from '../metrics.js';

/** The document client and the table, as webhook code is given them. */
export interface TableRef {
  db: DynamoDBDocumentClient;
  tableName: string;
}

export interface StoreOptions {
  /** The clock items are stamped with (tests pass their own). @default () => new Date() */
  now?: () => Date;
  /** Counts numbers rented, verified, released, leaked and orders ended, as the writes succeed. @default none */
  metrics?: Metrics;
}

export interface Stores extends TableRef {
  readonly orders: OrderRepository;
  readonly lines: LineRepository;
  readonly workSlots: WorkSlotRepository;
  readonly intents: IntentRepository;
  readonly expectations: ExpectationRepository;
  readonly rentLocks: RentLockRepository;
  readonly numbers: NumberRepository;
  readonly pools: {
    readonly policies: PolicyRepository;
    readonly runs: RunRepository;
    readonly releases: ReleaseRepository;
    readonly locks: PoolLockRepository;
  };
  readonly deliveries: DeliveryRepository;
  readonly plivoCallbacks: PlivoCallbackRepository;
  readonly reconciliation: ReconciliationRepository;
}

export function createStores(db: DynamoDBDocumentClient, tableName: string, options: StoreOptions = {}): Stores {
  const table: Table = { db, tableName, now: options.now ?? (() => new Date()), metrics: options.metrics ?? noMetrics };
  return {
    db,
    tableName,
    orders: new OrderRepository(table),
    lines: new LineRepository(table),
    workSlots: new WorkSlotRepository(table),
    intents: new IntentRepository(table),
    expectations: new ExpectationRepository(table),
    rentLocks: new RentLockRepository(table),
    numbers: new NumberRepository(table),
    pools: {
      policies: new PolicyRepository(table),
      runs: new RunRepository(table),
      releases: new ReleaseRepository(table),
      locks: new PoolLockRepository(table),
    },
    deliveries: new DeliveryRepository(table),
    plivoCallbacks: new PlivoCallbackRepository(table),
    reconciliation: new ReconciliationRepository(table),
  };
}

/** The repositories of a `{ db, tableName }` (and its clock, when it has one). */
export function storesOf(ref: TableRef & { now?: (() => Date) | undefined }): Stores {
  return createStores(ref.db, ref.tableName, ref.now ? { now: ref.now } : {});
}
