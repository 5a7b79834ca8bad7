/**
 * The stack as AWS really behaves, from the synthesized template (no account is reachable here):
 * a stack that can be created in a new account and created again after `cdk destroy`, in any
 * partition. Synthesized without bundles (test/infra/support.ts); stack.test.ts checks those.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { Token } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { nagSummary } from '../../infra/stack/nag.js';
import { ORDER_ASL_PATH } from '../../statemachines/order-functions.js';
import { RUN_TMP_PREFIX } from '../support/global-setup.js';
import { synth, type Synthesized } from './support.js';

type Resources = Record<string, { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }>;

let synthesized: Synthesized;
let template: Template;
let resources: Resources;

function logicalId(construct: { node: { defaultChild?: unknown } }): string {
  return synthesized.stack.getLogicalId(construct.node.defaultChild as never);
}

beforeAll(() => {
  synthesized = synth({ bundle: false, context: { '@aws-cdk/core:validateAgainstDefaultRules': false } });
  template = synthesized.template;
  resources = template.toJSON().Resources as Resources;
}, 60_000);

describe('re-create after destroy', () => {
  /** The properties that give a resource a name of its own, unique in the account (and region). */
  const NAME_PROPERTIES = ['LogGroupName', 'TableName', 'Name', 'BucketName', 'QueueName', 'TopicName', 'RoleName', 'FunctionName', 'StateMachineName'];

  it('names no retained resource with a fixed name: a re-created stack would fail with "already exists"', () => {
    const retained = Object.entries(resources).filter(([, resource]) => resource.DeletionPolicy === 'Retain');
    expect(retained.map(([, r]) => r.Type)).toEqual(expect.arrayContaining(['AWS::Logs::LogGroup', 'AWS::DynamoDB::Table']));
    for (const [id, resource] of retained) {
      for (const key of NAME_PROPERTIES.filter((k) => resource.Properties?.[k] !== undefined)) {
        // A name may stay only if it holds something that differs per stack instance (the stack's id).
        expect([id, key, JSON.stringify(resource.Properties?.[key])]).toEqual([id, key, expect.stringContaining('"Ref":"AWS::StackId"')]);
      }
    }
  });

  it("keeps the state machine's log group under /aws/vendedlogs/states/, named after the stack and its id", () => {
    const logGroup = resources[logicalId(synthesized.stack.orderStateMachine.logGroup)];
    expect(logGroup?.DeletionPolicy).toBe('Retain');
    const name = JSON.stringify(logGroup?.Properties?.LogGroupName);
    expect(name).toContain('/aws/vendedlogs/states/number-orders-dev-order-');
    expect(name).toContain('"Ref":"AWS::StackId"');
  });
});

describe('partitions', () => {
  it('takes the partition of every ARN in the ASL from a substitution CloudFormation fills with AWS::Partition', () => {
    const asl = readFileSync(ORDER_ASL_PATH, 'utf8');
    expect(asl).not.toMatch(/arn:aws/);
    const resourcesInAsl = [...asl.matchAll(/"Resource":\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(resourcesInAsl.length).toBeGreaterThan(0);
    for (const resource of resourcesInAsl) expect(resource).toMatch(/^arn:\$\{Partition\}:states:::lambda:invoke(\.waitForTaskToken)?$/);
    const props = resources[logicalId(synthesized.stack.orderStateMachine.stateMachine)]?.Properties;
    expect((props?.DefinitionSubstitutions as Record<string, unknown>).Partition).toEqual({ Ref: 'AWS::Partition' });
  });

  it('names no partition literally in any IAM policy or environment variable of the template', () => {
    const text = JSON.stringify(resources);
    expect(text).not.toMatch(/arn:aws[a-z-]*:/);
  });
});

describe('stages', () => {
  it('deploys stage dev by default, to whatever account and region the CLI has, without termination protection', () => {
    expect(synthesized.stack.stackName).toBe('number-orders-dev');
    expect(synthesized.stack.terminationProtection).toBe(false);
    expect([Token.isUnresolved(synthesized.stack.account), Token.isUnresolved(synthesized.stack.region)]).toEqual([true, true]);
  });

  it('deploys prod only to the account and region given, with termination protection', () => {
    const prod = synth({ bundle: false, context: { stage: 'prod', account: '123456789012', region: 'eu-west-1', '@aws-cdk/core:validateAgainstDefaultRules': false } });
    expect(prod.stack.stackName).toBe('number-orders-prod');
    expect([prod.stack.account, prod.stack.region]).toEqual(['123456789012', 'eu-west-1']);
    expect(prod.stack.terminationProtection).toBe(true);
    const artifact = prod.app.synth().getStackByName('number-orders-prod');
    expect(artifact.terminationProtection).toBe(true);
    expect(artifact.environment).toMatchObject({ account: '123456789012', region: 'eu-west-1' });
  }, 60_000);

  it('refuses prod without an explicit account and region', () => {
    expect(() => synth({ bundle: false, context: { stage: 'prod' } })).toThrow(/stage "prod" needs an explicit account and region/);
  });
});

describe('Step Functions logging', () => {
  it('logs errors with their execution data and nothing else: no task token of a running wait reaches the logs', () => {
    const props = resources[logicalId(synthesized.stack.orderStateMachine.stateMachine)]?.Properties;
    expect(props?.LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: true });
  });
});

describe('secrets', () => {
  it('are retained when the stack is deleted (the Plivo credentials and the customers\' signing key outlive it)', () => {
    const secrets = Object.values(resources).filter((r) => r.Type === 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(secret.DeletionPolicy).toBe('Retain');
  });

  it('are read with secretsmanager:GetSecretValue alone (no DescribeSecret, which nothing calls)', () => {
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement);
    const secretActions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) => a.startsWith('secretsmanager:'));
    expect(secretActions.length).toBeGreaterThan(0);
    expect(new Set(secretActions)).toEqual(new Set(['secretsmanager:GetSecretValue']));
  });
});

