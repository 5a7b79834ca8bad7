/**
 * Secrets in AWS (functions/lib/runtime/secrets.ts): read from Secrets Manager (through Powertools
 * Parameters) when the function's environment names them by ARN, never otherwise; errors name the
 * secret, never its value. The Secrets Manager client is mocked with aws-sdk-client-mock.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { PLIVO_CREDENTIALS_PLACEHOLDER, plivoCredentialSource, withWebhookSecret } from '../../functions/lib/runtime/secrets.js';

const secretsManager = mockClient(SecretsManagerClient);
let counter = 0;
/** A fresh ARN per test: Powertools caches values by name. */
const nextArn = () => `arn:aws:secretsmanager:us-east-1:123456789012:secret:number-orders/plivo-${++counter}-AbCdEf`;

beforeEach(() => {
  secretsManager.reset();
});

describe('plivoCredentialSource', () => {
  it('takes PLIVO_AUTH_ID/PLIVO_AUTH_TOKEN as they are (and calls nothing) without PLIVO_CREDENTIALS_SECRET_ARN', async () => {
    const env = { PLIVO_AUTH_ID: 'MALOCAL', PLIVO_AUTH_TOKEN: 'local-token' };
    expect(await plivoCredentialSource(env).get()).toEqual({ authId: 'MALOCAL', authToken: 'local-token' });
    expect(await plivoCredentialSource({ ...env, PLIVO_CREDENTIALS_SECRET_ARN: '  ' }).refresh()).toEqual({ authId: 'MALOCAL', authToken: 'local-token' });
    expect(secretsManager.calls()).toHaveLength(0);
  });

  it('with no credentials configured, fails each use naming the variables (and nothing before a use)', async () => {
    const source = plivoCredentialSource({ TABLE_NAME: 't' });
    await expect(source.get()).rejects.toThrow(new ConfigurationError('Plivo credentials are not configured: set PLIVO_CREDENTIALS_SECRET_ARN, or PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN'));
  });

  it('reads the secret at the first use, not before, and once', async () => {
    // Prepare
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify({ authId: 'MAREAL0000000000000A', authToken: 'real-token-value' }) });
    const env = { PLIVO_CREDENTIALS_SECRET_ARN: arn, TABLE_NAME: 't', PLIVO_AUTH_ID: 'stale' };

    // Act
    const source = plivoCredentialSource(env);
    const readBeforeUse = secretsManager.commandCalls(GetSecretValueCommand).length;
    const [first, second] = await Promise.all([source.get(), source.get()]);
    const third = await source.get();

    // Assess
    expect(readBeforeUse).toBe(0);
    expect(first).toEqual({ authId: 'MAREAL0000000000000A', authToken: 'real-token-value' });
    expect([second, third]).toEqual([first, first]);
    expect(env).toEqual({ PLIVO_CREDENTIALS_SECRET_ARN: arn, TABLE_NAME: 't', PLIVO_AUTH_ID: 'stale' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toMatchObject({ SecretId: arn });
  });

  it('reads the secret again on a refresh (a rotated token), past the five-minute cache', async () => {
    const arn = nextArn();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolvesOnce({ SecretString: JSON.stringify({ authId: 'MA1', authToken: 'old-token' }) })
      .resolves({ SecretString: JSON.stringify({ authId: 'MA1', authToken: 'new-token' }) });
    const source = plivoCredentialSource({ PLIVO_CREDENTIALS_SECRET_ARN: arn });
    expect((await source.get()).authToken).toBe('old-token');
    expect((await source.refresh()).authToken).toBe('new-token');
    expect((await source.get()).authToken).toBe('new-token');
    // A second refresh within the floor (30 s) reads nothing: a refused request cannot become a read per request.
    expect((await source.refresh()).authToken).toBe('new-token');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses the placeholder the stack creates, saying how to set the secret', async () => {
    const arn = nextArn();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ authId: PLIVO_CREDENTIALS_PLACEHOLDER, authToken: 'generated' }) });
    const error = await plivoCredentialSource({ PLIVO_CREDENTIALS_SECRET_ARN: arn })
      .get()
      .catch((e: unknown) => e);
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
    const error = await plivoCredentialSource({ PLIVO_CREDENTIALS_SECRET_ARN: arn })
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(arn);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('hunter2');
    expect((error as Error).cause).toBeUndefined();
  });

  it('names the secret when it cannot be read, and reads it again at the next use', async () => {
    const arn = nextArn();
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }))
      .resolves({ SecretString: JSON.stringify({ authId: 'MA1', authToken: 't' }) });
    const source = plivoCredentialSource({ PLIVO_CREDENTIALS_SECRET_ARN: arn });
    await expect(source.get()).rejects.toThrow(new RegExp(`PLIVO_CREDENTIALS_SECRET_ARN: cannot read secret ${arn.replaceAll('/', '\\/')} \\(.*ResourceNotFoundException`));
    expect(await source.get()).toEqual({ authId: 'MA1', authToken: 't' });
  });

  it('refuses a secret with no value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({});
    await expect(plivoCredentialSource({ PLIVO_CREDENTIALS_SECRET_ARN: nextArn() }).get()).rejects.toThrow(/has no value/);
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
});

