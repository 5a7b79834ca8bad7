/**
 * The order store: every order, line, rent intent, number and number owner in the one table.
 * Every state change that must not happen twice is a conditional write; a number's status change
 * and its line's counters change in one transaction, so counts never drift from the numbers.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { NumberOrdersError } from '../errors.js';
import {
  emptyCounts,
  type LineCounts,
  type LineStatus,
  type NumberStatus,
  type OrderLine,
  type OrderRequest,
  type OrderStatus,
  type PlannedGroup,
  terminalOrderStatuses,
} from '../orders/model.js';
import { keys, TABLE_KEYS } from './table.js';

export class OrderNotFoundError extends NumberOrdersError {
  override readonly name = 'OrderNotFoundError' as const;
}
export class IdempotencyConflictError extends NumberOrdersError {
  override readonly name = 'IdempotencyConflictError' as const;
}
export class StateConflictError extends NumberOrdersError {
  override readonly name = 'StateConflictError' as const;
}

/** An error as an order or line records it (Plivo's text kept). */
export interface RecordedError {
  at: string;
  line?: number;
  name: string;
  message: string;
  plivoMessage?: string;
  apiId?: string;
}

export interface OrderItem {
  orderId: string;
  status: OrderStatus;
  request: Omit<OrderRequest, 'lines'>;
  lineCount: number;
  requested: number;
  createdAt: string;
  updatedAt: string;
  executionArn?: string;
  rollback?: 'all' | 'unusable';
  /** Set by POST /orders/{id}/cancel: the order rolls back and ends CANCELLED. */
  cancelRequested?: boolean;
  errors: RecordedError[];
  idempotencyKey?: string;
}

export interface LineItem extends LineCounts {
  orderId: string;
  line: number;
  spec: OrderLine;
  status: LineStatus;
  plan: PlannedGroup[];
  /** Times the plan was topped up after numbers failed at rent. */
  replans?: number;
  nextIntentSeq: number;
  errors: RecordedError[];
  pendingDetails?: string;
  /** While the line waits on address regulations: the Step Functions task token that resumes it. */
  taskToken?: string;
  /** When the wait for regulatory numbers ends (ISO time). */
  deadlineAt?: string;
  updatedAt: string;
}

export interface NumberItem {
  orderId: string;
  line: number;
  number: string;
  status: NumberStatus;
  groupId: string;
  readds: number;
  updatedAt: string;
  error?: string;
}

export interface IntentItem {
  orderId: string;
  line: number;
  seq: number;
  groupId: string;
  quantity: number;
  status: 'STARTED' | 'DONE' | 'NOT_APPLIED' | 'REJECTED';
  startedAt: string;
  rented?: number;
  failed?: number;
}

export interface OwnerItem {
  number: string;
  orderId: string;
  line: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  cursor?: string;
}

/** Counter that moves when a number goes from one status to another. */
function counterDeltas(from: NumberStatus | null, to: NumberStatus): Partial<Record<keyof LineCounts, number>> {
  const deltas: Partial<Record<keyof LineCounts, number>> = {};
  if (from === null && to === 'RENTED') deltas.rented = 1;
  if (to === 'ASSIGNED') deltas.assigned = 1;
  if (to === 'VERIFIED') deltas.verified = 1;
  if (from === 'VERIFIED' && to !== 'VERIFIED') deltas.verified = -1;
  if (to === 'FAILED') deltas.failed = 1;
  if (to === 'RELEASED') deltas.released = 1;
  if (to === 'LEAKED') deltas.leaked = 1;
  return deltas;
}

const TRANSACTION_LIMIT = 100;

function now(): string {
  return new Date().toISOString();
}

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object') return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new InvalidCursorError('cursor is not one this API gave out');
}

export class InvalidCursorError extends NumberOrdersError {
  override readonly name = 'InvalidCursorError' as const;
}

/** Stable hash of a request body, for idempotency keys. */
export function bodyHash(body: unknown): string {
  return createHash('sha256').update(stableStringify(body)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expiresAt: _e, ...rest } = item;
  return rest as T;
}

