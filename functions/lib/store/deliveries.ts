/**
 * Webhook deliveries in the one table: an outbox. Recording an event writes one delivery item
 * (conditional put: one per order and event type); every attempt is claimed with a lease
 * (conditional update, so two senders never send the same delivery at once), then recorded on
 * the item together with what comes next. Deliveries that wait for an attempt are on the sparse
 * index `gsi1` under `WEBHOOKS_DUE`, sorted by when they are due; a finished one leaves it.
 * Keys and attributes: docs/data-model.md ("Webhook deliveries").
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { InconsistentRecordError } from '../errors.js';
import type { WebhookEventType } from '../webhooks/events.js';
import { queryAll } from './paging.js';
import { keys, type KeyOwner, TABLE_KEYS, type Table } from './table.js';

export const deliveryStatuses = ['PENDING', 'DELIVERED', 'FAILED', 'GONE'] as const;
/** PENDING: more attempts to come; DELIVERED: a 2xx; FAILED: every attempt failed; GONE: the receiver answered 410. */
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const attemptOutcomes = ['delivered', 'failed', 'gone'] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];

export interface DeliveryAttempt {
  /** 1-based, over every attempt of the delivery (manual ones included). */
  attempt: number;
  at: string;
  durationMs: number;
  /** The receiver's status code, when it answered. */
  statusCode?: number;
  /** Why no status code came back (timeout, refused address, connection error). */
  error?: string;
  outcome: AttemptOutcome;
  /** `manual`: sent by `POST /orders/{id}/webhooks/{deliveryId}/retry`. */
  trigger: 'scheduled' | 'manual';
}

/** Whose delivery it is: an order's events live with the order, a pool's with the pool. */
export type DeliveryOwner = KeyOwner;

/** The owner of a delivery, for logs and keys. */
export function ownerOf(delivery: Pick<DeliveryItem, 'orderId' | 'poolUuid'>): DeliveryOwner {
  if (delivery.orderId !== undefined) return { orderId: delivery.orderId };
  if (delivery.poolUuid !== undefined) return { poolUuid: delivery.poolUuid };
  throw new InconsistentRecordError('a webhook delivery has neither an order nor a pool');
}

export interface DeliveryItem {
  /** Also the `webhook-id` header of every attempt. */
  deliveryId: string;
  /** Set for an order's events. */
  orderId?: string;
  /** Set for a pool's events (with the run that caused them). */
  poolUuid?: string;
  runId?: string;
  type: WebhookEventType;
  url: string;
  /** The request body, exactly as sent on every attempt. */
  payload: string;
  status: DeliveryStatus;
  /** Scheduled attempts made (manual ones do not use up the schedule). */
  scheduledAttempts: number;
  /** When the next scheduled attempt is due; only while PENDING. */
  nextAttemptAt?: string;
  attempts: DeliveryAttempt[];
  createdAt: string;
  updatedAt: string;
  deliveredAt?: string;
}

/** Dynamo-side attributes that are not part of the delivery. */
interface StoredDelivery extends DeliveryItem {
  pk: string;
  sk: string;
  gsi1pk?: string;
  gsi1sk?: string;
  leaseToken?: string;
  leaseUntil?: string;
}

/** Attempts one delivery may record in all; a manual retry beyond it is refused. */
export const MAX_RECORDED_ATTEMPTS = 100;

/** A delivery's address: its owner and id. */
export type DeliveryRef = DeliveryOwner & { deliveryId: string };

function toDelivery(item: Record<string, unknown> | undefined): DeliveryItem | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, leaseToken: _t, leaseUntil: _u, expiresAt: _e, ...rest } = item as unknown as StoredDelivery & { expiresAt?: number };
  return rest;
}

/** What comes after an attempt. */
export interface AttemptResult {
  attempt: DeliveryAttempt;
  status: DeliveryStatus;
  /** Set while the delivery stays PENDING with a new due time; absent keeps the current one. */
  nextAttemptAt?: string;
  /** Count this attempt against the schedule. */
  scheduled: boolean;
}

export class DeliveryRepository {
  constructor(private readonly table: Table) {}

  /** Writes the delivery unless it exists; returns what is stored either way. */
  async create(delivery: DeliveryItem): Promise<{ created: boolean; delivery: DeliveryItem }> {
    const owner = ownerOf(delivery);
    const key = keys.delivery(owner, delivery.deliveryId);
    const due = delivery.status === 'PENDING' && delivery.nextAttemptAt !== undefined;
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: {
            ...key,
            ...delivery,
            ...(due ? { gsi1pk: keys.dueIndexPk, gsi1sk: keys.dueSortKey(delivery.nextAttemptAt as string, owner, delivery.deliveryId) } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, delivery };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.find(owner, delivery.deliveryId);
      if (!existing) throw error;
      return { created: false, delivery: existing };
    }
  }

