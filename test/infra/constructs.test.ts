/**
 * The stack's pieces on their own: the extension points (schedules, alarms) in small stacks, the
 * checks the stack makes at synth, the store's permissions against the store's code, and the stack
 * with non-default settings (synthesized without bundling: nothing here looks at bundles).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationsAlarms } from '../../infra/stack/alarms.js';
import { integerAtLeastPattern } from '../../infra/stack/api-firewall.js';
import { functionDirectory } from '../../infra/stack/functions.js';
import { Schedules } from '../../infra/stack/schedules.js';
import { substitutionNames, taskTimeoutProblems } from '../../infra/stack/state-machine.js';
import { STORE_DATA_ACTIONS } from '../../infra/stack/table.js';
import { ORDER_FUNCTIONS } from '../../infra/local/stack.js';
import { referencedId, statementsOfRole, synth } from './support.js';

function smallStack(): { app: App; stack: Stack } {
  const app = new App();
  return { app, stack: new Stack(app, 'Small') };
}

function nagViolations(app: App): string[] {
  return new AwsSolutionsChecks().validateScope(app).violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('Schedules (the slot for the reconciler and pool rebalancing)', () => {
  it('creates nothing without invocations', () => {
    const { stack } = smallStack();
    const schedules = new Schedules(stack, 'Schedules');
    expect(schedules.schedules).toEqual([]);
    expect(schedules.node.children).toEqual([]);
  });

  it('invokes a function on its expression, with a role that may invoke only that function, cdk-nag clean', () => {
    const { app, stack } = smallStack();
    // A stand-in for the reconciler that issue 6 deploys; only its ARN matters here.
    const target = new lambda.Function(stack, 'Reconciler', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => ({});'),
    });
    new Schedules(stack, 'Schedules', {
      invocations: [{ id: 'Reconcile', description: 'claim numbers of pending orders', expression: 'rate(15 minutes)', target, input: { source: 'schedule' } }],
    });
    const template = Template.fromStack(stack);
    const functionId = stack.getLogicalId(target.node.defaultChild as lambda.CfnFunction);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, Input: JSON.stringify({ source: 'schedule' }), RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 } },
    });
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
    const roleId = referencedId(schedule?.Properties.Target.RoleArn) as string;
    const statements = statementsOfRole(template, roleId);
    expect(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))).toEqual(['lambda:InvokeFunction']);
    // Reconcile's own function only (the target construct's grant adds its versions, ":*").
    expect(JSON.stringify(statements)).not.toMatch(/"Resource":"\*"/);
    // cdk-nag flags the stand-in function itself (a test fixture); the schedule and its role are clean.
    expect(nagViolations(app).filter((v) => !v.includes('/Reconciler/'))).toEqual([]);
  });
});

describe('OperationsAlarms (alarms take metrics; issue 6 adds webhook and orphan alarms)', () => {
  it('notifies the topic on alarm and back to OK, and subscribes the given email', () => {
    const { app, stack } = smallStack();
    const alarms = new OperationsAlarms(stack, 'Alarms', { namePrefix: 'x', email: 'ops@example.com' });
    alarms.addAlarm({ id: 'WebhookDeliveriesFailing', description: 'deliveries failing', metric: new cloudwatch.Metric({ namespace: 'N', metricName: 'M' }), threshold: 3 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'x-WebhookDeliveriesFailing',
      Threshold: 3,
      AlarmActions: [Match.objectLike({ Ref: Match.anyValue() })],
      OKActions: [Match.objectLike({ Ref: Match.anyValue() })],
    });
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('integerAtLeastPattern (the WAF body size rule)', () => {
  it('matches exactly the integers at or above the bound', () => {
    for (const min of [1, 9, 10, 99, 100, 262145, 500000, 1999]) {
      const pattern = new RegExp(integerAtLeastPattern(min));
      for (let n = Math.max(0, min - 1100); n < min + 1100; n++) expect(pattern.test(String(n)), `${n} vs ${min}`).toBe(n >= min);
      for (const n of [min * 10, min * 1000 + 7, Number.MAX_SAFE_INTEGER]) expect(pattern.test(String(n)), `${n} vs ${min}`).toBe(true);
      expect(pattern.test(`000${min}`)).toBe(true);
      expect(pattern.test(`${min}x`)).toBe(false);
      expect(pattern.test('')).toBe(false);
    }
  });

  it('stays within what WAF accepts (no lookaround, ≤ 512 characters)', () => {
    const pattern = integerAtLeastPattern(262145);
    expect(pattern).not.toMatch(/\(\?/);
    expect(pattern.length).toBeLessThanOrEqual(512);
  });
});

describe('synth-time checks of the ASL', () => {
  it('finds every substitution', () => {
    expect(substitutionNames('{"a":"${One}","b":"${Two}","c":"${One}"}')).toEqual(new Set(['One', 'Two']));
  });

  it('requires every synchronous Lambda task to outlast the function, and ignores task-token waits', () => {
    const asl = JSON.stringify({
      States: {
        Fast: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 300 },
        Fine: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 330 },
        Wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', TimeoutSeconds: 60 },
        Lines: { Type: 'Map', ItemProcessor: { States: { Inner: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke' } } } },
      },
    });
    expect(taskTimeoutProblems(asl, Duration.seconds(300))).toEqual([
      'Task Fast: TimeoutSeconds 300 must be above the Lambda timeout of 300 s',
      'Task Inner: TimeoutSeconds (none: 60 s locally, 99999999 s in AWS) must be above the Lambda timeout of 300 s',
    ]);
  });

  it('maps every workflow function to its handler directory', () => {
    for (const name of Object.values(ORDER_FUNCTIONS)) {
      expect(readdirSync(join('functions', functionDirectory(name)))).toContain('handler.ts');
    }
    expect(() => functionDirectory('other-search')).toThrow(/does not start with number-orders-/);
  });
});

describe('the store permissions', () => {
  it('cover every DynamoDB command functions/lib sends (and nothing the code does not use)', () => {
    const commandActions: Record<string, string[]> = {
      GetCommand: ['dynamodb:GetItem'],
      BatchGetCommand: ['dynamodb:BatchGetItem'],
      QueryCommand: ['dynamodb:Query'],
      ScanCommand: ['dynamodb:Scan'],
      PutCommand: ['dynamodb:PutItem'],
      UpdateCommand: ['dynamodb:UpdateItem'],
      DeleteCommand: ['dynamodb:DeleteItem'],
      BatchWriteCommand: ['dynamodb:BatchWriteItem'],
      TransactGetCommand: ['dynamodb:GetItem'],
      TransactWriteCommand: [],
    };
    const transactItemActions: Record<string, string> = { Put: 'dynamodb:PutItem', Update: 'dynamodb:UpdateItem', Delete: 'dynamodb:DeleteItem', ConditionCheck: 'dynamodb:ConditionCheckItem' };
    const files = (readdirSync('functions', { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join('functions', f));
    const needed = new Set<string>();
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      if (!/@aws-sdk\/(lib-dynamodb|client-dynamodb)/.test(source)) continue;
      for (const [, command] of source.matchAll(/new (\w+Command)\(/g)) {
        const actions = commandActions[command as string];
        if (actions === undefined) continue; // not a DynamoDB command (Step Functions, …)
        for (const action of actions) needed.add(action);
      }
      if (source.includes('TransactWriteCommand')) {
        for (const [, kind] of source.matchAll(/\b(Put|Update|Delete|ConditionCheck): \{/g)) needed.add(transactItemActions[kind as string] as string);
      }
    }
    expect([...needed].sort()).toEqual([...STORE_DATA_ACTIONS].sort());
  });
});

describe('the stack with other settings', () => {
  let template: Template;
  let app: App;
  beforeAll(() => {
    ({ template, app } = synth({
    bundle: false,
    context: {
      stage: 'dev',
      plivoCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:plivo/number-orders-AbC123',
      workerReservedConcurrency: 'off',
      tableDeletionProtection: 'false',
      alarmEmail: 'ops@example.com',
      plivoBaseUrl: 'https://plivo-sandbox.example.com',
      plivoRateLimit: '100/5s',
      logRetentionDays: '7',
      // Saves the built-in CloudFormation validation's few seconds; stack.test.ts runs it.
      '@aws-cdk/core:validateAgainstDefaultRules': false,
    },
    }));
  }, 60_000);

  it('uses an existing secret by its ARN and creates none', () => {
    // The webhook signing secret is still created (no webhookSecretArn given).
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:plivo/number-orders-AbC123';
    const workers = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.Environment.Variables.PLIVO_BASE_URL);
    expect(workers.length).toBeGreaterThanOrEqual(Object.keys(ORDER_FUNCTIONS).length);
    for (const fn of workers) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ PLIVO_CREDENTIALS_SECRET_ARN: arn, PLIVO_BASE_URL: 'https://plivo-sandbox.example.com', PLIVO_RATE_LIMIT: '100/5s' });
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: arn }]) },
    });
  });

  it('names the stack, stage and metrics after the stage, and applies the other settings', () => {
    expect(app.node.children.map((child) => child.node.id)).toContain('number-orders-dev');
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'dev' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::Logs::MetricFilter', { MetricTransformations: [Match.objectLike({ MetricNamespace: 'NumberOrders/dev' })] });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('is still cdk-nag clean', () => {
    expect(nagViolations(app)).toEqual([]);
  });
});
