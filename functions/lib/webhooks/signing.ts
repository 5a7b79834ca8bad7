/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): every request carries
 * `webhook-id`, `webhook-timestamp` (of the attempt, in seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "id.timestamp.body")>`, with a `whsec_`
 * secret (base64 of 24 to 64 random bytes). The `standardwebhooks` package signs, so that what
 * we send is by construction what its verifier (the one receivers use) accepts.
 *
 * The secret never leaves this module in a message: errors say what is wrong with it, not what it is.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookSecretError } from '../errors.js';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/** The signed request headers, by lower-case name. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Checks that `secret` is a `whsec_` secret of 24 to 64 bytes; returns it.
 * @throws WebhookSecretError saying what is wrong (never quoting the secret).
 */
export function assertWebhookSecret(secret: string | undefined): string {
  if (secret === undefined || secret.trim() === '') throw new WebhookSecretError('the webhook secret is not set');
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new WebhookSecretError(`the webhook secret must start with "${WEBHOOK_SECRET_PREFIX}"`);
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new WebhookSecretError(`the webhook secret must be "${WEBHOOK_SECRET_PREFIX}" followed by base64`);
  }
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new WebhookSecretError(`the webhook secret must hold ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes; it holds ${bytes}`);
  }
  return secret;
}

/** A fresh secret (32 random bytes), e.g. for the local stack when none is given. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The headers of one attempt: the same id on every attempt, the attempt's own timestamp. */
export function signWebhook(secret: string, message: { id: string; body: string; at: Date }): SignedHeaders {
  const signer = new Webhook(assertWebhookSecret(secret));
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(message.at.getTime() / 1000)),
    'webhook-signature': signer.sign(message.id, message.at, message.body),
  };
}
