/**
 * Lambda entry of `POST /webhooks/plivo` (API Gateway REST proxy, no API key). Configuration is
 * read once, at cold start, failing with the variable's name: `TABLE_NAME`, `PLIVO_AUTH_TOKEN`,
 * `PLIVO_CALLBACK_URL` (the public URL given to Plivo as `callback_url`, which is what Plivo
 * signs), and optionally `PLIVO_MAIN_ACCOUNT_AUTH_TOKEN` (callbacks of a subaccount);
 * `DYNAMODB_ENDPOINT` as functions/lib/aws-clients.ts reads it.
 */
import { createDocumentClient } from '../lib/aws-clients.js';
import { required } from '../lib/config.js';
import { ConfigurationError } from '../lib/errors.js';
import { withPlivoCredentials } from '../lib/runtime/secrets.js';
import { createPlivoWebhooksApi } from './api.js';

// Plivo's auth token comes from Secrets Manager in AWS (PLIVO_CREDENTIALS_SECRET_ARN), read once here.
const env = await withPlivoCredentials(process.env);
const tableName = required(env, 'TABLE_NAME');
const authToken = required(env, 'PLIVO_AUTH_TOKEN');
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
  authToken,
  publicUrl,
  ...(mainAccountAuthToken ? { mainAccountAuthToken } : {}),
});

export { createPlivoWebhooksApi };
