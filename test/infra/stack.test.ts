/**
 * The deployed stack, synthesized once (with real esbuild bundles) the way `cdk synth` does it:
 * specific properties of the template, not a snapshot.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/lib/aws-clients.js';
import { type Env, readPlivoConfig, readRebalanceConfig, readReconcilerConfig } from '../../functions/lib/config.js';
import { METRIC, METRICS_NAMESPACE_VARIABLE, METRICS_SERVICE, STATUS_DIMENSION } from '../../functions/lib/metrics.js';
import { terminalOrderStatuses } from '../../functions/lib/orders/model.js';
import { tableDefinition, TABLE_KEYS } from '../../functions/lib/store/table.js';
import { ordersApiRoutes } from '../../functions/orders-api/api.js';
import { plivoWebhooksApiRoutes } from '../../functions/webhooks-api/api.js';
import { DEFAULT_RATE_LIMIT_PER_5_MINUTES, MANAGED_RULE_GROUPS, REDACTED_HEADERS } from '../../infra/stack/api-firewall.js';
import type { ProxyHandler } from '../../infra/local/api-gateway.js';
import { localLambdaContext } from '../../infra/local/lambda-context.js';
import { REBALANCE_FUNCTION_TIMEOUT } from '../../infra/stack/background.js';
import { DASHBOARD_ROWS } from '../../infra/stack/dashboard.js';
import { STUCK_ORDER_AGE } from '../../infra/stack/number-orders-stack.js';
import { PLIVO_HEAVY_FUNCTIONS, PLIVO_TIMEOUT_MS, PLIVO_WORST_CALL_MS, STEP_SPECS, WORKFLOW_FUNCTION_TIMEOUT } from '../../infra/stack/functions.js';
import { taskTimeoutProblems } from '../../infra/stack/state-machine.js';
import type { NodeFunction } from '../../infra/stack/node-function.js';
import { DELETE_DATA_ACTIONS, STORE_DATA_ACTIONS } from '../../infra/stack/table.js';
import { ORDER_ASL_PATH, ORDER_FUNCTION_KEYS, type OrderFunctionKey } from '../../statemachines/order-functions.js';
import { actionsOf, referencedId, resourcesOf, statementsOfRole, synth, type PolicyStatementJson, type Synthesized } from './support.js';

/** A resource's `Properties` as the assertions library returns them (untyped JSON). */
type CfnProperties = ReturnType<Template['findResources']>[string]['Properties'];

/** What each function is given; the grants and the environment must say exactly this. */
interface Needs {
  /** PLIVO_CREDENTIALS_SECRET_ARN and read access to that secret. */
  plivoSecret: boolean;
  /** PLIVO_BASE_URL, PLIVO_RATE_LIMIT, PLIVO_BACKGROUND_SHARE, PLIVO_TIMEOUT_MS (the workflow runtime's client). */
  plivoSettings: boolean;
  /** WEBHOOK_SECRET_ARN and read access to that secret. */
  webhookSecret: boolean;
  /** states:SendTaskSuccess / SendTaskFailure. */
  taskResponse: boolean;
  /** STATE_MACHINE_ARN and states:StartExecution. */
  startExecution: boolean;
  /** Its code deletes items (an order's UNSTARTED marker; a pool run's lock, ended orders' markers): dynamodb:DeleteItem too. */
  deletes: boolean;
}

const workflowKeys = ORDER_FUNCTION_KEYS;
const otherFunctions: Record<string, Needs> = {
  Api: { plivoSecret: true, plivoSettings: true, webhookSecret: true, taskResponse: true, startExecution: true, deletes: true },
  PlivoWebhooks: { plivoSecret: true, plivoSettings: false, webhookSecret: false, taskResponse: false, startExecution: false, deletes: false },
  Reconciler: { plivoSecret: true, plivoSettings: true, webhookSecret: false, taskResponse: true, startExecution: true, deletes: true },
  WebhookDispatcher: { plivoSecret: false, plivoSettings: false, webhookSecret: true, taskResponse: false, startExecution: false, deletes: false },
  Rebalance: { plivoSecret: true, plivoSettings: true, webhookSecret: false, taskResponse: false, startExecution: true, deletes: true },
};

function needsOf(name: string): Needs {
  const other = otherFunctions[name];
  if (other) return other;
  const spec = STEP_SPECS[name as OrderFunctionKey] ?? {};
  const plivo = spec.plivo ?? true;
  return { plivoSecret: plivo, plivoSettings: plivo, webhookSecret: spec.webhookSecret ?? false, taskResponse: spec.taskResponse ?? false, startExecution: false, deletes: spec.endsOrders ?? false };
}

let synthesized: Synthesized;
let template: Template;
/** The functions, by the ASL substitution name (workflow steps) or the names of `otherFunctions`. */
let nodeFunctions: Record<string, NodeFunction>;
/** Their logical ids, by the same names. */
let functionIds: Record<string, string>;
let tableId: string;
let plivoSecretId: string;
let webhookSecretId: string;
let stateMachineId: string;
/** The alias executions start through (STATE_MACHINE_ARN). */
let aliasId: string;

function logicalId(construct: { node: { defaultChild?: unknown } }): string {
  return synthesized.stack.getLogicalId(construct.node.defaultChild as never);
}

function functionProps(id: string): CfnProperties {
  return template.findResources('AWS::Lambda::Function')[id]?.Properties;
}

/**
 * A function's environment as Lambda would give it: each reference (`{ Ref }`, `{ Fn::GetAtt }`)
 * resolved to `<logicalId>`, and the Plivo credentials the runtime reads from its secret.
 */