describe('scheduled functions', () => {
  it('are not retried by Lambda, send a failed run to a dead-letter queue, and an alarm watches its depth', () => {
    const { reconciler, webhookDispatcher, rebalancer } = synthesized.stack.background;
    const queueId = logicalId(synthesized.stack.background.failedRuns);
    expect(resources[queueId]?.Type).toBe('AWS::SQS::Queue');
    const configs = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventInvokeConfig');
    for (const fn of [reconciler, webhookDispatcher, rebalancer]) {
      const config = configs.find((c) => c.Properties?.FunctionName && JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: logicalId(fn.handler) }));
      expect(config?.Properties, fn.node.id).toMatchObject({
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
    }
    const alarm = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Alarm' && String(r.Properties?.AlarmName).endsWith('-ScheduledRunsFailed'));
    expect(JSON.stringify(alarm?.Properties)).toContain('ApproximateNumberOfMessagesVisible');
    expect(JSON.stringify(alarm?.Properties)).toContain(`{"Fn::GetAtt":["${queueId}","QueueName"]}`);
  });
});

describe('versions', () => {
  it('publishes a version per revision behind the alias "live", keeps old versions for running executions, and starts executions only through the alias', () => {
    const workflow = synthesized.stack.orderStateMachine;
    const stateMachineId = logicalId(workflow.stateMachine);
    const versionId = synthesized.stack.getLogicalId(workflow.version);
    const aliasId = synthesized.stack.getLogicalId(workflow.alias);
    const version = template.toJSON().Resources[versionId];
    expect(version.Type).toBe('AWS::StepFunctions::StateMachineVersion');
    expect(version.UpdateReplacePolicy).toBe('Retain');
    expect(version.Properties).toMatchObject({ StateMachineArn: { Ref: stateMachineId }, StateMachineRevisionId: { 'Fn::GetAtt': [stateMachineId, 'StateMachineRevisionId'] } });
    expect(resources[aliasId]?.Properties).toMatchObject({ Name: 'live', RoutingConfiguration: [{ StateMachineVersionArn: { 'Fn::GetAtt': [versionId, 'Arn'] }, Weight: 100 }] });

    const { api, background } = synthesized.stack;
    for (const fn of [api.handler, background.reconciler, background.rebalancer]) {
      const props = resources[logicalId(fn.handler)]?.Properties as { Environment: { Variables: Record<string, unknown> } };
      expect(props.Environment.Variables.STATE_MACHINE_ARN, fn.node.id).toEqual({ 'Fn::GetAtt': [aliasId, 'Arn'] });
    }
    const starts = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement)
      .filter((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(starts).toHaveLength(3);
    for (const statement of starts) expect(statement.Resource).toEqual({ 'Fn::GetAtt': [aliasId, 'Arn'] });
  });
});

describe('a quiet, clean synthesis in tests, and a summary in `npm run synth`', () => {
  it("keeps what CDK prints during a test's synthesis instead of showing it", () => {
    const loud = synth({ bundle: false, context: { rebalanceSchedule: 'rate(5 minutes)' } });
    // The validation report of the stack's own warning: kept, not printed.
    expect(loud.output).toContain('rebalanceSchedule "rate(5 minutes)" is shorter than a run may take');
  });

  it('puts every synthesized assembly in the test run\'s own temporary directory, which goes when the run ends', () => {
    expect(basename(dirname(synthesized.outdir))).toMatch(new RegExp(`^${RUN_TMP_PREFIX}`));
    expect(tmpdir()).toContain(RUN_TMP_PREFIX);
  });

  it('says that cdk-nag ran and how many findings are explained', () => {
    const summary = nagSummary(synthesized.app);
    expect(summary).toMatch(/^cdk-nag AwsSolutions checks passed: no unexplained finding; \d+ findings are acknowledged with a reason/);
    expect(Number(/; (\d+) findings/.exec(summary)?.[1])).toBeGreaterThan(10);
  });
});
