/**
 * An order's numbers and their owners (one owner per number, ever). Every status change is
 * conditional on the status before it, and moves the line's counters in the same transaction, so
 * counts never drift from the numbers; the line's counter update is built here from the table's
 * key functions.
 */
import { TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { METRIC, type MetricName } from '../metrics.js';
import type { LineCounts, NumberStatus } from '../orders/model.js';
import { expectationKey } from './expectations.js';
import type { ExpectationItem, NumberItem, OwnerItem } from './items.js';
import { batchGetAll, type Page, queryAll, queryPage } from './paging.js';
import { keys, type Table } from './table.js';
import { cancellationCodes, isConditionFailure } from './write-conflicts.js';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
type Deltas = Partial<Record<keyof LineCounts, number>>;

const TRANSACTION_LIMIT = 100;

/** Counter that moves when a number goes from one status to another. */
function counterDeltas(from: NumberStatus | null, to: NumberStatus): Deltas {
  const deltas: Deltas = {};
  if (from === null && to === 'RENTED') deltas.rented = 1;
  if (to === 'LINKED') deltas.linked = 1;
  if (to === 'ASSIGNED') deltas.assigned = 1;
  if (to === 'VERIFIED') deltas.verified = 1;
  if (from === 'VERIFIED' && to !== 'VERIFIED') deltas.verified = -1;
  if (to === 'FAILED') deltas.failed = 1;
  if (to === 'RELEASED') deltas.released = 1;
  if (to === 'LEAKED') deltas.leaked = 1;
  return deltas;
}

/** The count a number moving into a status adds to (each move counted once: only the numbers that moved). */
const ARRIVAL_METRICS: Partial<Record<NumberStatus, MetricName>> = {
  VERIFIED: METRIC.numbersVerified,
  RELEASED: METRIC.numbersReleased,
  LEAKED: METRIC.numbersLeaked,
};

export class NumberRepository {
  constructor(private readonly table: Table) {}

  /**
   * Claims numbers for an order line: each gets an owner item and an order-number item in status
   * RENTED (or PENDING: in the account, awaiting Plivo's approval), and the line's `rented` count
   * moves with them — a pending number is rented and paid for. Numbers another order already owns
   * are returned as conflicts; numbers this line already owns count as claimed (a retried claim is
   * harmless).
   */
  async claim(
    orderId: string,
    line: number,
    groupId: string,
    numbers: readonly string[],
    status: Extract<NumberStatus, 'RENTED' | 'PENDING'> = 'RENTED',
  ): Promise<{ claimed: string[]; conflicts: OwnerItem[] }> {
    const claimed: string[] = [];
    const conflicts: OwnerItem[] = [];
    // Claimed by this call, not owned already by this line (a retried claim counts nothing).
    let fresh = 0;
    const perTransaction = Math.floor((TRANSACTION_LIMIT - 1) / 2);
    for (let start = 0; start < numbers.length; start += perTransaction) {
      const chunk = numbers.slice(start, start + perTransaction);
      try {
        await this.transact(this.claimItems(orderId, line, groupId, chunk, status));
        claimed.push(...chunk);
        fresh += chunk.length;
      } catch (error) {
        // Only a failed condition says "owned already"; a conflict the client's retries could not
        // get past, a throttle or a timeout is thrown as the failure it is.
        if (!isConditionFailure(error)) throw error;
        // Someone owns one of them (or a retry finds its own claim): settle them one by one.
        for (const number of chunk) {
          try {
            await this.transact(this.claimItems(orderId, line, groupId, [number], status));
            claimed.push(number);
            fresh++;
          } catch (single) {
            if (!isConditionFailure(single)) throw single;
            const [owner] = await this.owners([number]);
            if (owner && owner.orderId === orderId && owner.line === line) claimed.push(number);
            else if (owner) conflicts.push(owner);
            else throw single;
          }
        }
      }
    }
    if (fresh > 0) this.table.metrics.count(METRIC.numbersRented, fresh);
    return { claimed, conflicts };
  }

  /**
   * Claims one number Plivo delivered for an expectation (expectations.ts): the number's owner and
   * order-number items, the line's count and the expectation's `delivered` move in one
   * transaction, so an expectation never takes more numbers than it awaits. `owned` when an order
   * already owns the number, `full` when the expectation has all it awaited.
   */
  async claimDelivery(expectation: ExpectationItem, number: string): Promise<'claimed' | 'owned' | 'full'> {
    const items = this.claimItems(expectation.orderId, expectation.line, expectation.groupId, [number], 'RENTED');
    items.push({
      Update: {
        TableName: this.table.tableName,
        Key: expectationKey(expectation),
        UpdateExpression: 'ADD delivered :one',
        ConditionExpression: 'attribute_exists(pk) AND delivered < quantity',
        ExpressionAttributeValues: { ':one': 1 },
      },
    });
    try {
      await this.transact(items);
      this.table.metrics.count(METRIC.numbersRented);
      return 'claimed';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      // The owner item, or this line's own record of the number, not released.
      if (codes[0] === 'ConditionalCheckFailed' || codes[1] === 'ConditionalCheckFailed') return 'owned';
      if (codes[items.length - 1] === 'ConditionalCheckFailed') return 'full';
      throw error;
    }
  }

  /**
   * Moves numbers of one line from status `from` to `to`, each only if it is still in `from`, and
   * moves the line's counters in the same transaction. Returns the numbers that moved; a number
   * that was no longer in `from` (someone else moved it, or this very transition, repeated after
   * its answer was lost) is left alone. Only a failed condition means "no longer in `from`": a
   * conflict that outlasted the client's retries, a throttle or a timeout is thrown, never read as
   * done.
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
    // A release also gives up the number's owner item: two items per number.
    const perTransaction = Math.floor((TRANSACTION_LIMIT - (Object.keys(deltas).length > 0 ? 1 : 0)) / (to === 'RELEASED' ? 2 : 1));
    for (let start = 0; start < numbers.length; start += perTransaction) {
      const chunk = numbers.slice(start, start + perTransaction);
      try {
        await this.transact(this.transitionItems(orderId, line, chunk, from, to, deltas, extra));
        moved.push(...chunk);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        for (const number of chunk) {
          try {
            await this.transact(this.transitionItems(orderId, line, [number], from, to, deltas, extra));
            moved.push(number);
          } catch (single) {
            if (!isConditionFailure(single)) throw single;
          }
        }
      }
    }
    const metric = ARRIVAL_METRICS[to];
    if (metric && moved.length > 0) this.table.metrics.count(metric, moved.length);
    return moved;
  }

  /** Sets the re-add count of numbers without changing their status. */
  async setReadds(orderId: string, line: number, numbers: readonly string[], readds: number): Promise<void> {
    for (const number of numbers) {
      await this.table.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.orderNumber(orderId, line, number),
          UpdateExpression: 'SET readds = :readds, updatedAt = :now',
          ExpressionAttributeValues: { ':readds': readds, ':now': this.stamp() },
        }),
      );
    }
  }

  /** Numbers of one line (or of the whole order), optionally only some statuses; consistent reads. */
  async list(orderId: string, line: number | undefined, statuses?: readonly NumberStatus[]): Promise<NumberItem[]> {
    const values: Record<string, unknown> = { ':pk': keys.order(orderId).pk, ':prefix': keys.orderNumbersPrefix(line) };
    let filter: string | undefined;
    if (statuses && statuses.length > 0) {
      filter = `#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`;
      statuses.forEach((status, i) => (values[`:s${i}`] = status));
    }
    return queryAll<NumberItem>(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: values,
      ...(filter ? { FilterExpression: filter } : {}),
      ProjectionExpression: 'orderId, line, #n, #status, groupId, readds, updatedAt, #error',
      ExpressionAttributeNames: { '#status': 'status', '#n': 'number', '#error': 'error' },
    });
  }

  /** One page of an order's numbers, for the API. @throws InvalidCursorError */
  async page(orderId: string, options: { line?: number; limit?: number; cursor?: string } = {}): Promise<Page<NumberItem>> {
    return queryPage<NumberItem>(
      this.table,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':prefix': keys.orderNumbersPrefix(options.line) },
      },
      { limit: options.limit ?? 100, cursor: options.cursor },
    );
  }

  /** Owners of the given numbers (absent from the result when no order owns one). */
  async owners(given: readonly string[]): Promise<OwnerItem[]> {
    // BatchGet refuses a key twice; an account read page by page while it changes can repeat a number.
    return batchGetAll<OwnerItem>(this.table, [...new Set(given)].map((number) => keys.owner(number)));
  }

  private async transact(items: TransactItems): Promise<void> {
    await this.table.db.send(new TransactWriteCommand({ TransactItems: items }));
  }

  private claimItems(orderId: string, line: number, groupId: string, numbers: readonly string[], status: NumberStatus): TransactItems {
    const at = this.stamp();
    const TableName = this.table.tableName;
    return [
      ...numbers.flatMap((number) => [
        { Put: { TableName, Item: { ...keys.owner(number), number, orderId, line, claimedAt: at }, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Put: {
            TableName,
            Item: {
              ...keys.orderNumber(orderId, line, number),
              orderId,
              line,
              number,
              status,
              groupId,
              readds: 0,
              updatedAt: at,
            } satisfies NumberItem & Record<string, unknown>,
            // A record of this line's earlier rental of the number, released since, gives way to
            // the new rental: Plivo hands released numbers out again, to this line too.
            ConditionExpression: 'attribute_not_exists(pk) OR #status = :released',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':released': 'RELEASED' },
          },
        },
      ]),
      this.counterUpdate(orderId, line, { rented: numbers.length }),
    ];
  }

  private transitionItems(
    orderId: string,
    line: number,
    numbers: readonly string[],
    from: NumberStatus,
    to: NumberStatus,
    deltas: Deltas,
    extra: { error?: string; readds?: number },
  ): TransactItems {
    let update = 'SET #status = :to, updatedAt = :now';
    const values: Record<string, unknown> = { ':to': to, ':from': from, ':now': this.stamp() };
    if (extra.error !== undefined) {
      update += ', #error = :error';
      values[':error'] = extra.error;
    }
    if (extra.readds !== undefined) {
      update += ', readds = :readds';
      values[':readds'] = extra.readds;
    }
    const items: TransactItems = numbers.map((number) => ({
      Update: {
        TableName: this.table.tableName,
        Key: keys.orderNumber(orderId, line, number),
        UpdateExpression: update,
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status', ...(extra.error !== undefined ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: values,
      },
    }));
    // A released number has left the account, and Plivo hands released numbers out again: the
    // order that owned it gives up its owner item, so that the next order to rent it can claim it
    // (kept, it made that order's claim conflict and left the number paid for and owned by no
    // live order).
    if (to === 'RELEASED') {
      for (const number of numbers) {
        items.push({
          Delete: {
            TableName: this.table.tableName,
            Key: keys.owner(number),
            ConditionExpression: 'attribute_not_exists(pk) OR (#order = :order AND #line = :line)',
            ExpressionAttributeNames: { '#order': 'orderId', '#line': 'line' },
            ExpressionAttributeValues: { ':order': orderId, ':line': line },
          },
        });
      }
    }
    if (Object.keys(deltas).length > 0) {
      const scaled = Object.fromEntries(Object.entries(deltas).map(([name, delta]) => [name, (delta ?? 0) * numbers.length]));
      items.push(this.counterUpdate(orderId, line, scaled));
    }
    return items;
  }

  /** The line's counters, moved by `deltas` (an item of the line, in the numbers' transaction). */
  private counterUpdate(orderId: string, line: number, deltas: Deltas) {
    const names = Object.keys(deltas) as (keyof LineCounts)[];
    return {
      Update: {
        TableName: this.table.tableName,
        Key: keys.line(orderId, line),
        UpdateExpression: `ADD ${names.map((_, i) => `#c${i} :c${i}`).join(', ')} SET updatedAt = :now`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#c${i}`, name])),
        ExpressionAttributeValues: { ...Object.fromEntries(names.map((name, i) => [`:c${i}`, deltas[name]])), ':now': this.stamp() },
      },
    };
  }

  private stamp(): string {
    return this.table.now().toISOString();
  }
}