function deployedEnv(name: string): Env {
  const variables = functionProps(functionIds[name] as string).Environment.Variables as Record<string, unknown>;
  const env: Env = Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : `<${referencedId(value) ?? JSON.stringify(value)}>`]),
  );
  return env.PLIVO_CREDENTIALS_SECRET_ARN ? { ...env, PLIVO_AUTH_ID: 'MAXXXXXXXXXXXXXXXXXX', PLIVO_AUTH_TOKEN: 'token' } : env;
}

function roleOf(functionId: string): string {
  const roleId = referencedId(functionProps(functionId).Role);
  if (!roleId) throw new Error(`no role on ${functionId}`);
  return roleId;
}

/** Every statement of every policy, with the roles it is attached to. */
function allStatements(): { roles: (string | undefined)[]; statement: PolicyStatementJson }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]).map((statement) => ({
      roles: (policy.Properties.Roles as unknown[]).map(referencedId),
      statement,
    })),
  );
}

beforeAll(() => {
  synthesized = synth();
  template = synthesized.template;
  const { stack } = synthesized;
  nodeFunctions = {
    ...stack.workflow.bySubstitution,
    Api: stack.api.handler,
    PlivoWebhooks: stack.api.plivoWebhooksHandler,
    Reconciler: stack.background.reconciler,
    WebhookDispatcher: stack.background.webhookDispatcher,
    Rebalance: stack.background.rebalancer,
  };
  functionIds = Object.fromEntries(Object.entries(nodeFunctions).map(([name, fn]) => [name, logicalId(fn.handler)]));
  tableId = logicalId(stack.table.table);
  plivoSecretId = logicalId(stack.secrets.plivoCredentials as never);
  webhookSecretId = logicalId(stack.secrets.webhookSecret as never);
  stateMachineId = logicalId(stack.orderStateMachine.stateMachine);
  aliasId = stack.getLogicalId(stack.orderStateMachine.alias);
}, 300_000);

