/**
 * Orders and their idempotency keys. Creating an order writes, in one transaction, the order, its
 * lines, the marker of an execution not started yet, the pool's active-order marker and the
 * idempotency key: the lines' and markers' keys come from the table module, so this repository
 * needs no other one. A status change that ends the order also drops its pool marker.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConflictError, OrderNotFoundError } from '../errors.js';
import { METRIC, STATUS_DIMENSION } from '../metrics.js';
import { emptyCounts, type OrderRequest, type OrderStatus, terminalOrderStatuses } from '../orders/model.js';
import type { LineItem, OrderItem, RecordedError } from './items.js';
import { type Page, queryAll, queryPage } from './paging.js';
import { epochSeconds, keys, stripKeys, TABLE_KEYS, type Table } from './table.js';

export interface CreateOrderInput {
  orderId: string;
  request: OrderRequest;
  idempotency?: { scope: string; key: string; bodyHash: string };
}

export type CreateOrderResult = { created: true; order: OrderItem } | { created: false; order: OrderItem };

/** What an idempotency key remembers: the order it created and the hash of the body that did. */
export interface IdempotencyRecord {
  orderId: string;
  bodyHash: string;
}

/** Keys are remembered for 24 hours, as payment APIs do. */
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export class OrderRepository {
  constructor(private readonly table: Table) {}

  /**
   * Writes the order and its lines, and the idempotency key if given, in one transaction. The same
   * key with the same body returns the existing order (created: false); with another body,
   * IdempotencyConflictError.
   */
  async create(input: CreateOrderInput): Promise<CreateOrderResult> {
    const { lines, ...request } = input.request;
    const now = this.table.now();
    const createdAt = now.toISOString();
    const order: OrderItem = {
      orderId: input.orderId,
      status: 'RECEIVED',
      request,
      lineCount: lines.length,
      requested: lines.reduce((sum, line) => sum + line.quantity, 0),
      createdAt,
      updatedAt: createdAt,
      errors: [],
      ...(input.idempotency ? { idempotencyKey: input.idempotency.key } : {}),
    };
    const TableName = this.table.tableName;
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName,
          Item: { ...keys.order(order.orderId), gsi1pk: keys.ordersIndexPk, gsi1sk: keys.ordersIndexSk(createdAt, order.orderId), ...order },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...lines.map((spec, line) => ({
        Put: {
          TableName,
          Item: {
            ...keys.line(order.orderId, line),
            orderId: order.orderId,
            line,
            spec,
            status: 'RECEIVED',
            plan: [],
            nextIntentSeq: 0,
            errors: [],
            updatedAt: createdAt,
            ...emptyCounts(spec.quantity),
          } satisfies LineItem & Record<string, unknown>,
        },
      })),
      // Found by the sweep that starts executions a crash kept from starting (orders/submit.ts).
      { Put: { TableName, Item: { ...keys.unstarted(order.orderId), orderId: order.orderId, createdAt } } },
      // Found by the recovery of orders whose execution died (orders/recovery.ts).
      { Put: { TableName, Item: { ...keys.openOrder(order.orderId), orderId: order.orderId, createdAt } } },
    ];
    if (!request.dryRun) {
      // Found by the pool's rebalance without reading every order (functions/lib/pools/counting.ts).
      items.push({ Put: { TableName, Item: { ...keys.activeOrder(request.poolUuid, order.orderId), orderId: order.orderId, createdAt } } });
    }
    if (input.idempotency) {
      const { scope, key, bodyHash } = input.idempotency;
      items.push({
        Put: {
          TableName,
          Item: { ...keys.idempotency(scope, key), orderId: order.orderId, bodyHash, createdAt, expiresAt: epochSeconds(now) + IDEMPOTENCY_TTL_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    try {
      await this.table.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { created: true, order };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !input.idempotency) throw error;
      const existing = await this.findIdempotencyKey(input.idempotency.scope, input.idempotency.key);
      if (!existing) throw error;
      if (existing.bodyHash !== input.idempotency.bodyHash) {
        throw new IdempotencyConflictError('Idempotency-Key was already used with a different request body', { cause: error });
      }
      return { created: false, order: await this.get(existing.orderId) };
    }
  }

  /** What an idempotency key of `scope` remembers, while it is remembered. */
  async findIdempotencyKey(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.idempotency(scope, key), ConsistentRead: true }));
    return result.Item ? { orderId: String(result.Item.orderId), bodyHash: String(result.Item.bodyHash) } : undefined;
  }

  async find(orderId: string): Promise<OrderItem | undefined> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.order(orderId), ConsistentRead: true }));
    return result.Item ? stripKeys<OrderItem>(result.Item) : undefined;
  }

  /** @throws OrderNotFoundError */
  async get(orderId: string): Promise<OrderItem> {
    const order = await this.find(orderId);
    if (!order) throw new OrderNotFoundError(`order ${orderId} does not exist`);
    return order;
  }

  /** Newest first; optionally only one status. @throws InvalidCursorError */
  async list(options: { status?: OrderStatus; limit?: number; cursor?: string } = {}): Promise<Page<OrderItem>> {
    return queryPage<OrderItem>(
      this.table,
      {
        IndexName: TABLE_KEYS.gsi1.name,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.ordersIndexPk, ...(options.status ? { ':status': options.status } : {}) },
        ...(options.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ScanIndexForward: false,
      },
      { limit: options.limit ?? 20, cursor: options.cursor },
    );
  }

  /** Records the order's execution, and takes it off the unstarted list. */
  async setExecutionArn(orderId: string, executionArn: string): Promise<void> {
    await this.update(orderId, {
      UpdateExpression: 'SET executionArn = :arn, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':arn': executionArn, ':now': this.stamp() },
    });
    // A crash here leaves the marker: the sweep finds the ARN on the order and drops it.
    await this.forgetUnstarted(orderId);
  }

  /** Records how many numbers the order's pool held when the order was planned (Verify's choice of reads). */
  async setPoolSizeAtPlan(orderId: string, poolSize: number): Promise<void> {
    await this.update(orderId, {
      UpdateExpression: 'SET poolSizeAtPlan = :size, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':size': poolSize, ':now': this.stamp() },
    });
  }

  /** Orders recorded before `before` (ISO time) whose execution ARN is not recorded yet, oldest first. */
  async unstarted(before: string): Promise<{ orderId: string; createdAt: string }[]> {
    const items = await queryAll<{ orderId: string; createdAt: string }>(this.table, {
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'createdAt < :before',
      ExpressionAttributeValues: { ':pk': keys.unstarted('').pk, ':before': before },
    });
    return items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  async forgetUnstarted(orderId: string): Promise<void> {
    await this.table.db.send(new DeleteCommand({ TableName: this.table.tableName, Key: keys.unstarted(orderId) }));
  }

  /** Orders recorded before `before` (ISO time) that have not ended, oldest first. */
  async open(before: string): Promise<{ orderId: string; createdAt: string }[]> {
    const items = await queryAll<{ orderId: string; createdAt: string }>(this.table, {
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'createdAt < :before',
      ExpressionAttributeValues: { ':pk': keys.openOrder('').pk, ':before': before },
    });
    return items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  async forgetOpen(orderId: string): Promise<void> {
    await this.table.db.send(new DeleteCommand({ TableName: this.table.tableName, Key: keys.openOrder(orderId) }));
  }

  /**
   * Records the execution that now carries the order after its previous one died, counting the
   * recoveries. Only if the order still names `previousArn`: of two passes, one records.
   */
  async recordRecovery(orderId: string, previousArn: string, executionArn: string): Promise<boolean> {
    try {
      await this.update(orderId, {
        UpdateExpression: 'SET executionArn = :arn, recoveries = if_not_exists(recoveries, :zero) + :one, updatedAt = :now',
        ConditionExpression: 'executionArn = :previous',
        ExpressionAttributeValues: { ':arn': executionArn, ':previous': previousArn, ':zero': 0, ':one': 1, ':now': this.stamp() },
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Moves the order to `to` if it is in one of `from` (or any status when `from` is omitted).
   * Returns false when the condition did not hold.
   */
  async setStatus(orderId: string, to: OrderStatus, from?: readonly OrderStatus[], extra: { rollback?: 'all' | 'unusable' } = {}): Promise<boolean> {
    const values: Record<string, unknown> = { ':to': to, ':now': this.stamp() };
    let condition = 'attribute_exists(pk)';
    if (from && from.length > 0) {
      condition += ` AND #status IN (${from.map((_, i) => `:f${i}`).join(', ')})`;
      from.forEach((status, i) => (values[`:f${i}`] = status));
    }
    let update = 'SET #status = :to, updatedAt = :now';
    const names: Record<string, string> = { '#status': 'status' };
    if (extra.rollback) {
      update += ', #rollback = :rollback';
      values[':rollback'] = extra.rollback;
      names['#rollback'] = 'rollback';
    }
    const ends = terminalOrderStatuses.includes(to);
    try {
      const result = await this.update(orderId, {
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        // The order as it was: whether this write is the one that ended it (and its pool, which the write does not change).
        ...(ends ? { ReturnValues: 'ALL_OLD' as const } : {}),
      });
      const before = result.Attributes as OrderItem | undefined;
      // Counted once per order: a repeated write of a final status does not end it again.
      if (ends && before && !terminalOrderStatuses.includes(before.status)) this.table.metrics.count(METRIC.ordersEnded, 1, { [STATUS_DIMENSION]: to });
      // An ended order leaves its pool's active list (a crash here is cleaned up by the pool's next
      // run) and the open list (cleaned up by the recovery pass, which finds it ended).
      const poolUuid = before?.request.poolUuid;
      if (ends && poolUuid) await this.forgetActive(poolUuid, orderId);
      if (ends) await this.forgetOpen(orderId);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Marks the order for rollback (all numbers, or only the unusable ones). `all` wins over `unusable`. */
  async requestRollback(orderId: string, mode: 'all' | 'unusable'): Promise<void> {
    await this.update(orderId, {
      UpdateExpression: 'SET #rollback = :mode, updatedAt = :now',
      ConditionExpression: mode === 'all' ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND (attribute_not_exists(#rollback) OR #rollback <> :all)',
      ExpressionAttributeNames: { '#rollback': 'rollback' },
      ExpressionAttributeValues: { ':mode': mode, ':now': this.stamp(), ...(mode === 'all' ? {} : { ':all': 'all' }) },
    }).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  /** @throws OrderNotFoundError (an update alone would create a bare order item). */
  async recordError(orderId: string, recorded: RecordedError): Promise<void> {
    await this.update(orderId, {
      UpdateExpression: 'SET errors = list_append(if_not_exists(errors, :empty), :error), updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':error': [recorded], ':empty': [], ':now': this.stamp() },
    }).catch((error: unknown) => {
      if (error instanceof ConditionalCheckFailedException) throw new OrderNotFoundError(`order ${orderId} does not exist`);
      throw error;
    });
  }

  /** Asks a non-terminal order to stop and roll back. False when the order is already terminal. */
  async requestCancel(orderId: string, terminal: readonly OrderStatus[]): Promise<boolean> {
    const values: Record<string, unknown> = { ':true': true, ':all': 'all', ':now': this.stamp() };
    terminal.forEach((status, i) => (values[`:t${i}`] = status));
    try {
      await this.update(orderId, {
        UpdateExpression: 'SET cancelRequested = :true, #rollback = :all, updatedAt = :now',
        ConditionExpression: `attribute_exists(pk) AND NOT (#status IN (${terminal.map((_, i) => `:t${i}`).join(', ')}))`,
        ExpressionAttributeNames: { '#status': 'status', '#rollback': 'rollback' },
        ExpressionAttributeValues: values,
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Ids of the pool's orders that may still be working, oldest first (consistent). An order that
   * has ended stays listed until `forgetActive`: callers check the order's status.
   */
  async activeInPool(poolUuid: string): Promise<string[]> {
    const items = await queryAll<{ orderId: string }>(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.activeOrder(poolUuid, '').pk, ':prefix': keys.activeOrderPrefix },
      ProjectionExpression: 'orderId',
    });
    return items.map((item) => item.orderId);
  }

  /** Drops an ended order from its pool's active list. */
  async forgetActive(poolUuid: string, orderId: string): Promise<void> {
    await this.table.db.send(new DeleteCommand({ TableName: this.table.tableName, Key: keys.activeOrder(poolUuid, orderId) }));
  }

  private update(orderId: string, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>) {
    return this.table.db.send(new UpdateCommand({ TableName: this.table.tableName, Key: keys.order(orderId), ...input }));
  }

  private stamp(): string {
    return this.table.now().toISOString();
  }
}
