/**
 * Secrets in AWS (functions/lib/runtime/secrets.ts): read from Secrets Manager (through Powertools
 * Parameters) when the function's environment names them by ARN, never otherwise; errors name the
 * secret, never its value. The Secrets Manager client is mocked with aws-sdk-client-mock.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { PLIVO_CREDENTIALS_PLACEHOLDER, withPlivoCredentials, withSecrets, withWebhookSecret } from '../../functions/lib/runtime/secrets.js';

const secretsManager = mockClient(SecretsManagerClient);
let counter = 0;
/** A fresh ARN per test: Powertools caches values by name. */
const nextArn = () => `arn:aws:secretsmanager:us-east-1:123456789012:secret:number-orders/plivo-${++counter}-AbCdEf`;

beforeEach(() => {
  secretsManager.reset();
});

describe('withPlivoCredentials', () => {
  it('leaves the configuration alone (and calls nothing) without PLIVO_CREDENTIALS_SECRET_ARN', async () => {
    const env = { PLIVO_AUTH_ID: 'MALOCAL', PLIVO_AUTH_TOKEN: 'local-token' };
    expect(await withPlivoCredentials(env)).toBe(env);
    expect(await withPlivoCredentials({ ...env, PLIVO_CREDENTIALS_SECRET_ARN: '  ' })).toEqual({ ...env, PLIVO_CREDENTIALS_SECRET_ARN: '  ' });
    expect(secretsManager.calls()).toHaveLength(0);
  });

  it('fills in the credentials from the secret, in a copy, reading it once', async () => {
    // Prepare
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify({ authId: 'MAREAL0000000000000A', authToken: 'real-token-value' }) });
    const env = { PLIVO_CREDENTIALS_SECRET_ARN: arn, TABLE_NAME: 't', PLIVO_AUTH_ID: 'stale' };

    // Act
    const resolved = await withPlivoCredentials(env);
    const again = await withPlivoCredentials(env);

    // Assess
    expect(resolved).toEqual({ ...env, PLIVO_AUTH_ID: 'MAREAL0000000000000A', PLIVO_AUTH_TOKEN: 'real-token-value' });
    expect(again).toEqual(resolved);
    expect(env).toEqual({ PLIVO_CREDENTIALS_SECRET_ARN: arn, TABLE_NAME: 't', PLIVO_AUTH_ID: 'stale' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toMatchObject({ SecretId: arn });
  });

  it('refuses the placeholder the stack creates, saying how to set the secret', async () => {
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ authId: PLIVO_CREDENTIALS_PLACEHOLDER, authToken: 'generated' }) });
    const error = await withPlivoCredentials({ PLIVO_CREDENTIALS_SECRET_ARN: arn }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(arn);
    expect((error as Error).message).toMatch(/placeholder.*put-secret-value/);
  });

  it.each([
    ['not JSON', 'authId=MA1;authToken=hunter2-secret', /is not JSON/],
    ['JSON without authToken', JSON.stringify({ authId: 'MA1', token: 'hunter2-secret' }), /authToken/],
    ['an empty authToken', JSON.stringify({ authId: 'MA1', authToken: ' ' }), /authToken/],
    ['a JSON string', JSON.stringify('hunter2-secret'), /\(root\)/],
  ])('refuses a secret that is %s, without quoting it', async (_, secretString, message) => {
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    const error = await withPlivoCredentials({ PLIVO_CREDENTIALS_SECRET_ARN: arn }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(arn);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('hunter2');
    expect((error as Error).cause).toBeUndefined();
  });

  it('names the secret when it cannot be read', async () => {
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    await expect(withPlivoCredentials({ PLIVO_CREDENTIALS_SECRET_ARN: arn })).rejects.toThrow(
      new RegExp(`PLIVO_CREDENTIALS_SECRET_ARN: cannot read secret ${arn.replaceAll('/', '\\/')} \\(.*ResourceNotFoundException`),
    );
  });

  it('refuses a secret with no value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({});
    await expect(withPlivoCredentials({ PLIVO_CREDENTIALS_SECRET_ARN: nextArn() })).rejects.toThrow(/has no value/);
  });
});