/** A stand-in for Plivo that knows one auth token: any other is refused with 401. */
async function plivoWithToken(token: () => string): Promise<{ url: string; authorizations: string[]; close: () => Promise<void> }> {
  const authorizations: string[] = [];
  const server = createServer((request, response) => {
    const authorization = request.headers.authorization ?? '';
    authorizations.push(Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8'));
    const [, authToken] = authorizations.at(-1)?.split(':') ?? [];
    if (authToken !== token()) {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ api_id: 'a', error: 'Authentication failed' }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ api_id: 'b', meta: { limit: 20, offset: 0, next: null, previous: null, total_count: 0 }, objects: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorizations, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the workflow runtime in AWS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('reads the secret at the first Plivo call, not at load, and again once when Plivo refuses a rotated token', async () => {
    // Prepare: what a deployed workflow Lambda has in its environment, and a token rotated after the first read.
    let plivoToken = 'deployed-token';
    const plivo = await plivoWithToken(() => plivoToken);
    const arn = nextArn();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolvesOnce({ SecretString: JSON.stringify({ authId: 'MADEPLOYED000000000A', authToken: 'deployed-token' }) })
      .resolves({ SecretString: JSON.stringify({ authId: 'MADEPLOYED000000000A', authToken: 'rotated-token' }) });
    vi.stubEnv('PLIVO_CREDENTIALS_SECRET_ARN', arn);
    vi.stubEnv('PLIVO_BASE_URL', plivo.url);
    vi.stubEnv('PLIVO_RATE_LIMIT', 'off');
    vi.stubEnv('TABLE_NAME', 'number-orders-test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('PLIVO_AUTH_ID', undefined);
    vi.stubEnv('PLIVO_AUTH_TOKEN', undefined);
    vi.resetModules();

    // Act
    const { workflowRuntime, setWorkflowRuntime } = await import('../../functions/lib/runtime/workflow-runtime.js');
    setWorkflowRuntime(undefined);
    const runtime = workflowRuntime();
    const readsAtLoad = secretsManager.commandCalls(GetSecretValueCommand).length;
    await runtime.plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local' });
    plivoToken = 'rotated-token';
    await runtime.plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local' });
    await runtime.plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local' });
    await plivo.close();

    // Assess
    expect(readsAtLoad).toBe(0);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(plivo.authorizations).toEqual(['MADEPLOYED000000000A:deployed-token', 'MADEPLOYED000000000A:deployed-token', 'MADEPLOYED000000000A:rotated-token', 'MADEPLOYED000000000A:rotated-token']);
    expect(process.env.PLIVO_AUTH_ID).toBeUndefined();
    expect(process.env.PLIVO_AUTH_TOKEN).toBeUndefined();
    setWorkflowRuntime(undefined);
  });

  it('fails the Plivo call (not the module load) with the reason when the secret is unusable', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ authId: PLIVO_CREDENTIALS_PLACEHOLDER, authToken: 'x' }) });
    vi.stubEnv('PLIVO_CREDENTIALS_SECRET_ARN', nextArn());
    vi.stubEnv('TABLE_NAME', 'number-orders-test');
    vi.stubEnv('PLIVO_RATE_LIMIT', 'off');
    vi.resetModules();
    const { createWorkflowRuntime } = await import('../../functions/lib/runtime/workflow-runtime.js');
    const runtime = createWorkflowRuntime(process.env);
    await expect(runtime.plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local' })).rejects.toThrow(/still holds the placeholder/);
  });
});

describe('the orders API handler in AWS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('reads the webhook secret at cold start, leaves the Plivo secret unread, and answers /health even when the Plivo secret cannot be read', async () => {
    const plivoArn = nextArn();
    const webhookArn = nextArn();
    secretsManager.on(GetSecretValueCommand, { SecretId: plivoArn }).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    secretsManager.on(GetSecretValueCommand, { SecretId: webhookArn }).resolves({ SecretString: JSON.stringify({ key: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZn' }) });
    vi.stubEnv('PLIVO_CREDENTIALS_SECRET_ARN', plivoArn);
    vi.stubEnv('WEBHOOK_SECRET_ARN', webhookArn);
    vi.stubEnv('TABLE_NAME', 'number-orders-test');
    vi.stubEnv('STATE_MACHINE_ARN', 'arn:aws:states:us-east-1:123456789012:stateMachine:x');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.resetModules();

    const module = await import('../../functions/orders-api/handler.js');
    const result = await module.handler({ httpMethod: 'GET', path: '/health', headers: {}, requestContext: {} } as never, { awsRequestId: 'x' } as never);

    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([webhookArn]);
    expect(result).toMatchObject({ statusCode: 200 });
    const { setWorkflowRuntime } = await import('../../functions/lib/runtime/workflow-runtime.js');
    setWorkflowRuntime(undefined);
  });
});
