/**
 * Lambda entry of `POST /webhooks/plivo` (API Gateway REST proxy, no API key). Configuration is
 * read once, at cold start, failing with the variable's name: `TABLE_NAME`, `PLIVO_CALLBACK_URL`
 * (the public URL given to Plivo as `callback_url`, which is what Plivo signs), and optionally
 * `PLIVO_MAIN_ACCOUNT_AUTH_TOKEN` (callbacks of a subaccount); `DYNAMODB_ENDPOINT` as
 * functions/lib/aws-clients.ts reads it. The auth token that checks signatures is read at the
 * first callback (`PLIVO_CREDENTIALS_SECRET_ARN` in AWS, or `PLIVO_AUTH_ID`/`PLIVO_AUTH_TOKEN`), and
 * again when a signature does not match it (a rotated token).
 */
import { createDocumentClient } from '../lib/aws-clients.js';
import { required } from '../lib/config.js';
import { ConfigurationError } from '../lib/errors.js';
import { plivoCredentialSource } from '../lib/runtime/secrets.js';
import { createPlivoWebhooksApi } from './api.js';

const env = process.env;
const tableName = required(env, 'TABLE_NAME');
const publicUrl = required(env, 'PLIVO_CALLBACK_URL');
try {
  new URL(publicUrl);
} catch {
  throw new ConfigurationError(`PLIVO_CALLBACK_URL must be an absolute URL; got "${publicUrl}"`);
}
const mainAccountAuthToken = env.PLIVO_MAIN_ACCOUNT_AUTH_TOKEN?.trim() || undefined;

export const handler = createPlivoWebhooksApi({
  db: createDocumentClient(),
  tableName,
  credentials: plivoCredentialSource(env),
  publicUrl,
  ...(mainAccountAuthToken ? { mainAccountAuthToken } : {}),
});

export { createPlivoWebhooksApi };