export interface CreateOrderInput {
  orderId: string;
  request: OrderRequest;
  idempotency?: { scope: string; key: string; bodyHash: string };
}

export type CreateOrderResult = { created: true; order: OrderItem } | { created: false; order: OrderItem };

export class OrderStore {
  constructor(
    /** The document client (other stores of the same table, such as webhook deliveries, share it). */
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  // ---- orders -------------------------------------------------------------------------------

  /**
   * Writes the order and its lines, and the idempotency key if given, in one transaction. The same
   * key with the same body returns the existing order (created: false); with another body, 409.
   */
  async createOrder(input: CreateOrderInput): Promise<CreateOrderResult> {
    const { lines, ...request } = input.request;
    const createdAt = now();
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
    const items: TransactWriteCommandInput['TransactItems'] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.order(order.orderId), gsi1pk: keys.ordersIndexPk, gsi1sk: `${createdAt}#${order.orderId}`, ...order },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...lines.map((spec, line) => ({
        Put: {
          TableName: this.tableName,
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
    ];
    // Found by the sweep that starts executions a crash kept from starting (orders/submit.ts).
    items.push({ Put: { TableName: this.tableName, Item: { ...keys.unstarted(order.orderId), orderId: order.orderId, createdAt } } });
    if (!request.dryRun) {
      // Found by the pool's rebalance without reading every order (functions/lib/pools/run.ts).
      items.push({ Put: { TableName: this.tableName, Item: { ...keys.activeOrder(request.poolUuid, order.orderId), orderId: order.orderId, createdAt } } });
    }
    if (input.idempotency) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.idempotency(input.idempotency.scope, input.idempotency.key),
            orderId: order.orderId,
            bodyHash: input.idempotency.bodyHash,
            createdAt,
            // Keys are remembered for 24 hours, as payment APIs do.
            expiresAt: Math.floor(Date.now() / 1000) + 24 * 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { created: true, order };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !input.idempotency) throw error;
      const existing = await this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.idempotency(input.idempotency.scope, input.idempotency.key),
          ConsistentRead: true,
        }),
      );
      if (!existing.Item) throw error;
      if (existing.Item.bodyHash !== input.idempotency.bodyHash) {
        throw new IdempotencyConflictError('Idempotency-Key was already used with a different request body');
      }
      const previous = await this.getOrder(String(existing.Item.orderId));
      return { created: false, order: previous };
    }
  }

  async findOrder(orderId: string): Promise<OrderItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.order(orderId), ConsistentRead: true }));
    return strip<OrderItem>(result.Item);
  }

  async getOrder(orderId: string): Promise<OrderItem> {
    const order = await this.findOrder(orderId);
    if (!order) throw new OrderNotFoundError(`order ${orderId} does not exist`);
    return order;
  }

  /** Newest first; optionally only one status. */
  async listOrders(options: { status?: OrderStatus; limit?: number; cursor?: string } = {}): Promise<Page<OrderItem>> {
    const limit = options.limit ?? 20;
    const items: OrderItem[] = [];
    let startKey = decodeCursor(options.cursor);
    // A status filter may leave pages short; keep reading until the page is full or the index ends.
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TABLE_KEYS.gsi1.name,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.ordersIndexPk, ...(options.status ? { ':status': options.status } : {}) },
          ...(options.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) items.push(strip<OrderItem>(item) as OrderItem);
      startKey = result.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return { items, ...(startKey ? { cursor: encodeCursor(startKey) } : {}) };
  }

  /** Records the order's execution, and takes it off the unstarted list. */
  async setExecutionArn(orderId: string, executionArn: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.order(orderId),
        UpdateExpression: 'SET executionArn = :arn, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':arn': executionArn, ':now': now() },
      }),
    );
    // A crash here leaves the marker: the sweep finds the ARN on the order and drops it.
    await this.forgetUnstarted(orderId);
  }

  /** Orders recorded before `before` (ISO time) whose execution ARN is not recorded yet, oldest first. */
  async unstartedOrders(before: string): Promise<{ orderId: string; createdAt: string }[]> {
    const items = await this.queryAll<{ orderId: string; createdAt: string }>({
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'createdAt < :before',
      ExpressionAttributeValues: { ':pk': keys.unstarted('').pk, ':before': before },
    });
    return items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  async forgetUnstarted(orderId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.unstarted(orderId) }));
  }

  /**
   * Moves the order to `to` if it is in one of `from` (or any non-terminal status when `from` is
   * omitted). Returns false when the condition did not hold.
   */
  async setOrderStatus(orderId: string, to: OrderStatus, from?: readonly OrderStatus[], extra: { rollback?: 'all' | 'unusable' } = {}): Promise<boolean> {
    const values: Record<string, unknown> = { ':to': to, ':now': now() };
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
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.order(orderId),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(ends ? { ReturnValues: 'ALL_NEW' as const } : {}),
        }),
      );
      // An ended order leaves its pool's active list (a crash here is cleaned up by the pool's next run).
      const poolUuid = (result.Attributes as OrderItem | undefined)?.request.poolUuid;
      if (ends && poolUuid) await this.forgetActiveOrder(poolUuid, orderId);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Marks the order for rollback (all numbers, or only the unusable ones). `all` wins over `unusable`. */
  async requestRollback(orderId: string, mode: 'all' | 'unusable'): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.order(orderId),
        UpdateExpression: 'SET #rollback = :mode, updatedAt = :now',
        ConditionExpression: mode === 'all' ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND (attribute_not_exists(#rollback) OR #rollback <> :all)',
        ExpressionAttributeNames: { '#rollback': 'rollback' },
        ExpressionAttributeValues: { ':mode': mode, ':now': now(), ...(mode === 'all' ? {} : { ':all': 'all' }) },
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  async recordOrderError(orderId: string, recorded: RecordedError): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.order(orderId),
        UpdateExpression: 'SET errors = list_append(if_not_exists(errors, :empty), :error), updatedAt = :now',
        ExpressionAttributeValues: { ':error': [recorded], ':empty': [], ':now': now() },
      }),
    );
  }

  // ---- lines --------------------------------------------------------------------------------

  async getLines(orderId: string): Promise<LineItem[]> {
    return this.queryAll<LineItem>({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': keys.linePrefix },
    });
  }

  async getLine(orderId: string, line: number): Promise<LineItem> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.line(orderId, line), ConsistentRead: true }));
    const item = strip<LineItem>(result.Item);
    if (!item) throw new OrderNotFoundError(`order ${orderId} has no line ${line}`);
    return item;
  }

  async savePlan(orderId: string, line: number, plan: PlannedGroup[], status: LineStatus, replans = 0): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, line),
        UpdateExpression: 'SET #plan = :plan, planned = :planned, #status = :status, replans = :replans, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#plan': 'plan', '#status': 'status' },
        ExpressionAttributeValues: {
          ':plan': plan,
          ':planned': plan.reduce((sum, group) => sum + group.quantity, 0),
          ':status': status,
          ':replans': replans,
          ':now': now(),
        },
      }),
    );
  }

  async setLineStatus(orderId: string, line: number, status: LineStatus, extra: { pendingDetails?: string } = {}): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, line),
        UpdateExpression: `SET #status = :status, updatedAt = :now${extra.pendingDetails !== undefined ? ', pendingDetails = :details' : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':now': now(),
          ...(extra.pendingDetails !== undefined ? { ':details': extra.pendingDetails } : {}),
        },
      }),
    );
  }

  async recordLineError(orderId: string, line: number, recorded: RecordedError): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, line),
        UpdateExpression: 'SET errors = list_append(if_not_exists(errors, :empty), :error), updatedAt = :now',
        ExpressionAttributeValues: { ':error': [recorded], ':empty': [], ':now': now() },
      }),
    );
  }

  // ---- waiting on address regulations --------------------------------------------------------

  /**
   * Marks a line as waiting, with the token that resumes it, and puts it on the waiting index
   * (gsi1 `WAITING`, oldest order first).
   */
  async setWaiting(orderId: string, line: number, orderCreatedAt: string, taskToken: string, deadlineAt: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, line),
        UpdateExpression: 'SET taskToken = :token, deadlineAt = :deadline, #status = :status, gsi1pk = :waiting, gsi1sk = :sort, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':token': taskToken,
          ':deadline': deadlineAt,
          ':status': 'PENDING_REGULATORY',
          ':waiting': keys.waitingIndexPk,
          ':sort': `${orderCreatedAt}#${orderId}#${String(line).padStart(2, '0')}`,
          ':now': now(),
        },
      }),
    );
  }

  /**
   * Takes the line off the waiting index and returns its task token, once: of two callers racing
   * to resume (or fail) the same line, exactly one gets the token.
   */
  async takeWaitToken(orderId: string, line: number, status: LineStatus): Promise<string | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.line(orderId, line),
          UpdateExpression: 'REMOVE taskToken, gsi1pk, gsi1sk SET #status = :status, updatedAt = :now',
          ConditionExpression: 'attribute_exists(taskToken)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':now': now() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes?.taskToken as string | undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Lines waiting on address regulations, oldest order first (the index is eventually consistent). */
  async waitingLines(): Promise<LineItem[]> {
    return this.queryAll<LineItem>({
      IndexName: TABLE_KEYS.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.waitingIndexPk },
    });
  }

  /** Asks a non-terminal order to stop and roll back. False when the order is already terminal. */
  async requestCancel(orderId: string, terminal: readonly OrderStatus[]): Promise<boolean> {
    const values: Record<string, unknown> = { ':true': true, ':all': 'all', ':now': now() };
    terminal.forEach((status, i) => (values[`:t${i}`] = status));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.order(orderId),
          UpdateExpression: 'SET cancelRequested = :true, #rollback = :all, updatedAt = :now',
          ConditionExpression: `attribute_exists(pk) AND NOT (#status IN (${terminal.map((_, i) => `:t${i}`).join(', ')}))`,
          ExpressionAttributeNames: { '#status': 'status', '#rollback': 'rollback' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Small records of the reconciler (its last report). */
  async putRecord(key: { pk: string; sk: string }, value: Record<string, unknown>): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...key, ...value } }));
  }

  async getRecord<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return strip<T>(result.Item);
  }

  // ---- rent intents -------------------------------------------------------------------------

  /** Records that a rent is about to be sent. The sequence number comes from the line (conditional). */
  async startIntent(orderId: string, line: number, groupId: string, quantity: number): Promise<IntentItem> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.line(orderId, line),
        UpdateExpression: 'SET nextIntentSeq = nextIntentSeq + :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const seq = Number(result.Attributes?.nextIntentSeq ?? 0);
    const intent: IntentItem = { orderId, line, seq, groupId, quantity, status: 'STARTED', startedAt: now() };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.intent(orderId, line, seq), ...intent },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return intent;
  }

  async finishIntent(intent: IntentItem, status: 'DONE' | 'NOT_APPLIED' | 'REJECTED', result: { rented: number; failed: number }): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.intent(intent.orderId, intent.line, intent.seq),
        UpdateExpression: 'SET #status = :status, rented = :rented, failed = :failed',
        ConditionExpression: '#status = :started',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':started': 'STARTED', ':rented': result.rented, ':failed': result.failed },
      }),
    );
  }

  async listIntents(orderId: string, line?: number): Promise<IntentItem[]> {
    return this.queryAll<IntentItem>({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': line === undefined ? 'INTENT#' : keys.intentPrefix(line) },
    });
  }

  // ---- numbers ------------------------------------------------------------------------------

  /**
   * Claims numbers for an order line: each gets an owner item (one owner per number, ever) and
   * an order-number item in status RENTED, and the line's `rented` count moves with them. Numbers
   * another order already owns are returned as conflicts; numbers this line already owns count as
   * claimed (a retried claim is harmless).
   */
  async claimNumbers(orderId: string, line: number, groupId: string, numbers: readonly string[]): Promise<{ claimed: string[]; conflicts: OwnerItem[] }> {
    const claimed: string[] = [];
    const conflicts: OwnerItem[] = [];
    const perTransaction = Math.floor((TRANSACTION_LIMIT - 1) / 2);
    for (let start = 0; start < numbers.length; start += perTransaction) {
      const chunk = numbers.slice(start, start + perTransaction);
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: this.claimItems(orderId, line, groupId, chunk) }));
        claimed.push(...chunk);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        // Someone owns one of them (or a retry finds its own claim): settle them one by one.
        for (const number of chunk) {
          try {
            await this.db.send(new TransactWriteCommand({ TransactItems: this.claimItems(orderId, line, groupId, [number]) }));
            claimed.push(number);
          } catch (single) {
            if (!(single instanceof TransactionCanceledException)) throw single;
            const [owner] = await this.owners([number]);
            if (owner && owner.orderId === orderId && owner.line === line) claimed.push(number);
            else if (owner) conflicts.push(owner);
            else throw single;
          }
        }
      }
    }
    return { claimed, conflicts };
  }

  private claimItems(orderId: string, line: number, groupId: string, numbers: readonly string[]): NonNullable<TransactWriteCommandInput['TransactItems']> {
    const at = now();
    return [
      ...numbers.flatMap((number) => [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...keys.owner(number), number, orderId, line, claimedAt: at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.orderNumber(orderId, line, number),
              orderId,
              line,
              number,
              status: 'RENTED',
              groupId,
              readds: 0,
              updatedAt: at,
            } satisfies NumberItem & Record<string, unknown>,
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]),
      this.counterUpdate(orderId, line, { rented: numbers.length }),
    ];
  }

  private counterUpdate(orderId: string, line: number, deltas: Partial<Record<keyof LineCounts, number>>) {
    const names = Object.keys(deltas) as (keyof LineCounts)[];
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.line(orderId, line),
        UpdateExpression: `ADD ${names.map((name, i) => `#c${i} :c${i}`).join(', ')} SET updatedAt = :now`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#c${i}`, name])),
        ExpressionAttributeValues: { ...Object.fromEntries(names.map((name, i) => [`:c${i}`, deltas[name]])), ':now': now() },
      },
    };
  }

  /**
   * Moves numbers of one line from status `from` to `to`, each only if it is still in `from`, and
   * moves the line's counters in the same transaction. Returns the numbers that moved; a number
   * that was no longer in `from` (someone else moved it) is left alone.
   */
  async transition(
    orderId: string,
    line: number,
    numbers: readonly string[],
    from: NumberStatus,
    to: NumberStatus,
    extra: { error?: string; readds?: number } = {},
  ): Promise<string[]> {
    const moved: string[] = [];
    const deltas = counterDeltas(from, to);
    const hasCounters = Object.keys(deltas).length > 0;
    const perTransaction = TRANSACTION_LIMIT - (hasCounters ? 1 : 0);
    for (let start = 0; start < numbers.length; start += perTransaction) {
      const chunk = numbers.slice(start, start + perTransaction);
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: this.transitionItems(orderId, line, chunk, from, to, deltas, extra) }));
        moved.push(...chunk);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        for (const number of chunk) {
          try {
            await this.db.send(new TransactWriteCommand({ TransactItems: this.transitionItems(orderId, line, [number], from, to, deltas, extra) }));
            moved.push(number);
          } catch (single) {
            if (!(single instanceof TransactionCanceledException)) throw single;
          }
        }
      }
    }
    return moved;
  }

  private transitionItems(
    orderId: string,
    line: number,
    numbers: readonly string[],
    from: NumberStatus,
    to: NumberStatus,
    deltas: Partial<Record<keyof LineCounts, number>>,
    extra: { error?: string; readds?: number },
  ): NonNullable<TransactWriteCommandInput['TransactItems']> {
    const at = now();
    let update = 'SET #status = :to, updatedAt = :now';
    const values: Record<string, unknown> = { ':to': to, ':from': from, ':now': at };
    if (extra.error !== undefined) {
      update += ', #error = :error';
      values[':error'] = extra.error;
    }
    if (extra.readds !== undefined) {
      update += ', readds = :readds';
      values[':readds'] = extra.readds;
    }
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = numbers.map((number) => ({
      Update: {
        TableName: this.tableName,
        Key: keys.orderNumber(orderId, line, number),
        UpdateExpression: update,
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status', ...(extra.error !== undefined ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: values,
      },
    }));
    if (Object.keys(deltas).length > 0) {
      const scaled = Object.fromEntries(Object.entries(deltas).map(([name, delta]) => [name, (delta ?? 0) * numbers.length]));
      items.push(this.counterUpdate(orderId, line, scaled));
    }
    return items;
  }

  /** Sets the re-add count of numbers without changing their status. */
  async setReadds(orderId: string, line: number, numbers: readonly string[], readds: number): Promise<void> {
    for (const number of numbers) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.orderNumber(orderId, line, number),
          UpdateExpression: 'SET readds = :readds, updatedAt = :now',
          ExpressionAttributeValues: { ':readds': readds, ':now': now() },
        }),
      );
    }
  }

  /** Numbers of one line (or of the whole order), optionally only some statuses; consistent reads. */
  async lineNumbers(orderId: string, line: number | undefined, statuses?: readonly NumberStatus[]): Promise<NumberItem[]> {
    const values: Record<string, unknown> = { ':pk': keys.order(orderId).pk, ':prefix': keys.orderNumbersPrefix(line) };
    let filter: string | undefined;
    if (statuses && statuses.length > 0) {
      filter = `#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`;
      statuses.forEach((status, i) => (values[`:s${i}`] = status));
    }
    return this.queryAll<NumberItem>({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: values,
      ...(filter ? { FilterExpression: filter } : {}),
      ProjectionExpression: 'orderId, line, #n, #status, groupId, readds, updatedAt, #error',
      ExpressionAttributeNames: { '#status': 'status', '#n': 'number', '#error': 'error' },
    });
  }

  /** One page of an order's numbers, for the API. */
  async pageOrderNumbers(orderId: string, options: { line?: number; limit?: number; cursor?: string } = {}): Promise<Page<NumberItem>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': keys.orderNumbersPrefix(options.line) },
        Limit: options.limit ?? 100,
        ExclusiveStartKey: decodeCursor(options.cursor),
      }),
    );
    const items = (result.Items ?? []).map((item) => strip<NumberItem>(item) as NumberItem);
    const cursor = encodeCursor(result.LastEvaluatedKey);
    return { items, ...(cursor ? { cursor } : {}) };
  }

  /** Owners of the given numbers (absent from the result when no order owns one). */
  async owners(numbers: readonly string[]): Promise<OwnerItem[]> {
    const found: OwnerItem[] = [];
    for (let start = 0; start < numbers.length; start += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
        [this.tableName]: { Keys: numbers.slice(start, start + 100).map((n) => keys.owner(n)), ConsistentRead: true },
      };
      while (request && Object.keys(request).length > 0) {
        const result: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.tableName] ?? []) found.push(strip<OwnerItem>(item) as OwnerItem);
        const unprocessed: { Keys?: Record<string, unknown>[] } | undefined = result.UnprocessedKeys?.[this.tableName];
        request = unprocessed?.Keys?.length ? { [this.tableName]: { Keys: unprocessed.Keys, ConsistentRead: true } } : undefined;
      }
    }
    return found;
  }

  /**
   * Ids of the pool's orders that may still be working, oldest first (consistent). An order that
   * has ended stays listed until `forgetActiveOrder`: callers check the order's status.
   */
  async activeOrderIds(poolUuid: string): Promise<string[]> {
    const items = await this.queryAll<{ orderId: string }>({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.activeOrder(poolUuid, '').pk, ':prefix': keys.activeOrderPrefix },
      ProjectionExpression: 'orderId',
    });
    return items.map((item) => item.orderId);
  }

  /** Drops an ended order from its pool's active list. */
  async forgetActiveOrder(poolUuid: string, orderId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.activeOrder(poolUuid, orderId) }));
  }

  private async queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
    const items: T[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      // Consistent reads on the table; a global secondary index offers none.
      const result = await this.db.send(
        new QueryCommand({ TableName: this.tableName, ConsistentRead: input.IndexName === undefined, ...input, ExclusiveStartKey: startKey }),
      );
      for (const item of result.Items ?? []) items.push(strip<T>(item) as T);
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
