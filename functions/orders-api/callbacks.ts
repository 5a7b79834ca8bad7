/**
 * What the order and pool routes share about customer webhooks: the SSRF check of a
 * `callbackUrl` when it is given, and listing and retrying deliveries.
 */
import { ConfigurationError } from '../lib/errors.js';
import { invalidField } from '../lib/http/errors.js';
import { checkCallbackUrl, type HostResolver } from '../lib/webhooks/address-policy.js';
import { retryDelivery, type WebhookDeps } from '../lib/webhooks/delivery.js';
import type { DeliveryOwner } from '../lib/store/deliveries.js';
import type { WebhookRetry } from './schemas.js';
import { toWebhookDeliveryView } from './delivery-view.js';

/** What the webhook routes need: where deliveries are kept, and how a retry is signed and sent. */
export type OrdersApiWebhooks = Omit<WebhookDeps, 'secret' | 'allowLocalCallbacks'> & {
  /** The Standard Webhooks secret (`whsec_…`); without it a retry answers 500 (and logs why). */
  secret?: string;
};

export interface CallbackDeps {
  /** Customer webhooks (listing, retry). Without it those routes answer 500 (and log why). */
  webhooks?: OrdersApiWebhooks;
  /** Accept http and loopback callbackUrls (the local stack's `--allow-local-callbacks`). @default false */
  allowLocalCallbacks?: boolean;
  /** Resolves callbackUrl hosts. @default the system resolver */
  resolveCallbackHost?: HostResolver;
}

/** A misconfigured API is a 500 (logged once, nothing internal shown), as any other fault of ours. */
export function webhooksOf(deps: CallbackDeps): OrdersApiWebhooks {
  if (!deps.webhooks) throw new ConfigurationError('the orders API was built without `webhooks`: the webhook routes cannot work');
  return deps.webhooks;
}

/** The SSRF rules for callbackUrl (functions/lib/webhooks/address-policy.ts), as a 422 naming the field. */
export async function assertCallbackUrl(url: string | undefined, deps: CallbackDeps): Promise<void> {
  if (url === undefined) return;
  const verdict = await checkCallbackUrl(url, {
    allowLocalCallbacks: deps.allowLocalCallbacks ?? false,
    ...(deps.resolveCallbackHost ? { resolve: deps.resolveCallbackHost } : {}),
  });
  if (!verdict.ok) throw invalidField('callbackUrl', verdict.reason);
}

/** Sends one delivery again, now (the retry routes). */
export async function retryWebhook(deps: CallbackDeps, owner: DeliveryOwner, deliveryId: string): Promise<WebhookRetry> {
  const webhooks = webhooksOf(deps);
  if (!webhooks.secret) throw new ConfigurationError('the orders API has no webhook secret: a webhook cannot be sent');
  const { attempt, delivery } = await retryDelivery({ ...webhooks, secret: webhooks.secret, allowLocalCallbacks: deps.allowLocalCallbacks ?? false }, owner, deliveryId);
  return { deliveryId: delivery.deliveryId, outcome: attempt.outcome, attempt, delivery: toWebhookDeliveryView(delivery) };
}