describe('resources', () => {
  it('has a function per workflow step, the two API handlers and the three scheduled jobs, and one of each other piece', () => {
    const functions = workflowKeys.length + Object.keys(otherFunctions).length;
    template.resourceCountIs('AWS::Lambda::Function', functions);
    // + the state machine's, API Gateway's CloudWatch role, one per schedule.
    template.resourceCountIs('AWS::IAM::Role', functions + 1 + 1 + 3);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::ApiGateway::Stage', 1);
    template.resourceCountIs('AWS::ApiGateway::Method', ordersApiRoutes.length + plivoWebhooksApiRoutes.length);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 1);
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    // Alarms come from metrics the handlers emit, not from log lines.
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    // 19 alarms, the throttle alarm split in groups of 10 functions.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 19 + Math.ceil(functions / 10) - 1);
    // The three scheduled functions turn off Lambda's own retries of an asynchronous invocation, failures to one queue.
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 3);
    template.resourceCountIs('AWS::SQS::Queue', 1);
  });

  it('bundles every function with esbuild as ESM, with a source map', () => {
    const assetDirs = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => {
      const key = fn.Properties.Code.S3Key as string;
      return join(synthesized.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    });
    expect(assetDirs).toHaveLength(Object.keys(functionIds).length);
    for (const dir of assetDirs) {
      expect(existsSync(join(dir, 'index.mjs')), dir).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map')), dir).toBe(true);
      expect(statSync(join(dir, 'index.mjs')).size).toBeGreaterThan(10_000);
    }
  });

  it('compiles the console into the API bundle: the bundled handler answers GET /console with its page, and the page names its script', async () => {
    const key = functionProps(functionIds['Api'] as string).Code.S3Key as string;
    const bundle = join(synthesized.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
    const saved = { ...process.env };
    Object.assign(process.env, { TABLE_NAME: 'number-orders', STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:x', AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
    try {
      const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: ProxyHandler };
      const get = (path: string) =>
        handler(
          { httpMethod: 'GET', path, resource: path, headers: {}, multiValueHeaders: {}, queryStringParameters: null, pathParameters: null, body: null, requestContext: { path: `/prod${path}`, requestId: 'r' } } as never,
          localLambdaContext({ functionName: 'orders-api', deadline: Date.now() + 25_000 }),
        );
      const page = await get('/console');
      expect(page.statusCode).toBe(200);
      expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers?.['content-security-policy']).toContain("script-src 'self'");
      const script = /src="\/prod(\/console\/assets\/app\.[0-9a-f]{16}\.js)"/.exec(page.body)?.[1];
      expect(script, page.body).toBeDefined();
      const asset = await get(script as string);
      expect(asset.statusCode).toBe(200);
      expect(asset.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
      expect(asset.body).toContain('number-orders.api-key');
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('reports nothing from cdk-nag AwsSolutions, and every acknowledgment has a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const acknowledgments = synthesized.app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledgments) {
      expect(rule).toMatch(/AwsSolutions-/);
      expect(reason.length, rule).toBeGreaterThan(40);
    }
  });
});

describe('table', () => {
  it('has the key schema, index and attributes of the store (TABLE_KEYS), on demand', () => {
    const local = tableDefinition('x');
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: local.KeySchema,
      AttributeDefinitions: Match.arrayWith(local.AttributeDefinitions ?? []),
      GlobalSecondaryIndexes: local.GlobalSecondaryIndexes,
      BillingMode: 'PAY_PER_REQUEST',
    });
    const table = template.findResources('AWS::DynamoDB::Table')[tableId]?.Properties;
    expect(table.AttributeDefinitions).toHaveLength(local.AttributeDefinitions?.length ?? -1);
  });

  it('has TTL, point-in-time recovery, deletion protection and encryption, and is retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('functions', () => {
  it('run Node.js 22 on arm64 with X-Ray, their own log group and role', () => {
    for (const id of Object.values(functionIds)) {
      const props = functionProps(id);
      expect(props, id).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
      expect(props.MemorySize, id).toBeGreaterThanOrEqual(256);
      expect(referencedId(props.LoggingConfig?.LogGroup), id).toBeDefined();
    }
  });

  it('give Plivo steps a timeout above one Plivo call with every retry, and every step less than its tasks allow', () => {
    expect(PLIVO_WORST_CALL_MS).toBe(170_000);
    const timeouts = Object.fromEntries(workflowKeys.map((key) => [key, functionProps(functionIds[key] as string).Timeout as number]));
    for (const key of workflowKeys) {
      const spec = STEP_SPECS[key] ?? {};
      expect(timeouts[key], key).toBe((spec.timeout ?? WORKFLOW_FUNCTION_TIMEOUT).toSeconds());
      if (spec.plivo ?? true) expect((timeouts[key] as number) * 1000, key).toBeGreaterThan(PLIVO_WORST_CALL_MS);
    }
    expect(timeouts.NotifyFunctionArn).toBeLessThan(60);
    expect(taskTimeoutProblems(readFileSync(ORDER_ASL_PATH, 'utf8'), synthesized.stack.workflow.timeouts)).toEqual([]);
    expect((functionProps(functionIds.Reconciler as string).Timeout as number) * 1000).toBeGreaterThan(PLIVO_WORST_CALL_MS);
    expect(functionProps(functionIds.Api as string).Timeout).toBeLessThan(29);
    expect(functionProps(functionIds.PlivoWebhooks as string).Timeout).toBeLessThan(29);
    expect(functionProps(functionIds.WebhookDispatcher as string).Timeout).toBeLessThan(60);
  });

  it('give pool rebalancing Lambda\'s longest timeout, above one Plivo call with every retry, and no async retries', () => {
    const timeout = functionProps(functionIds.Rebalance as string).Timeout as number;
    expect(timeout).toBe(900);
    expect(timeout).toBe(REBALANCE_FUNCTION_TIMEOUT.toSeconds());
    expect(timeout * 1000).toBeGreaterThan(PLIVO_WORST_CALL_MS);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: functionIds.Rebalance }, Qualifier: '$LATEST', MaximumRetryAttempts: 0 });
  });

  it('give pool rebalancing the handler it runs, the state machine and the schedule\'s interval as its idempotency window', () => {
    const props = functionProps(functionIds.Rebalance as string);
    expect(props.Description).toMatch(/pool rebalancing/);
    const env = props.Environment.Variables as Record<string, unknown>;
    expect(env).toMatchObject({ REBALANCE_WINDOW_SECONDS: '3600', PLIVO_RATE_LIMIT: '300/5s', POWERTOOLS_SERVICE_NAME: 'number-orders-pools' });
    expect(env.STATE_MACHINE_ARN).toEqual({ 'Fn::GetAtt': [aliasId, 'Arn'] });
    // What the handler reads at cold start from exactly this environment: the state machine and the schedule's window.
    expect(readRebalanceConfig(deployedEnv('Rebalance'))).toEqual({ stateMachineArn: `<${aliasId}>`, windowSeconds: 3600 });
    for (const [name, id] of Object.entries(functionIds)) {
      if (name !== 'Rebalance' && name !== 'Api') expect(functionProps(id).Environment.Variables.REBALANCE_WINDOW_SECONDS, name).toBeUndefined();
    }
  });

  it('give the link step the URL Plivo posts 10DLC link statuses to: the Plivo callback route\'s, which the callback function checks signatures against', () => {
    const link = functionProps(functionIds.LinkCampaignFunctionArn as string).Environment.Variables as Record<string, unknown>;
    const callbacks = functionProps(functionIds.PlivoWebhooks as string).Environment.Variables as Record<string, unknown>;
    expect(link.PLIVO_CALLBACK_URL).toBeDefined();
    expect(link.PLIVO_CALLBACK_URL).toEqual(callbacks.PLIVO_CALLBACK_URL);
    expect(JSON.stringify(link.PLIVO_CALLBACK_URL)).toContain('/webhooks/plivo');
    for (const [name, id] of Object.entries(functionIds)) {
      if (name !== 'LinkCampaignFunctionArn' && name !== 'PlivoWebhooks') expect(functionProps(id).Environment.Variables.PLIVO_CALLBACK_URL, name).toBeUndefined();
    }
  });

  it('reserve no concurrency by default (a new account has no room for it); the line steps bound work in flight with WORK_SLOTS', () => {
    expect(PLIVO_HEAVY_FUNCTIONS).toEqual(['RentFunctionArn', 'AssignToPoolFunctionArn']);
    for (const [name, id] of Object.entries(functionIds)) {
      expect(functionProps(id).ReservedConcurrentExecutions, name).toBeUndefined();
      const env = functionProps(id).Environment.Variables as Record<string, unknown>;
      if (['RentFunctionArn', 'AssignToPoolFunctionArn', 'VerifyFunctionArn'].includes(name)) expect(env.WORK_SLOTS, name).toBe('20');
    }
  });

  it('give each function the table and exactly the configuration it needs, secrets by ARN only', () => {
    for (const [name, id] of Object.entries(functionIds)) {
      const needs = needsOf(name);
      const env = functionProps(id).Environment.Variables as Record<string, unknown>;
      expect(referencedId(env.TABLE_NAME), name).toBe(tableId);
      expect(referencedId(env.PLIVO_CREDENTIALS_SECRET_ARN), name).toBe(needs.plivoSecret ? plivoSecretId : undefined);
      expect(referencedId(env.WEBHOOK_SECRET_ARN), name).toBe(needs.webhookSecret ? webhookSecretId : undefined);
      expect(referencedId(env.STATE_MACHINE_ARN), name).toBe(needs.startExecution ? aliasId : undefined);
      if (needs.plivoSettings) expect(env, name).toMatchObject({ PLIVO_BASE_URL: 'https://api.plivo.com', PLIVO_RATE_LIMIT: '300/5s', PLIVO_BACKGROUND_SHARE: '0.2', PLIVO_TIMEOUT_MS: '10000' });
      else expect(env.PLIVO_BASE_URL, name).toBeUndefined();
      expect(env.POWERTOOLS_LOG_LEVEL, name).toBe('INFO');
      expect(env.POWERTOOLS_SERVICE_NAME, name).toEqual(expect.any(String));
      for (const secretVariable of ['PLIVO_AUTH_ID', 'PLIVO_AUTH_TOKEN', 'WEBHOOK_SECRET']) expect(env, name).not.toHaveProperty(secretVariable);
      // DynamoDB fault injection is for the local stack and tests: never deployed unless someone sets it by hand.
      expect(env, name).not.toHaveProperty('DYNAMODB_FAULTS');
      const db = createDocumentClient(deployedEnv(name));
      expect(db.middlewareStack.identify(), name).not.toContain('dynamoDbFaultInjector - deserialize');
      db.destroy();
    }
  });

  it('give each function a configuration its readers accept as deployed', () => {
    for (const name of Object.keys(functionIds).filter((n) => needsOf(n).plivoSettings)) {
      expect(readPlivoConfig(deployedEnv(name)), name).toMatchObject({ baseUrl: 'https://api.plivo.com', rateLimit: { requests: 300, windowMs: 5_000 }, timeoutMs: PLIVO_TIMEOUT_MS, backgroundShare: 0.2 });
    }
    expect(readReconcilerConfig(deployedEnv('Reconciler'))).toEqual({ stateMachineArn: `<${aliasId}>`, unstartedGraceSeconds: 60, orphanScanHours: 24 });
  });

  it('give the Plivo callback handler the public URL Plivo signs, built without the stage resource', () => {
    const url = functionProps(functionIds.PlivoWebhooks as string).Environment.Variables.PLIVO_CALLBACK_URL;
    const apiId = logicalId(synthesized.stack.api.api);
    expect(url).toEqual({ 'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/dev/webhooks/plivo']] });
  });
});

