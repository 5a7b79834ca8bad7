/**
 * Secrets in AWS, read with Powertools Parameters from Secrets Manager; the function's environment
 * holds only their ARNs:
 *
 * - `PLIVO_CREDENTIALS_SECRET_ARN`: JSON `{"authId": "…", "authToken": "…"}`, read when the first
 *   Plivo call (or the first Plivo callback to check) needs it, and read again when Plivo refuses
 *   the token in hand (a rotation): `plivoCredentialSource`. A function that never calls Plivo never
 *   reads it, and is given neither its ARN nor the right to read it;
 * - `WEBHOOK_SECRET_ARN`: the Standard Webhooks signing secret → `WEBHOOK_SECRET` — either the
 *   `whsec_…` string itself, or JSON `{"key": "<base64>"}` (what the stack generates) meaning
 *   `whsec_<key>`, read once per container.
 *
 * Without those variables — the local stack, tests — the plain variables (`PLIVO_AUTH_ID`,
 * `PLIVO_AUTH_TOKEN`, `WEBHOOK_SECRET`) are used as they are. Values never go back into
 * `process.env`, and no error message or log line built here contains them (not even a fragment of
 * unparsable JSON).
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import type { Env } from '../config.js';
import { ConfigurationError } from '../errors.js';
import { type CredentialSource, missingCredentials, type PlivoCredentials, readCredentials, staticCredentials } from '../plivo/credentials.js';

/** The variable that holds the Plivo credentials secret's ARN. */
export const PLIVO_CREDENTIALS_SECRET_ARN = 'PLIVO_CREDENTIALS_SECRET_ARN';

/** The variable that holds the webhook signing secret's ARN. */
export const WEBHOOK_SECRET_ARN = 'WEBHOOK_SECRET_ARN';

/**
 * The `authId` a secret created by the CDK stack holds until an operator puts the real credentials
 * in (`aws secretsmanager put-secret-value`, docs/deploy.md). Seeing it fails with that instruction
 * instead of a 401 from Plivo.
 */
export const PLIVO_CREDENTIALS_PLACEHOLDER = 'SET-ME';

const plivoCredentialsSchema = z.object({
  authId: z.string().trim().min(1),
  authToken: z.string().trim().min(1),
});

/** Reads a secret's current value (`fresh`: past any cache); `undefined` when it has none. */
export type SecretReader = (secretId: string, options?: { fresh?: boolean }) => Promise<string | undefined>;

/**
 * Powertools Parameters' `getSecret` (its own Secrets Manager client, from the Lambda's region and
 * role), cached for five minutes; `fresh` forces a read.
 */
export const readSecretWithPowertools: SecretReader = async (secretId, options) => {
  const value = await getSecret(secretId, { maxAge: 300, ...(options?.fresh ? { forceFetch: true } : {}) });
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
};

/** The secret's text; fails naming the variable and the secret, never quoting a value. */
async function readSecretText(variable: string, secretId: string, read: SecretReader, expected: string, fresh = false): Promise<string> {
  let text: string | undefined;
  try {
    text = await read(secretId, fresh ? { fresh } : undefined);
  } catch (error) {
    // Powertools wraps the SDK's error (AccessDeniedException, ResourceNotFoundException…) in a GetParameterError.
    const root = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = root instanceof Error ? `${root.name}: ${root.message}` : String(root);
    throw new ConfigurationError(`${variable}: cannot read secret ${secretId} (${reason})`, { cause: error });
  }
  if (text === undefined || text.trim() === '') {
    throw new ConfigurationError(`${variable}: secret ${secretId} has no value; it must hold ${expected}`);
  }
  return text;
}

function parseSecretJson(variable: string, secretId: string, text: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // No cause: JSON.parse's message quotes the text, which is the secret.
    throw new ConfigurationError(`${variable}: secret ${secretId} is not JSON; it must hold ${expected}`);
  }
}