  async find(owner: DeliveryOwner, deliveryId: string): Promise<DeliveryItem | undefined> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.delivery(owner, deliveryId), ConsistentRead: true }));
    return toDelivery(result.Item);
  }

  /** An order's or a pool's deliveries, oldest first (consistent read). */
  async listFor(owner: DeliveryOwner): Promise<DeliveryItem[]> {
    const items = await queryAll<StoredDelivery>(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.delivery(owner, '').pk, ':prefix': keys.deliveryPrefix },
    });
    return items.map((item) => toDelivery(item as unknown as Record<string, unknown>) as DeliveryItem).sort((a, b) => (a.createdAt === b.createdAt ? a.deliveryId.localeCompare(b.deliveryId) : a.createdAt < b.createdAt ? -1 : 1));
  }

  /**
   * Deliveries due by `now`, earliest first, from the due index (eventually consistent: a claim
   * checks the item itself).
   */
  async listDue(now: string, limit: number): Promise<DeliveryRef[]> {
    const found: DeliveryRef[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.table.db.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: TABLE_KEYS.gsi1.name,
          KeyConditionExpression: 'gsi1pk = :due AND gsi1sk < :bound',
          // '#' < '$': every sort key that starts with a time at or before `now`.
          ExpressionAttributeValues: { ':due': keys.dueIndexPk, ':bound': `${now}$` },
          ProjectionExpression: 'orderId, poolUuid, deliveryId',
          Limit: limit - found.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) found.push({ ...ownerOf(item as Pick<DeliveryItem, 'orderId' | 'poolUuid'>), deliveryId: String(item.deliveryId) });
      startKey = result.LastEvaluatedKey;
    } while (startKey && found.length < limit);
    return found;
  }

  /**
   * Takes the delivery for one attempt until `leaseUntil`. A scheduled claim needs it PENDING and
   * due; a manual one takes it in any status. Either fails while another lease runs. Returns the
   * delivery, or undefined when the claim did not hold.
   */
  async claim(
    owner: DeliveryOwner,
    deliveryId: string,
    claim: { now: string; leaseUntil: string; token: string; mode: 'scheduled' | 'manual' },
  ): Promise<DeliveryItem | undefined> {
    const free = '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)';
    const condition =
      claim.mode === 'scheduled'
        ? `attribute_exists(pk) AND #status = :pending AND nextAttemptAt <= :now AND ${free}`
        : `attribute_exists(pk) AND ${free} AND size(attempts) < :max`;
    try {
      const result = await this.table.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.delivery(owner, deliveryId),
          UpdateExpression: 'SET leaseUntil = :until, leaseToken = :token',
          ConditionExpression: condition,
          ExpressionAttributeNames: claim.mode === 'scheduled' ? { '#status': 'status' } : undefined,
          ExpressionAttributeValues: {
            ':now': claim.now,
            ':until': claim.leaseUntil,
            ':token': claim.token,
            ...(claim.mode === 'scheduled' ? { ':pending': 'PENDING' } : { ':max': MAX_RECORDED_ATTEMPTS }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toDelivery(result.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Records an attempt and what follows, and gives the lease back, if the lease is still ours.
   * Returns the delivery as it now is, or undefined when the lease was lost (the attempt went
   * out, but someone else owns the delivery now: they will record theirs).
   */
  async recordAttempt(delivery: DeliveryItem, token: string, result: AttemptResult, now: string): Promise<DeliveryItem | undefined> {
    const sets = ['attempts = list_append(attempts, :attempt)', '#status = :status', 'updatedAt = :now'];
    const removes = ['leaseUntil', 'leaseToken'];
    const values: Record<string, unknown> = { ':attempt': [result.attempt], ':status': result.status, ':now': now, ':token': token };
    if (result.scheduled) {
      sets.push('scheduledAttempts = scheduledAttempts + :one');
      values[':one'] = 1;
    }
    if (result.status === 'DELIVERED') {
      sets.push('deliveredAt = :now');
    }
    if (result.status === 'PENDING') {
      if (result.nextAttemptAt !== undefined) {
        sets.push('nextAttemptAt = :next', 'gsi1pk = :due', 'gsi1sk = :dueKey');
        values[':next'] = result.nextAttemptAt;
        values[':due'] = keys.dueIndexPk;
        values[':dueKey'] = keys.dueSortKey(result.nextAttemptAt, ownerOf(delivery), delivery.deliveryId);
      }
    } else {
      removes.push('nextAttemptAt', 'gsi1pk', 'gsi1sk');
    }
    try {
      const answer = await this.table.db.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.delivery(ownerOf(delivery), delivery.deliveryId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toDelivery(answer.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