describe('grants', () => {
  const tableResources = () => [{ 'Fn::GetAtt': [tableId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, `/index/${TABLE_KEYS.gsi1.name}`]] }];

  it('give every function exactly the store data actions (and deletes to those declared to delete), on the table and gsi1 only', () => {
    // The declaration: STEP_SPECS' endsOrders for workflow steps, the connect options of the others.
    expect(Object.keys(functionIds).filter((name) => needsOf(name).deletes).sort()).toEqual(
      ['Api', 'AwaitRegulatoryFunctionArn', 'FinalizeFunctionArn', 'Rebalance', 'Reconciler', 'RentFunctionArn', 'RollbackUnrentFunctionArn', 'SearchFunctionArn'].sort(),
    );
    for (const [name, id] of Object.entries(functionIds)) {
      const dynamodb = statementsOfRole(template, roleOf(id)).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
      expect(dynamodb, name).toHaveLength(1);
      const expected = [...STORE_DATA_ACTIONS, ...(needsOf(name).deletes ? DELETE_DATA_ACTIONS : [])];
      expect([...actionsOf(dynamodb[0]!)].sort(), name).toEqual(expected.sort());
      expect(resourcesOf(dynamodb[0]!), name).toEqual(tableResources());
    }
  });

  it('let each function read exactly the secrets it needs', () => {
    for (const [name, id] of Object.entries(functionIds)) {
      const needs = needsOf(name);
      const secrets = statementsOfRole(template, roleOf(id)).filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
      for (const statement of secrets) expect([...actionsOf(statement)].sort(), name).toEqual(['secretsmanager:GetSecretValue']);
      const readable = secrets.flatMap((s) => resourcesOf(s).map(referencedId)).sort();
      const expected = [...(needs.plivoSecret ? [plivoSecretId] : []), ...(needs.webhookSecret ? [webhookSecretId] : [])].sort();
      expect(readable, name).toEqual(expected);
    }
  });

  it('give the Plivo secret only to the functions that call Plivo or check its signatures', () => {
    const readers = Object.keys(functionIds).filter((name) => needsOf(name).plivoSecret);
    expect(readers.sort()).toEqual(['Api', 'AssignToPoolFunctionArn', 'LinkCampaignFunctionArn', 'PlivoWebhooks', 'Rebalance', 'Reconciler', 'RentFunctionArn', 'RollbackUnrentFunctionArn', 'SearchFunctionArn', 'VerifyFunctionArn']);
  });

  it('let only the API, pool rebalancing and the reconciler start executions, of this state machine only', () => {
    const starters = allStatements().filter(({ statement }) => actionsOf(statement).includes('states:StartExecution'));
    const expected = Object.keys(functionIds).filter((name) => needsOf(name).startExecution);
    expect(expected.sort()).toEqual(['Api', 'Rebalance', 'Reconciler']);
    expect(starters.flatMap(({ roles }) => roles).sort()).toEqual(expected.map((name) => roleOf(functionIds[name] as string)).sort());
    for (const { statement } of starters) expect(statement).toEqual({ Effect: 'Allow', Action: 'states:StartExecution', Resource: { 'Fn::GetAtt': [aliasId, 'Arn'] } });
  });

  it('let only the functions that end task-token waits send task results', () => {
    const senders = allStatements().filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('states:SendTask')));
    const expectedRoles = Object.keys(functionIds)
      .filter((name) => needsOf(name).taskResponse)
      .map((name) => roleOf(functionIds[name] as string))
      .sort();
    expect(expectedRoles.length).toBeGreaterThanOrEqual(3); // await-regulatory, reconciler, API
    expect(senders.flatMap(({ roles }) => roles).sort()).toEqual(expectedRoles);
    // (On "*", so merged with the role's X-Ray statement.)
    for (const { statement } of senders) {
      expect(actionsOf(statement)).toEqual(expect.arrayContaining(['states:SendTaskFailure', 'states:SendTaskSuccess']));
      for (const action of actionsOf(statement)) expect(action).toMatch(/^(states:SendTask(Success|Failure)|xray:(PutTraceSegments|PutTelemetryRecords))$/);
    }
    const others = allStatements().filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('states:') && !/^states:(StartExecution|SendTaskSuccess|SendTaskFailure)$/.test(a)));
    // Besides: the reconciler reads its orders' executions (to recover those that died), the API their histories (timelines), and nothing else.
    expect(others.map(({ roles, statement }) => [roles, actionsOf(statement)]).sort()).toEqual(
      [
        [[roleOf(functionIds['Api'] as string)], ['states:GetExecutionHistory']],
        [[roleOf(functionIds['Reconciler'] as string)], ['states:DescribeExecution']],
      ].sort(),
    );
    for (const { statement } of others) expect(JSON.stringify(resourcesOf(statement))).toContain(':execution:');
  });

  it("let the API read the order executions' histories, on this state machine's executions only", () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleOf(functionIds['Api'] as string) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'states:GetExecutionHistory',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':execution:'), { 'Fn::GetAtt': [stateMachineId, 'Name'] }, ':*'])],
            },
          },
        ]),
      },
    });
  });

  it('let the state machine invoke exactly its workflow functions (unqualified), and each schedule only its job', () => {
    const invokers = allStatements().filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('lambda:')));
    for (const { statement } of invokers) expect(statement.Action).toBe('lambda:InvokeFunction');
    const stateMachineRole = referencedId(template.findResources('AWS::StepFunctions::StateMachine')[stateMachineId]?.Properties.RoleArn);
    const byStateMachine = invokers.filter(({ roles }) => roles.includes(stateMachineRole));
    expect(byStateMachine).toHaveLength(1);
    expect(resourcesOf(byStateMachine[0]!.statement).map((r) => JSON.stringify(r)).sort()).toEqual(
      workflowKeys.map((key) => JSON.stringify({ 'Fn::GetAtt': [functionIds[key], 'Arn'] })).sort(),
    );
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((s) => s.Properties.Target);
    const others = invokers.filter(({ roles }) => !roles.includes(stateMachineRole));
    expect(others).toHaveLength(schedules.length);
    for (const target of schedules) {
      const grant = others.find(({ roles }) => roles.includes(referencedId(target.RoleArn)));
      const fnId = referencedId(target.Arn);
      expect([functionIds.Reconciler, functionIds.WebhookDispatcher, functionIds.Rebalance]).toContain(fnId);
      expect(resourcesOf(grant!.statement)).toEqual([{ 'Fn::GetAtt': [fnId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] }]);
    }
  });

  it('use Resource "*" only for actions without resource-level permissions (X-Ray, log delivery, task results)', () => {
    const allowedWithStar =
      /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)|states:(SendTaskSuccess|SendTaskFailure))$/;
    const starred = allStatements().filter(({ statement }) => resourcesOf(statement).includes('*'));
    expect(starred.length).toBeGreaterThan(0);
    for (const { statement } of starred) for (const action of actionsOf(statement)) expect(action).toMatch(allowedWithStar);
    expect(allStatements().flatMap(({ statement }) => actionsOf(statement)).filter((action) => action.includes('*'))).toEqual([]);
  });

  it('attach no AWS managed policy to any role but API Gateway’s account-level CloudWatch role', () => {
    const roles = template.findResources('AWS::IAM::Role');
    const withManaged = Object.entries(roles).filter(([, role]) => role.Properties.ManagedPolicyArns !== undefined).map(([id]) => id);
    expect(withManaged).toHaveLength(1);
    expect(withManaged[0]).toMatch(/CloudWatchRole/);
  });
});