/**
 * Where this process's Plivo credentials come from: the secret named by
 * `PLIVO_CREDENTIALS_SECRET_ARN` (read at first use, again on a refresh), else `PLIVO_AUTH_ID` and
 * `PLIVO_AUTH_TOKEN`; with neither, a source whose every use fails naming the variables. Nothing is
 * read here. A secret that cannot be used fails the call that needed it with a `ConfigurationError`
 * that names the secret and says what is wrong with it, and the next call reads it again.
 */
export function plivoCredentialSource(env: Env, read: SecretReader = readSecretWithPowertools): CredentialSource {
  const secretId = env[PLIVO_CREDENTIALS_SECRET_ARN]?.trim();
  if (secretId) return readCredentials((fresh) => readPlivoSecret(secretId, read, fresh));
  const authId = env.PLIVO_AUTH_ID?.trim();
  const authToken = env.PLIVO_AUTH_TOKEN?.trim();
  if (authId && authToken) return staticCredentials({ authId, authToken });
  return missingCredentials(`Plivo credentials are not configured: set ${PLIVO_CREDENTIALS_SECRET_ARN}, or PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN`);
}

/**
 * The key of the account's shared rate budget (the leased limiter's item), known without reading
 * the secret: the auth id where it is given, else the secret's ARN (every function of a deployment
 * names the same one).
 */
export function plivoAccountKey(env: Env): string {
  return env.PLIVO_AUTH_ID?.trim() || env[PLIVO_CREDENTIALS_SECRET_ARN]?.trim() || 'unconfigured';
}

async function readPlivoSecret(secretId: string, read: SecretReader, fresh: boolean): Promise<PlivoCredentials> {
  const expected = 'JSON {"authId": "…", "authToken": "…"}';
  const text = await readSecretText(PLIVO_CREDENTIALS_SECRET_ARN, secretId, read, expected, fresh);
  const parsed = plivoCredentialsSchema.safeParse(parseSecretJson(PLIVO_CREDENTIALS_SECRET_ARN, secretId, text, expected));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new ConfigurationError(`${PLIVO_CREDENTIALS_SECRET_ARN}: secret ${secretId} must hold ${expected}; ${where}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.authId === PLIVO_CREDENTIALS_PLACEHOLDER) {
    throw new ConfigurationError(
      `${PLIVO_CREDENTIALS_SECRET_ARN}: secret ${secretId} still holds the placeholder the stack created; ` +
        'put the Plivo credentials in it with `aws secretsmanager put-secret-value` (docs/deploy.md)',
    );
  }
  return parsed.data;
}

const WEBHOOK_SECRET_PREFIX = 'whsec_';
const generatedWebhookSecretSchema = z.object({ key: z.string().trim().min(1) });

/**
 * The configuration with `WEBHOOK_SECRET` taken from the secret named by `WEBHOOK_SECRET_ARN`;
 * without that variable, `env` itself, unchanged. (Whether the value is a valid Standard Webhooks
 * secret is for the webhook runtime to say, as it does for a local `WEBHOOK_SECRET`.)
 */
export async function withWebhookSecret(env: Env, read: SecretReader = readSecretWithPowertools): Promise<Env> {
  const secretId = env[WEBHOOK_SECRET_ARN]?.trim();
  if (!secretId) return env;
  const expected = `"${WEBHOOK_SECRET_PREFIX}…" or JSON {"key": "<base64>"}`;
  const text = (await readSecretText(WEBHOOK_SECRET_ARN, secretId, read, expected)).trim();
  if (text.startsWith(WEBHOOK_SECRET_PREFIX)) return { ...env, WEBHOOK_SECRET: text };
  const parsed = generatedWebhookSecretSchema.safeParse(parseSecretJson(WEBHOOK_SECRET_ARN, secretId, text, expected));
  if (!parsed.success) throw new ConfigurationError(`${WEBHOOK_SECRET_ARN}: secret ${secretId} must hold ${expected}`);
  return { ...env, WEBHOOK_SECRET: `${WEBHOOK_SECRET_PREFIX}${parsed.data.key}` };
}
