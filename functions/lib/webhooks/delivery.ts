/**
 * Customer webhooks, at least once: `recordOrderEvent` writes the event to the outbox after the
 * state change is in DynamoDB (state before news), `deliverDue` sends what is due — one attempt
 * per delivery and call, every attempt recorded — and schedules the next one (schedule.ts);
 * `retryDelivery` sends one again on request. Lambda-free: the notify task, the dispatcher, the
 * orders API and the local stack all call these with their own clients.
 */
import { randomUUID } from 'node:crypto';
import pMap from 'p-map';
import {
  type DeliveryAttempt,
  type DeliveryItem,
  type DeliveryOwner,
  type DeliveryRepository,
  type DeliveryStatus,
  ownerOf,
} from '../store/deliveries.js';
import type { LineItem, OrderItem } from '../store/items.js';
import { storesOf, type TableRef } from '../store/stores.js';
import { METRIC, type Metrics, noMetrics } from '../metrics.js';
import { silentLogger, type WorkflowLogger } from '../workflow/deps.js';
import { type HostResolver } from './address-policy.js';
import { DeliveryBusyError, DeliveryNotFoundError } from '../errors.js';
import { buildOrderEvent, type OrderEventType, orderEventTypeFor, webhookIdFor, type WebhookEventType } from './events.js';
import { createWebhookSender, type SendResult, type WebhookSend } from './http-sender.js';
import { nextDelayMs, type RetrySchedule, retrySchedule } from './schedule.js';
import { assertWebhookSecret, signWebhook } from './signing.js';

export interface WebhookStoreDeps extends TableRef {
  /** @default () => new Date() */
  now?: () => Date;
}

export interface WebhookDeps extends WebhookStoreDeps {
  /** The Standard Webhooks secret (`whsec_…`). Never logged, stored or put in an error. */
  secret: string;
  /** How requests go out. @default createWebhookSender({ allowLocalCallbacks, resolve }) */
  send?: WebhookSend;
  /** Allow http and loopback receivers (the local stack). @default false */
  allowLocalCallbacks?: boolean;
  /** Name resolution of the default sender (tests inject one). @default the system resolver */
  resolve?: HostResolver;
  /** @default DEFAULT_RETRY_SCHEDULE */
  schedule?: Partial<RetrySchedule>;
  /** Jitter source, [0, 1). @default Math.random */
  random?: () => number;
  /** @default silent */
  logger?: WorkflowLogger;
  /** Counts attempts delivered and failed, and deliveries abandoned. @default none */
  metrics?: Metrics;
  /** Deliveries attempted at once. @default 8 */
  concurrency?: number;
}

export interface RecordOrderEventInput {
  order: OrderItem;
  lines: readonly LineItem[];
  type: OrderEventType;
}

/** An event for the outbox: whose it is, its id and type, where it goes, and its body. */
export interface OutboxEvent<T extends WebhookEventType = WebhookEventType> {
  owner: DeliveryOwner;
  /** Derived from what the event is about (webhookIdOf), so recording it twice finds the first. */
  deliveryId: string;
  type: T;
  url: string;
  /** The run that caused a pool's event. */
  runId?: string;
  /** The body, given the time the event is recorded. */
  body: (at: Date) => unknown;
}

/**
 * Puts an event in the outbox, due at once. Call it after the state it announces is in DynamoDB.
 * Idempotent per delivery id: recording it again returns the delivery recorded first (same
 * `webhook-id`, same body).
 */
export async function recordEvent(deps: WebhookStoreDeps, event: OutboxEvent): Promise<DeliveryItem> {
  const at = (deps.now ?? (() => new Date()))();
  const stamp = at.toISOString();
  const { delivery } = await storesOf(deps).deliveries.create({
    deliveryId: event.deliveryId,
    ...event.owner,
    ...(event.runId !== undefined ? { runId: event.runId } : {}),
    type: event.type,
    url: event.url,
    payload: JSON.stringify(event.body(at)),
    status: 'PENDING',
    scheduledAttempts: 0,
    nextAttemptAt: stamp,
    attempts: [],
    createdAt: stamp,
    updatedAt: stamp,
  });
  return delivery;
}

