/** Webhooks out (to the customer) and in (from Plivo); see docs/webhooks.md. */
export {
  announceOrderStatus,
  deliverDue,
  listDeliveries,
  recordEvent,
  recordOrderEvent,
  retryDelivery,
  startWebhookDispatcher,
  type DeliverDueOptions,
  type DeliverDueResult,
  type OutboxEvent,
  type RecordOrderEventInput,
  type RetryResult,
  type WebhookDeps,
  type WebhookDispatcher,
  type WebhookStoreDeps,
} from './delivery.js';
export {
  attemptOutcomes,
  deliveryStatuses,
  MAX_RECORDED_ATTEMPTS,
  type DeliveryAttempt,
  type DeliveryItem,
  type DeliveryOwner,
  type DeliveryStatus,
} from '../store/deliveries.js';
export { DeliveryBusyError, DeliveryNotFoundError, WebhookSecretError } from '../errors.js';
export {
  buildOrderEvent,
  ORDER_EVENT_TYPES,
  orderEventTypeFor,
  POOL_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
  webhookIdFor,
  webhookIdOf,
  type OrderEvent,
  type OrderEventData,
  type OrderEventType,
  type PoolEventType,
  type WebhookEventType,
} from './events.js';
export {
  checkCallbackUrl,
  checkUrlShape,
  classifyAddress,
  systemResolver,
  type CallbackPolicy,
  type CheckCallbackUrlOptions,
  type HostResolver,
} from './address-policy.js';
export { createWebhookSender, guardedLookup, type SendResult, type WebhookRequest, type WebhookSend } from './http-sender.js';
export { DEFAULT_RETRY_SCHEDULE, delayCeilingMs, nextDelayMs, retrySchedule, worstCaseSpanMs, type RetrySchedule } from './schedule.js';
export { assertWebhookSecret, generateWebhookSecret, signWebhook, WEBHOOK_SECRET_PREFIX, type SignedHeaders } from './signing.js';
export {
  callbackResponse,
  findPlivoCallback,
  receivePlivoCallback,
  recordPlivoCallback,
  type PlivoCallbackInput,
  type PlivoInboundDeps,
  type PlivoInboundRequest,
  type PlivoInboundResult,
  type StoredPlivoCallback,
} from './plivo-inbound.js';
export { createWebhookRuntime, setWebhookRuntime, webhookRuntime, type WebhookRuntime } from './runtime.js';
