/**
 * Secrets in AWS, read once per container with Powertools Parameters from Secrets Manager; the
 * function's environment holds only their ARNs:
 *
 * - `PLIVO_CREDENTIALS_SECRET_ARN`: JSON `{"authId": "…", "authToken": "…"}` → `PLIVO_AUTH_ID`,
 *   `PLIVO_AUTH_TOKEN`;
 * - `WEBHOOK_SECRET_ARN`: the Standard Webhooks signing secret → `WEBHOOK_SECRET` — either the
 *   `whsec_…` string itself, or JSON `{"key": "<base64>"}` (what the stack generates) meaning
 *   `whsec_<key>`.
 *
 * Without those variables — the local stack, tests — the plain variables are used as they are.
 * The values go into a copy of the configuration, never back into `process.env`, and no error
 * message or log line built here contains them (not even a fragment of unparsable JSON).
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import type { Env } from '../config.js';
import { ConfigurationError } from '../errors.js';

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

/** Reads a secret's current value; `undefined` when it has none. */
export type SecretReader = (secretId: string) => Promise<string | undefined>;

/**
 * Powertools Parameters' `getSecret` (its own Secrets Manager client, from the Lambda's region and
 * role). Cached for five minutes, though the runtime asks once per container anyway.
 */
export const readSecretWithPowertools: SecretReader = async (secretId) => {
  const value = await getSecret(secretId, { maxAge: 300 });
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
};

/** The secret's text; fails naming the variable and the secret, never quoting a value. */
async function readSecretText(variable: string, secretId: string, read: SecretReader, expected: string): Promise<string> {
  let text: string | undefined;
  try {
    text = await read(secretId);
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
 * The configuration with `PLIVO_AUTH_ID`/`PLIVO_AUTH_TOKEN` taken from the secret named by
 * `PLIVO_CREDENTIALS_SECRET_ARN`; without that variable, `env` itself, unchanged.
 * Fails with a `ConfigurationError` that names the secret and says what is wrong with it.
 */
export async function withPlivoCredentials(env: Env, read: SecretReader = readSecretWithPowertools): Promise<Env> {
  const secretId = env[PLIVO_CREDENTIALS_SECRET_ARN]?.trim();
  if (!secretId) return env;
  const expected = 'JSON {"authId": "…", "authToken": "…"}';
  const text = await readSecretText(PLIVO_CREDENTIALS_SECRET_ARN, secretId, read, expected);
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
  return { ...env, PLIVO_AUTH_ID: parsed.data.authId, PLIVO_AUTH_TOKEN: parsed.data.authToken };
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

/** Both of the above: every secret whose ARN the environment names. */
export async function withSecrets(env: Env, read: SecretReader = readSecretWithPowertools): Promise<Env> {
  return withWebhookSecret(await withPlivoCredentials(env, read), read);
}
