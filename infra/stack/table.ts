/**
 * The one DynamoDB table, built from the same `TABLE_KEYS` the store and the local stack use, so
 * the key schema cannot drift; `connect` is the only way a function learns its name, and it grants
 * the data actions the store uses (and nothing else) on the table and its one index.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../functions/lib/store/table.js';

/**
 * The DynamoDB actions behind the commands every function's code may send: Get, BatchGet, Query,
 * Put, Update, and TransactWrite of Put and Update items (a transaction is authorised item by item,
 * as PutItem/UpdateItem). No Scan. `test/infra` re-derives this list (and `DELETE_DATA_ACTIONS`)
 * from the source.
 */
export const STORE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;

/**
 * What a function whose code deletes items adds: the functions that start orders (recording an
 * execution drops the order's UNSTARTED marker), end orders (an ended order leaves its pool's
 * active list) and run pool rebalances (a run deletes its pool's lock and the active-order markers
 * of orders it finds ended). Each of them declares it (`connect(fn, { deletes: true })`, or a
 * workflow step's `endsOrders`); `test/infra` checks that exactly those get it.
 */
export const DELETE_DATA_ACTIONS = ['dynamodb:DeleteItem'] as const;

export interface ConnectOptions {
  /** The function's code deletes items: `DELETE_DATA_ACTIONS` too. @default false */
  deletes?: boolean;
}

export interface OrdersTableProps {
  /** @default true */
  deletionProtection?: boolean;
}

export class OrdersTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: OrdersTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      deletionProtection: props.deletionProtection ?? true,
      // The AWS managed key (aws/dynamodb): encrypted at rest with a key whose use CloudTrail shows,
      // without the cost and key policy of a customer managed key.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Orders, numbers and their money outlive the stack: deleting the stack leaves the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.gsi1.name,
      partitionKey: { name: TABLE_KEYS.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /** Hands the table to `fn`: `TABLE_NAME`, and the store's data actions on the table and gsi1. */
  connect(fn: lambda.Function, options: ConnectOptions = {}): void {
    fn.addEnvironment('TABLE_NAME', this.table.tableName);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...STORE_DATA_ACTIONS, ...(options.deletes ? DELETE_DATA_ACTIONS : [])],
        resources: [this.table.tableArn, `${this.table.tableArn}/index/${TABLE_KEYS.gsi1.name}`],
      }),
    );
  }
}