/**
 * Puts the order's event in the outbox (recordEvent); one per (order, type). Returns null when
 * the order has no `callbackUrl`.
 */
export async function recordOrderEvent(deps: WebhookStoreDeps, input: RecordOrderEventInput): Promise<DeliveryItem | null> {
  const url = input.order.request.callbackUrl;
  if (url === undefined || url === '') return null;
  return recordEvent(deps, {
    owner: { orderId: input.order.orderId },
    deliveryId: webhookIdFor(input.order.orderId, input.type),
    type: input.type,
    url,
    body: (at) => buildOrderEvent(input.order, input.lines, input.type, at),
  });
}

/**
 * Records the event that announces the order's current status (`orderEventTypeFor`), if it has
 * one: what the notify task does before delivering. Null when the order does not exist, its
 * status is no news (IN_PROGRESS, PLANNED), or it has no `callbackUrl`.
 */
export async function announceOrderStatus(deps: WebhookStoreDeps, orderId: string): Promise<DeliveryItem | null> {
  const store = storesOf(deps);
  const order = await store.orders.find(orderId);
  if (!order?.request.callbackUrl) return null;
  const type = orderEventTypeFor(order.status);
  if (type === null) return null;
  return recordOrderEvent(deps, { order, lines: await store.lines.list(orderId), type });
}

/** An order's deliveries (an order id), or a pool's (an owner), oldest first. */
export async function listDeliveries(deps: TableRef, owner: string | DeliveryOwner): Promise<DeliveryItem[]> {
  return storesOf(deps).deliveries.listFor(typeof owner === 'string' ? { orderId: owner } : owner);
}

export interface DeliverDueOptions {
  /** Only this order's deliveries (read consistently: right after `recordOrderEvent`). */
  orderId?: string;
  /** Only this pool's deliveries (read consistently: right after a rebalance run). */
  poolUuid?: string;
  /** At most this many deliveries per call. @default 100 */
  limit?: number;
  /** Time left in the invocation; no attempt starts unless it can finish. @default unlimited */
  remainingMs?: () => number;
}

export interface DeliverDueResult {
  /** Attempts made. */
  attempted: number;
  /** Attempts answered 2xx. */
  delivered: number;
  /** Attempts not answered 2xx (the ones that gave up included). */
  failed: number;
  /** Deliveries that will not be tried again: the last scheduled attempt failed, or 410. */
  gaveUp: number;
}

/** Margin on top of the attempt timeout before a lease may be taken over. */
const LEASE_MARGIN_MS = 30_000;

interface Resolved {
  store: DeliveryRepository;
  now: () => Date;
  send: WebhookSend;
  schedule: RetrySchedule;
  random: () => number;
  logger: WorkflowLogger;
  metrics: Metrics;
  secret: string;
}

function resolve(deps: WebhookDeps): Resolved {
  return {
    store: storesOf(deps).deliveries,
    now: deps.now ?? (() => new Date()),
    send: deps.send ?? createWebhookSender({ allowLocalCallbacks: deps.allowLocalCallbacks ?? false, ...(deps.resolve ? { resolve: deps.resolve } : {}) }),
    schedule: retrySchedule(deps.schedule),
    random: deps.random ?? Math.random,
    logger: deps.logger ?? silentLogger,
    metrics: deps.metrics ?? noMetrics,
    secret: assertWebhookSecret(deps.secret),
  };
}