describe('state machine', () => {
  it('is the ASL file as an asset, every substitution bound to its function, none left over', () => {
    const props = template.findResources('AWS::StepFunctions::StateMachine')[stateMachineId]?.Properties;
    expect(props.DefinitionString).toBeUndefined();
    const definition = readFileSync(join(synthesized.outdir, `asset.${props.DefinitionS3Location.Key}`), 'utf8');
    expect(definition).toBe(readFileSync(ORDER_ASL_PATH, 'utf8'));

    const substitutions = props.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(substitutions).sort()).toEqual([...workflowKeys, 'Partition'].sort());
    for (const name of workflowKeys) expect(substitutions[name], name).toEqual({ 'Fn::GetAtt': [functionIds[name], 'Arn'] });
    expect(substitutions.Partition).toEqual({ Ref: 'AWS::Partition' });

    // What CloudFormation does at deploy: replace each ${Name}.
    const values: Record<string, string> = { ...Object.fromEntries(workflowKeys.map((name) => [name, `arn:aws-cn:lambda:cn-north-1:123456789012:function:${name}`])), Partition: 'aws-cn' };
    const deployed = Object.entries(values).reduce((text, [name, value]) => text.replaceAll('${' + name + '}', value), definition);
    expect(deployed).not.toContain('${');
    expect(() => JSON.parse(deployed)).not.toThrow();
  });

  it('logs errors with execution data, and traces with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }] },
      TracingConfiguration: { Enabled: true },
    });
    // Its name (under /aws/vendedlogs/states/, ending with the stack's id): deploy-realities.test.ts.
    expect(template.findResources('AWS::Logs::LogGroup')[logicalId(synthesized.stack.orderStateMachine.logGroup)]?.Properties.RetentionInDays).toBe(30);
  });
});

