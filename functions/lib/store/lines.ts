/**
 * An order's lines: plan, status, errors, and the wait on address regulations (the task token
 * that resumes the line, on the sparse `WAITING` index while it waits). A line's counters move
 * with its numbers, in the numbers repository's transactions.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { OrderNotFoundError } from '../errors.js';
import type { LineStatus, PlannedGroup } from '../orders/model.js';
import type { LineItem, RecordedError } from './items.js';
import { queryAll } from './paging.js';
import { keys, stripKeys, TABLE_KEYS, type Table } from './table.js';

export class LineRepository {
  constructor(private readonly table: Table) {}

  /** The order's lines, by index (consistent). */
  async list(orderId: string): Promise<LineItem[]> {
    return queryAll<LineItem>(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': keys.linePrefix },
    });
  }

  /** @throws OrderNotFoundError */
  async get(orderId: string, line: number): Promise<LineItem> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.line(orderId, line), ConsistentRead: true }));
    if (!result.Item) throw new OrderNotFoundError(`order ${orderId} has no line ${line}`);
    return stripKeys<LineItem>(result.Item);
  }

  async savePlan(orderId: string, line: number, plan: PlannedGroup[], status: LineStatus, replans = 0): Promise<void> {
    await this.update(orderId, line, {
      UpdateExpression: 'SET #plan = :plan, planned = :planned, #status = :status, replans = :replans, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#plan': 'plan', '#status': 'status' },
      ExpressionAttributeValues: {
        ':plan': plan,
        ':planned': plan.reduce((sum, group) => sum + group.quantity, 0),
        ':status': status,
        ':replans': replans,
        ':now': this.stamp(),
      },
    });
  }

  async setStatus(orderId: string, line: number, status: LineStatus, extra: { pendingDetails?: string } = {}): Promise<void> {
    await this.update(orderId, line, {
      UpdateExpression: `SET #status = :status, updatedAt = :now${extra.pendingDetails !== undefined ? ', pendingDetails = :details' : ''}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': status,
        ':now': this.stamp(),
        ...(extra.pendingDetails !== undefined ? { ':details': extra.pendingDetails } : {}),
      },
    });
  }

  /**
   * Moves the line to LINKING and records when its 10DLC links were first asked for and their
   * deadline — once: a later pass (or a retried one) keeps the first times.
   */
  async startLinking(orderId: string, line: number, startedAt: string, deadlineAt: string): Promise<{ linkStartedAt: string; linkDeadlineAt: string }> {
    const result = await this.update(orderId, line, {
      UpdateExpression:
        'SET #status = :status, linkStartedAt = if_not_exists(linkStartedAt, :started), linkDeadlineAt = if_not_exists(linkDeadlineAt, :deadline), updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'LINKING', ':started': startedAt, ':deadline': deadlineAt, ':now': this.stamp() },
      ReturnValues: 'ALL_NEW',
    });
    const after = result.Attributes ?? {};
    return { linkStartedAt: String(after.linkStartedAt ?? startedAt), linkDeadlineAt: String(after.linkDeadlineAt ?? deadlineAt) };
  }

  /** @throws OrderNotFoundError (an update alone would create a bare line item). */
  async recordError(orderId: string, line: number, recorded: RecordedError): Promise<void> {
    await this.update(orderId, line, {
      UpdateExpression: 'SET errors = list_append(if_not_exists(errors, :empty), :error), updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':error': [recorded], ':empty': [], ':now': this.stamp() },
    }).catch((error: unknown) => {
      if (error instanceof ConditionalCheckFailedException) throw new OrderNotFoundError(`order ${orderId} has no line ${line}`);
      throw error;
    });
  }

  /**
   * Marks a line as waiting, with the token that resumes it, and puts it on the waiting index
   * (gsi1 `WAITING`, oldest order first).
   */
  async setWaiting(orderId: string, line: number, orderCreatedAt: string, taskToken: string, deadlineAt: string): Promise<void> {
    await this.update(orderId, line, {
      UpdateExpression: 'SET taskToken = :token, deadlineAt = :deadline, #status = :status, gsi1pk = :waiting, gsi1sk = :sort, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':token': taskToken,
        ':deadline': deadlineAt,
        ':status': 'PENDING_REGULATORY',
        ':waiting': keys.waitingIndexPk,
        ':sort': keys.waitingIndexSk(orderCreatedAt, orderId, line),
        ':now': this.stamp(),
      },
    });
  }

  /**
   * Drops the line's task token and takes it off the waiting index, once the token was sent (or
   * found spent): only if the line still holds `token` (a newer wait keeps its own), and moving
   * the line to `status` when given. Sent first, cleared after: a send that fails leaves the
   * token for the next try (docs/design.md, "Waiting lines"). False when the token was not there.
   */
  async clearWaitToken(orderId: string, line: number, token: string, status?: LineStatus): Promise<boolean> {
    try {
      await this.update(orderId, line, {
        UpdateExpression: `REMOVE taskToken, gsi1pk, gsi1sk SET updatedAt = :now${status ? ', #status = :status' : ''}`,
        ConditionExpression: 'taskToken = :token',
        ...(status ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: { ':token': token, ':now': this.stamp(), ...(status ? { ':status': status } : {}) },
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Ends a wait that Step Functions itself ended (the task timed out): token and index entry go, whatever the token. */
  async dropWait(orderId: string, line: number, status: LineStatus): Promise<void> {
    await this.update(orderId, line, {
      UpdateExpression: 'REMOVE taskToken, gsi1pk, gsi1sk SET #status = :status, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':now': this.stamp() },
    });
  }

  /** Lines waiting on address regulations, oldest order first (the index is eventually consistent). */
  async waiting(): Promise<LineItem[]> {
    return queryAll<LineItem>(this.table, {
      IndexName: TABLE_KEYS.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.waitingIndexPk },
    });
  }

  private update(orderId: string, line: number, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>) {
    return this.table.db.send(new UpdateCommand({ TableName: this.table.tableName, Key: keys.line(orderId, line), ...input }));
  }

  private stamp(): string {
    return this.table.now().toISOString();
  }
}