interface AttemptOutcome {
  attempt: DeliveryAttempt;
  delivery: DeliveryItem;
  /** False when the lease was lost before the attempt could be recorded. */
  recorded: boolean;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

/** One attempt of a claimed delivery: sign, send, record, schedule. */
async function attempt(r: Resolved, delivery: DeliveryItem, token: string, trigger: DeliveryAttempt['trigger']): Promise<AttemptOutcome> {
  const at = r.now();
  const headers = signWebhook(r.secret, { id: delivery.deliveryId, body: delivery.payload, at });
  let result: SendResult;
  try {
    result = await r.send({ url: delivery.url, headers: { 'content-type': 'application/json', ...headers }, body: delivery.payload, timeoutMs: r.schedule.timeoutMs });
  } catch (error) {
    // A sender must not throw, but one given by a caller might: that is a failed attempt, not a lost one.
    result = { kind: 'failed', error: error instanceof Error ? error.message : String(error), durationMs: 0, refused: false };
  }
  const outcome: DeliveryAttempt['outcome'] =
    result.kind === 'answered' && result.statusCode >= 200 && result.statusCode < 300 ? 'delivered' : result.kind === 'answered' && result.statusCode === 410 ? 'gone' : 'failed';
  const record: DeliveryAttempt = {
    attempt: delivery.attempts.length + 1,
    at: at.toISOString(),
    durationMs: result.durationMs,
    ...(result.kind === 'answered' ? { statusCode: result.statusCode } : { error: result.error }),
    outcome,
    trigger,
  };

  const finishedAt = r.now();
  let status: DeliveryStatus = delivery.status;
  let nextAttemptAt: string | undefined;
  if (outcome === 'delivered') status = 'DELIVERED';
  else if (outcome === 'gone') status = 'GONE';
  else if (trigger === 'scheduled') {
    const made = delivery.scheduledAttempts + 1;
    if (made >= r.schedule.maxAttempts) status = 'FAILED';
    else {
      status = 'PENDING';
      nextAttemptAt = new Date(finishedAt.getTime() + nextDelayMs(r.schedule, made, r.random)).toISOString();
    }
  }
  const updated = await r.store.recordAttempt(delivery, token, { attempt: record, status, scheduled: trigger === 'scheduled', ...(nextAttemptAt ? { nextAttemptAt } : {}) }, finishedAt.toISOString());
  r.metrics.count(outcome === 'delivered' ? METRIC.webhookDeliveries : METRIC.webhookDeliveriesFailed);
  // Abandoned once: a manual retry of a delivery already given up, failing again, is not a new loss.
  const givenUp = (s: DeliveryStatus) => s === 'FAILED' || s === 'GONE';
  if (givenUp(status) && !givenUp(delivery.status)) r.metrics.count(METRIC.webhookDeliveriesAbandoned);
  r.logger[outcome === 'delivered' ? 'info' : 'warn']('webhook attempt', {
    ...ownerOf(delivery),
    deliveryId: delivery.deliveryId,
    type: delivery.type,
    // The host only: a customer's URL may carry a token in its path or query.
    host: hostOf(delivery.url),
    attempt: record.attempt,
    trigger,
    outcome,
    statusCode: record.statusCode,
    error: record.error,
    durationMs: record.durationMs,
    status,
    nextAttemptAt,
    leaseLost: updated === undefined,
  });
  return { attempt: record, delivery: updated ?? { ...delivery, status, attempts: [...delivery.attempts, record] }, recorded: updated !== undefined };
}

function leaseFor(r: Resolved, mode: 'scheduled' | 'manual') {
  const now = r.now();
  return { now: now.toISOString(), leaseUntil: new Date(now.getTime() + r.schedule.timeoutMs + LEASE_MARGIN_MS).toISOString(), token: randomUUID(), mode };
}

/**
 * Sends every due delivery (or one order's) once. Failed attempts are recorded and scheduled
 * again, never thrown: only a storage error or a bad secret throws.
 */
export async function deliverDue(deps: WebhookDeps, options: DeliverDueOptions = {}): Promise<DeliverDueResult> {
  const r = resolve(deps);
  const limit = options.limit ?? 100;
  const nowIso = r.now().toISOString();
  const only: DeliveryOwner | undefined =
    options.orderId !== undefined ? { orderId: options.orderId } : options.poolUuid !== undefined ? { poolUuid: options.poolUuid } : undefined;
  const due: Pick<DeliveryItem, 'orderId' | 'poolUuid' | 'deliveryId'>[] =
    only === undefined
      ? await r.store.listDue(nowIso, limit)
      : (await r.store.listFor(only))
          .filter((d) => d.status === 'PENDING' && d.nextAttemptAt !== undefined && d.nextAttemptAt <= nowIso)
          .sort((a, b) => ((a.nextAttemptAt ?? '') < (b.nextAttemptAt ?? '') ? -1 : 1))
          .slice(0, limit);
  const result: DeliverDueResult = { attempted: 0, delivered: 0, failed: 0, gaveUp: 0 };
  await pMap(
    due,
    async (ref) => {
      if (options.remainingMs && options.remainingMs() < r.schedule.timeoutMs + 5_000) return;
      const lease = leaseFor(r, 'scheduled');
      const claimed = await r.store.claim(ownerOf(ref), ref.deliveryId, lease);
      if (!claimed) return; // someone else has it, or it is no longer due
      const { attempt: made, delivery } = await attempt(r, claimed, lease.token, 'scheduled');
      result.attempted++;
      if (made.outcome === 'delivered') result.delivered++;
      else {
        result.failed++;
        if (delivery.status === 'FAILED' || delivery.status === 'GONE') result.gaveUp++;
      }
    },
    { concurrency: deps.concurrency ?? 8 },
  );
  return result;
}

export interface RetryResult {
  attempt: DeliveryAttempt;
  delivery: DeliveryItem;
}

/**
 * Sends a delivery once more, now, with the same `webhook-id` and body, whatever its status. A
 * 2xx makes it DELIVERED and a 410 GONE; a failure leaves its status and schedule as they were.
 * @throws DeliveryNotFoundError, DeliveryBusyError (an attempt is under way, or it was tried too often)
 */
export async function retryDelivery(deps: WebhookDeps, owner: string | DeliveryOwner, deliveryId: string): Promise<RetryResult> {
  const r = resolve(deps);
  const whose: DeliveryOwner = typeof owner === 'string' ? { orderId: owner } : owner;
  const lease = leaseFor(r, 'manual');
  const claimed = await r.store.claim(whose, deliveryId, lease);
  if (!claimed) {
    const existing = await r.store.find(whose, deliveryId);
    if (!existing) throw new DeliveryNotFoundError(`${whose.orderId !== undefined ? `order ${whose.orderId}` : `pool ${whose.poolUuid}`} has no webhook delivery ${deliveryId}`);
    throw new DeliveryBusyError(`webhook delivery ${deliveryId} is being attempted right now, or has been attempted too often; try again later`);
  }
  const { attempt: made, delivery } = await attempt(r, claimed, lease.token, 'manual');
  return { attempt: made, delivery };
}

export interface WebhookDispatcher {
  /** Runs one pass now (between the timed ones). */
  runOnce(): Promise<DeliverDueResult>;
  /** Stops the timer and waits for the pass under way. */
  stop(): Promise<void>;
}

/**
 * For the local stack: `deliverDue` every `intervalMs`, passes never overlapping (what the
 * EventBridge schedule and the dispatcher Lambda do in AWS).
 */
export function startWebhookDispatcher(deps: WebhookDeps, options: { intervalMs: number; limit?: number; onError?: (error: unknown) => void }): WebhookDispatcher {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<DeliverDueResult> | undefined;
  const pass = (): Promise<DeliverDueResult> => {
    current ??= deliverDue(deps, { ...(options.limit === undefined ? {} : { limit: options.limit }) }).finally(() => (current = undefined));
    return current;
  };
  const tick = () => {
    pass()
      .catch((error: unknown) => (options.onError ?? (() => undefined))(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  timer = setTimeout(tick, options.intervalMs);
  return {
    runOnce: pass,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current?.catch(() => undefined);
    },
  };
}