describe('schedules', () => {
  it('run the reconciler every 15 minutes, the webhook dispatcher every minute and pool rebalancing every hour, no flexible window', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((s) => s.Properties);
    expect(schedules.map((s) => [referencedId(s.Target.Arn), s.ScheduleExpression]).sort()).toEqual(
      [
        [functionIds.Reconciler, 'rate(15 minutes)'],
        [functionIds.WebhookDispatcher, 'rate(1 minute)'],
        [functionIds.Rebalance, 'rate(1 hour)'],
      ].sort(),
    );
    for (const schedule of schedules) {
      expect(schedule.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(schedule.Target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 0 });
    }
  });
});

describe('API', () => {
  function methodsByPath(): Map<string, CfnProperties> {
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const pathOf = (id: string | undefined): string => {
      if (!id || !resources[id]) return '';
      const resource = resources[id].Properties;
      return `${pathOf(referencedId(resource.ParentId))}/${resource.PathPart as string}`;
    };
    const methods = new Map<string, CfnProperties>();
    for (const method of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
      methods.set(`${method.Properties.HttpMethod as string} ${pathOf(referencedId(method.Properties.ResourceId))}`, method.Properties);
    }
    return methods;
  }

  function integratedFunction(method: CfnProperties): string | undefined {
    const parts = method.Integration.Uri['Fn::Join'][1] as unknown[];
    return parts.map(referencedId).find((id) => id !== undefined && !id.startsWith('AWS::'));
  }

  it('has a method for every route, the API key required except on the public ones', () => {
    const methods = methodsByPath();
    const routes = [...ordersApiRoutes.map((r) => ({ ...r, fn: 'Api' })), ...plivoWebhooksApiRoutes.map((r) => ({ ...r, public: true, fn: 'PlivoWebhooks' }))];
    expect([...methods.keys()].sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of routes) {
      const method = methods.get(`${route.method} ${route.path}`);
      expect(method?.ApiKeyRequired ?? false, `${route.method} ${route.path}`).toBe(!route.public);
      expect(method?.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(integratedFunction(method), `${route.method} ${route.path}`).toBe(functionIds[route.fn]);
    }
    expect(methods.get('GET /health')?.ApiKeyRequired ?? false).toBe(false);
    expect(methods.get('GET /openapi.json')?.ApiKeyRequired ?? false).toBe(false);
    expect(methods.get('POST /webhooks/plivo')?.ApiKeyRequired ?? false).toBe(false);
    expect(methods.get('POST /orders')?.ApiKeyRequired).toBe(true);
    expect(methods.get('GET /orders/{orderId}')?.ApiKeyRequired).toBe(true);
  });

  it('logs access as JSON with the key id, logs errors, traces, and throttles the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"apiKeyId":"\\$context.identity.apiKeyId"') },
      MethodSettings: [
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      ],
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'HEADER', EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  it('has a usage plan with per-key throttling holding the API key', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 25, BurstLimit: 50 }, ApiStages: [Match.objectLike({ Stage: Match.anyValue() })] });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyType: 'API_KEY' });
    // The key's value is generated by API Gateway, never in the template.
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Value: Match.absent(), Enabled: true });
  });

  it('refuses bodies declared larger than 256 KiB at the WAF with a 413, on this stage', () => {
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]?.Properties;
    const rule = acl.Rules[0];
    expect(rule.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'body-too-large' } } });
    expect(rule.Statement.RegexMatchStatement.FieldToMatch).toEqual({ SingleHeader: { Name: 'content-length' } });
    const pattern = new RegExp(rule.Statement.RegexMatchStatement.RegexString as string);
    expect(pattern.test(String(256 * 1024))).toBe(false);
    expect(pattern.test(String(256 * 1024 + 1))).toBe(true);
    expect(JSON.parse(acl.CustomResponseBodies['body-too-large'].Content)).toEqual({ error: expect.stringContaining('256 KiB') });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { 'Fn::Join': ['', Match.arrayWith([':apigateway:', '::/restapis/', '/stages/'])] },
    });
  });

  it('puts the AWS common and known-bad-input rule groups and a per-address rate limit behind the size rule', () => {
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]?.Properties;
    const rules = acl.Rules as { Name: string; Priority: number; Statement: Record<string, Record<string, unknown>>; Action?: unknown; OverrideAction?: unknown }[];
    expect(rules.map((r) => [r.Priority, r.Name])).toEqual([
      [0, 'BodyTooLarge'],
      [1, 'RateLimit'],
      [2, MANAGED_RULE_GROUPS[0]],
      [3, MANAGED_RULE_GROUPS[1]],
    ]);
    expect(rules[1]?.Statement.RateBasedStatement).toEqual({ Limit: DEFAULT_RATE_LIMIT_PER_5_MINUTES, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    expect(rules[1]?.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'too-many-requests' } } });
    // Above what one API key may send in 5 minutes (the usage plan's 25 per second), below the stage's 50.
    expect(DEFAULT_RATE_LIMIT_PER_5_MINUTES).toBeGreaterThan(25 * 300);
    expect(DEFAULT_RATE_LIMIT_PER_5_MINUTES).toBeLessThan(50 * 300);
    for (const rule of rules.slice(2)) {
      expect(rule.Statement.ManagedRuleGroupStatement).toMatchObject({ VendorName: 'AWS', Name: rule.Name });
      expect(rule.OverrideAction).toEqual({ None: {} });
    }
    // Orders are up to 256 KiB: the common rule set's 8 KB body rule only counts.
    expect(rules[2]?.Statement.ManagedRuleGroupStatement?.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
    expect(rules[3]?.Statement.ManagedRuleGroupStatement?.RuleActionOverrides).toBeUndefined();
  });

  it('covers POST /webhooks/plivo: a method of the one stage the web ACL is associated with', () => {
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::ApiGateway::Stage', 1);
    const stageId = Object.keys(template.findResources('AWS::ApiGateway::Stage'))[0];
    const association = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'))[0]?.Properties;
    expect(JSON.stringify(association.ResourceArn)).toContain(`{"Ref":"${stageId}"}`);
    const plivoMethod = Object.values(template.findResources('AWS::ApiGateway::Method')).find((m) => JSON.stringify(m.Properties.Integration).includes(functionIds.PlivoWebhooks as string));
    expect(plivoMethod?.Properties.ApiKeyRequired).toBe(false);
  });

  it('logs WAF verdicts to an aws-waf-logs- log group with a retention, the API key and Plivo signature redacted', () => {
    const logging = Object.values(template.findResources('AWS::WAFv2::LoggingConfiguration'))[0]?.Properties;
    const aclId = Object.keys(template.findResources('AWS::WAFv2::WebACL'))[0];
    expect(referencedId(logging.ResourceArn)).toBe(aclId);
    expect(logging.RedactedFields).toEqual(REDACTED_HEADERS.map((name) => ({ SingleHeader: { Name: name } })));
    // The destination is the log group's ARN without LogGroup.logGroupArn's ":*" (WAF refuses that form).
    const destination = JSON.stringify(logging.LogDestinationConfigs[0]);
    const logGroupId = /\{"Ref":"([^"]+)"\}\]\]\}$/.exec(destination)?.[1] as string;
    expect(destination).toContain(':log-group:');
    expect(destination).not.toContain(':*');
    const logGroup = template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties;
    expect(JSON.stringify(logGroup.LogGroupName)).toMatch(/^\{"Fn::Join":\["",\["aws-waf-logs-number-orders-dev-api-",/);
    expect(logGroup.RetentionInDays).toBeGreaterThan(0);
  });

  it('answers its own errors in the handler\'s {"error"} shape', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'DEFAULT_4XX', ResponseTemplates: { 'application/json': '{"error":$context.error.messageString}' } });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'MISSING_AUTHENTICATION_TOKEN', StatusCode: '404' });
  });
});

