/**
 * Errors of the webhook modules. They extend the project's base error (functions/lib/errors.ts)
 * with a literal `name`, like every other error there; kept here because they belong to this
 * domain only. None of them ever carries the signing secret.
 */
import { NumberOrdersError } from '../errors.js';

/** No delivery with this id for this order. */
export class DeliveryNotFoundError extends NumberOrdersError {
  override readonly name = 'DeliveryNotFoundError' as const;
}

/** Another attempt of this delivery is under way (its lease has not ended), or it was tried too often. */
export class DeliveryBusyError extends NumberOrdersError {
  override readonly name = 'DeliveryBusyError' as const;
}

/** The webhook secret is missing or is not a Standard Webhooks `whsec_` secret. */
export class WebhookSecretError extends NumberOrdersError {
  override readonly name = 'WebhookSecretError' as const;
}
