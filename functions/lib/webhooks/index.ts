/** Webhooks out (to the customer) and in (from Plivo); see docs/webhooks.md. */
export {
  announceOrderStatus,
  deliverDue,
  listDeliveries,
  recordOrderEvent,
  startWebhookDispatcher,
  type WebhookDeps,
} from './delivery.js';
export {
  webhookIdFor,
  type OrderEvent,
} from './events.js';
export {
  checkCallbackUrl,
  classifyAddress,
  type HostResolver,
} from './address-policy.js';
export { createWebhookSender } from './http-sender.js';
export { DEFAULT_RETRY_SCHEDULE, delayCeilingMs, nextDelayMs, retrySchedule, worstCaseSpanMs } from './schedule.js';
export { generateWebhookSecret } from './signing.js';
export {
  callbackResponse,
  findPlivoCallback,
} from './plivo-inbound.js';
export { createWebhookRuntime, setWebhookRuntime, webhookRuntime } from './runtime.js';