describe('withWebhookSecret', () => {
  const key = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZn'; // 44 base64 characters, as the stack generates

  it('leaves the configuration alone without WEBHOOK_SECRET_ARN', async () => {
    const env = { WEBHOOK_SECRET: `whsec_${key}` };
    expect(await withWebhookSecret(env)).toBe(env);
    expect(secretsManager.calls()).toHaveLength(0);
  });

  it('reads the generated {"key"} form as whsec_<key>', async () => {
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify({ key }) });
    expect(await withWebhookSecret({ WEBHOOK_SECRET_ARN: arn })).toEqual({ WEBHOOK_SECRET_ARN: arn, WEBHOOK_SECRET: `whsec_${key}` });
  });

  it('takes a whsec_ string as it is', async () => {
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: ` whsec_${key}\n` });
    expect((await withWebhookSecret({ WEBHOOK_SECRET_ARN: arn })).WEBHOOK_SECRET).toBe(`whsec_${key}`);
  });

  it('refuses anything else, without quoting it', async () => {
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ secret: 'hunter2-secret' }) });
    const error = await withWebhookSecret({ WEBHOOK_SECRET_ARN: arn }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/WEBHOOK_SECRET_ARN: secret .* must hold "whsec_…" or JSON \{"key"/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('withSecrets resolves both', async () => {
    const plivoArn = nextArn();
    const webhookArn = nextArn();
    secretsManager.on(GetSecretValueCommand, { SecretId: plivoArn }).resolves({ SecretString: JSON.stringify({ authId: 'MA1', authToken: 't' }) });
    secretsManager.on(GetSecretValueCommand, { SecretId: webhookArn }).resolves({ SecretString: JSON.stringify({ key }) });
    expect(await withSecrets({ PLIVO_CREDENTIALS_SECRET_ARN: plivoArn, WEBHOOK_SECRET_ARN: webhookArn })).toMatchObject({
      PLIVO_AUTH_ID: 'MA1',
      PLIVO_AUTH_TOKEN: 't',
      WEBHOOK_SECRET: `whsec_${key}`,
    });
  });
});

describe('the workflow runtime in AWS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('reads the secret while its module loads, and builds the Plivo client from it (process.env untouched)', async () => {
    // Prepare: what a deployed workflow Lambda has in its environment.
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify({ authId: 'MADEPLOYED000000000A', authToken: 'deployed-token' }) });
    vi.stubEnv('PLIVO_CREDENTIALS_SECRET_ARN', arn);
    vi.stubEnv('TABLE_NAME', 'number-orders-test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('PLIVO_AUTH_ID', undefined);
    vi.stubEnv('PLIVO_AUTH_TOKEN', undefined);
    vi.resetModules();

    // Act
    const { workflowRuntime, setWorkflowRuntime } = await import('../../functions/lib/runtime/workflow-runtime.js');
    setWorkflowRuntime(undefined);
    const runtime = workflowRuntime();

    // Assess
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(runtime.plivo.http.authId).toBe('MADEPLOYED000000000A');
    expect(process.env.PLIVO_AUTH_ID).toBeUndefined();
    expect(process.env.PLIVO_AUTH_TOKEN).toBeUndefined();
    setWorkflowRuntime(undefined);
  });

  it('fails the module load (the Lambda init) with the reason when the secret is unusable', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ authId: PLIVO_CREDENTIALS_PLACEHOLDER, authToken: 'x' }) });
    vi.stubEnv('PLIVO_CREDENTIALS_SECRET_ARN', nextArn());
    vi.stubEnv('TABLE_NAME', 'number-orders-test');
    vi.resetModules();
    await expect(import('../../functions/lib/runtime/workflow-runtime.js')).rejects.toThrow(/still holds the placeholder/);
  });
});

describe('the orders API handler in AWS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('reads both secrets at cold start and serves requests', async () => {
    const plivoArn = nextArn();
    const webhookArn = nextArn();
    secretsManager.on(GetSecretValueCommand, { SecretId: plivoArn }).resolves({ SecretString: JSON.stringify({ authId: 'MAAPI0000000000000A', authToken: 'api-token' }) });
    secretsManager.on(GetSecretValueCommand, { SecretId: webhookArn }).resolves({ SecretString: JSON.stringify({ key: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZn' }) });
    vi.stubEnv('PLIVO_CREDENTIALS_SECRET_ARN', plivoArn);
    vi.stubEnv('WEBHOOK_SECRET_ARN', webhookArn);
    vi.stubEnv('TABLE_NAME', 'number-orders-test');
    vi.stubEnv('STATE_MACHINE_ARN', 'arn:aws:states:us-east-1:123456789012:stateMachine:x');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.resetModules();

    const module = await import('../../functions/orders-api/handler.js');
    const { workflowRuntime, setWorkflowRuntime } = await import('../../functions/lib/runtime/workflow-runtime.js');

    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId).sort()).toEqual([plivoArn, webhookArn].sort());
    expect(workflowRuntime().plivo.http.authId).toBe('MAAPI0000000000000A');
    const result = await module.handler({ httpMethod: 'GET', path: '/health', headers: {}, requestContext: {} } as never, { awsRequestId: 'x' } as never);
    expect(result).toMatchObject({ statusCode: 200 });
    setWorkflowRuntime(undefined);
  });
});