describe('secrets', () => {
  it('creates the Plivo secret with a placeholder and generates the webhook key, never a value in the template', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: JSON.stringify({ authId: 'SET-ME' }), GenerateStringKey: 'authToken' },
      SecretString: Match.absent(),
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'key', PasswordLength: 44, ExcludePunctuation: true },
      SecretString: Match.absent(),
    });
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/PLIVO_AUTH_(ID|TOKEN)"/);
    expect(text).not.toMatch(/"WEBHOOK_SECRET"/);
    expect(text).not.toMatch(/whsec_[A-Za-z0-9+/]{8}/);
    expect(text).not.toMatch(/"authToken"\s*:/);
  });
});

type AlarmMetricStat = { Metric: { MetricName: string; Namespace: string; Dimensions?: { Name: string; Value: unknown }[] }; Stat: string; Period: number };

function alarmNamed(name: string): CfnProperties {
  const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .map((a) => a.Properties)
    .find((a) => a.AlarmName === `number-orders-dev-${name}`);
  if (!alarm) throw new Error(`no alarm ${name}`);
  return alarm;
}

/** The metrics an alarm watches (its one metric, or the terms of its expression), as [namespace, name, statistic]. */
function watchedBy(name: string): { namespace: string; name: string; stat: string; period: number; dimensions: Record<string, unknown> }[] {
  const alarm = alarmNamed(name);
  const stats: AlarmMetricStat[] = alarm.Metrics
    ? (alarm.Metrics as { MetricStat?: AlarmMetricStat }[]).flatMap((m) => (m.MetricStat ? [m.MetricStat] : []))
    : [{ Metric: { MetricName: alarm.MetricName, Namespace: alarm.Namespace, Dimensions: alarm.Dimensions }, Stat: alarm.Statistic, Period: alarm.Period }];
  return stats.map((m) => ({
    namespace: m.Metric.Namespace,
    name: m.Metric.MetricName,
    stat: m.Stat,
    period: m.Period,
    dimensions: Object.fromEntries((m.Metric.Dimensions ?? []).map((d) => [d.Name, typeof d.Value === 'string' ? d.Value : referencedId(d.Value)])),
  }));
}

const business = { namespace: 'NumberOrders/dev', dimensions: { service: METRICS_SERVICE } };

describe('alarms', () => {
  it('each notify one SNS topic, on alarm and back to OK', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms.map((a) => (a.AlarmName as string).replace(/^number-orders-dev-/, '')).sort()).toEqual(
      [
        'ApiErrors',
        'ApiServerErrors',
        'ExecutionsFailed',
        'ExecutionsThrottled',
        'LeakedNumbers',
        'OrderOpenTooLong',
        'OrdersNotRecovered',
        'OrphanedNumbers',
        'PlivoThrottling',
        'PlivoWebhooksErrors',
        'ProvableOrphans',
        'RebalanceErrors',
        'RebalanceFailed',
        'ReconcilerErrors',
        'ScheduledRunsFailed',
        'Throttles',
        'Throttles2',
        'WebhookDeliveriesAbandoned',
        'WebhookDeliveriesFailing',
        'WebhookDispatcherErrors',
      ].sort(),
    );
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('give every function the namespace the business metrics go to', () => {
    for (const name of Object.keys(functionIds)) expect(deployedEnv(name)[METRICS_NAMESPACE_VARIABLE], name).toBe('NumberOrders/dev');
  });

  it('watch the business metrics the handlers emit, by the names they emit them under', () => {
    const expected: [string, string, string, number, number][] = [
      // alarm, metric, statistic, period, threshold
      ['LeakedNumbers', METRIC.numbersLeaked, 'Sum', 300, 1],
      ['OrphanedNumbers', METRIC.orphanedNumbers, 'Maximum', 3600, 1],
      ['ProvableOrphans', METRIC.provableOrphans, 'Maximum', 300, 1],
      ['OrdersNotRecovered', METRIC.ordersNotRecovered, 'Maximum', 300, 1],
      ['OrderOpenTooLong', METRIC.oldestOpenOrderAge, 'Maximum', 1800, STUCK_ORDER_AGE.toSeconds()],
      ['PlivoThrottling', METRIC.plivoThrottled, 'Sum', 300, 1],
      ['WebhookDeliveriesFailing', METRIC.webhookDeliveriesFailed, 'Sum', 300, 1],
      ['WebhookDeliveriesAbandoned', METRIC.webhookDeliveriesAbandoned, 'Sum', 300, 1],
      ['RebalanceFailed', METRIC.rebalanceFailedPools, 'Sum', 300, 1],
    ];
    for (const [alarm, metric, stat, period, threshold] of expected) {
      expect(watchedBy(alarm), alarm).toEqual([{ ...business, name: metric, stat, period }]);
      expect(alarmNamed(alarm).Threshold, alarm).toBe(threshold);
    }
    // Sustained, not one bad minute.
    expect(alarmNamed('WebhookDeliveriesFailing').EvaluationPeriods).toBe(3);
    expect(alarmNamed('PlivoThrottling').EvaluationPeriods).toBe(3);
  });

  it('watch the state machine for failed, timed-out, aborted and throttled executions', () => {
    const execution = (name: string) => ({ namespace: 'AWS/States', name, stat: 'Sum', period: 300, dimensions: { StateMachineArn: stateMachineId } });
    expect(watchedBy('ExecutionsFailed')).toEqual([execution('ExecutionsFailed'), execution('ExecutionsTimedOut'), execution('ExecutionsAborted')]);
    expect(watchedBy('ExecutionsThrottled')).toEqual([execution('ExecutionThrottled')]);
  });

  it('watch every scheduled and API function for errors, one alarm each', () => {
    for (const [alarm, fn] of [
      ['ReconcilerErrors', 'Reconciler'],
      ['WebhookDispatcherErrors', 'WebhookDispatcher'],
      ['RebalanceErrors', 'Rebalance'],
      ['ApiErrors', 'Api'],
      ['PlivoWebhooksErrors', 'PlivoWebhooks'],
    ] as const) {
      expect(watchedBy(alarm), alarm).toEqual([{ namespace: 'AWS/Lambda', name: 'Errors', stat: 'Sum', period: 300, dimensions: { FunctionName: functionIds[fn] } }]);
    }
  });

  it('watch every function for throttles, at most 10 metrics per alarm', () => {
    const throttleAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties)
      .filter((a) => /Throttles/.test(a.AlarmName as string));
    const watched = throttleAlarms.flatMap((a) => (a.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: unknown }[] } } }[]).filter((m) => m.MetricStat));
    for (const alarm of throttleAlarms) expect((alarm.Metrics as unknown[]).length).toBeLessThanOrEqual(11); // 10 metrics + the expression
    expect(watched.map((m) => m.MetricStat?.Metric.MetricName)).toEqual(Object.keys(functionIds).map(() => 'Throttles'));
    expect(watched.map((m) => referencedId(m.MetricStat?.Metric.Dimensions[0]?.Value)).sort()).toEqual(Object.values(functionIds).sort());
  });
});

describe('dashboard', () => {
  let body: string;
  beforeAll(() => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties;
    // The body is a Fn::Join of text and references: the text is what the assertions read.
    body = (dashboard.DashboardBody['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : `<${referencedId(part) ?? JSON.stringify(part)}>`)).join('');
  });

  it('has one titled row per concern, in order', () => {
    const titles = [...body.matchAll(/"markdown":"## ([^"]+)"/g)].map((match) => match[1]);
    expect(titles).toEqual([...DASHBOARD_ROWS]);
  });

  it('graphs every business metric, orders by each final status, and the share of the rate limit', () => {
    for (const name of Object.values(METRIC)) expect(body, name).toContain(`"NumberOrders/dev","${name}","service","${METRICS_SERVICE}"`);
    for (const status of terminalOrderStatuses) expect(body, status).toContain(`"${METRIC.ordersEnded}","service","${METRICS_SERVICE}","${STATUS_DIMENSION}","${status}"`);
    // 300 requests per 5 s allow 18,000 in a 5-minute period.
    expect(body).toContain('"expression":"100 * FILL(calls, 0) / 18000"');
  });

  it('shows every alarm, the state machine, every function and the firewall', () => {
    for (const alarm of Object.keys(template.findResources('AWS::CloudWatch::Alarm'))) expect(body).toContain(`<${alarm}>`);
    expect(body).toContain('"AWS/States","ExecutionsAborted"');
    expect(body).toContain('"AWS/States","ExecutionThrottled"');
    for (const id of Object.values(functionIds)) expect(body).toContain(`"AWS/Lambda","Throttles","FunctionName","<${id}>"`);
    expect(body).toContain('"AWS/WAFV2","BlockedRequests"');
  });
});

describe('outputs', () => {
  it('give the API URL, the key id and what an operator needs next', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'ApiKeyId', 'StateMachineArn', 'TableName', 'PlivoCredentialsSecretArn', 'WebhookSecretArn', 'AlarmTopicArn']));
    expect(referencedId(outputs.PlivoCredentialsSecretArn?.Value)).toBe(plivoSecretId);
    expect(referencedId(outputs.WebhookSecretArn?.Value)).toBe(webhookSecretId);
  });
});
