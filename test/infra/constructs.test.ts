/**
 * The stack's pieces on their own: the extension points (schedules, alarms) in small stacks, the
 * checks the stack makes at synth, the store's permissions against the store's code, and the stack
 * with non-default settings (synthesized without bundling: nothing here looks at bundles).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationsAlarms, sumOf } from '../../infra/stack/alarms.js';
import { integerAtLeastPattern } from '../../infra/stack/api-firewall.js';
import { DEFAULT_REBALANCE_WINDOW_SECONDS, rebalanceWindowSeconds } from '../../infra/stack/background.js';
import { functionDirectory } from '../../infra/stack/functions.js';
import { rateSeconds, Schedules } from '../../infra/stack/schedules.js';
import { substitutionNames, taskTimeoutProblems } from '../../infra/stack/state-machine.js';
import { DELETE_DATA_ACTIONS, STORE_DATA_ACTIONS } from '../../infra/stack/table.js';
import { ORDER_FUNCTIONS } from '../../statemachines/order-functions.js';
import { quietly, referencedId, statementsOfRole, synth, type Synthesized } from './support.js';

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
    // A stand-in for the reconciler; only its ARN matters here.
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
    // The file's first synth and cdk-nag pass load most of aws-cdk-lib: 8-12 s alone, past 20 s
    // beside the chaos run.
  }, 60_000);
});

describe('rateSeconds and rebalanceWindowSeconds (REBALANCE_WINDOW_SECONDS from the schedule)', () => {
  it.each([
    ['rate(1 minute)', 60],
    ['rate(15 minutes)', 900],
    ['rate(1 hour)', 3600],
    ['rate(6 hours)', 21_600],
    ['rate(1 day)', 86_400],
    ['rate(2 days)', 172_800],
    ['rate( 30  minutes )', 1800],
  ])('%s is %i s', (expression, seconds) => {
    expect(rateSeconds(expression)).toBe(seconds);
    expect(rebalanceWindowSeconds(expression)).toBe(seconds);
  });

  it('has no interval for cron and at expressions: the window is then 3600 s, as when the schedule is off', () => {
    expect(DEFAULT_REBALANCE_WINDOW_SECONDS).toBe(3600);
    for (const expression of ['cron(0 */6 * * ? *)', 'cron(*/10 * * * ? *)', 'at(2030-01-01T00:00:00)']) {
      expect(rateSeconds(expression), expression).toBeUndefined();
      expect(rebalanceWindowSeconds(expression), expression).toBe(3600);
    }
    expect(rebalanceWindowSeconds(undefined)).toBe(3600);
  });
});

describe('OperationsAlarms (alarms take metrics: webhook and orphan alarms included)', () => {
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

describe('sumOf', () => {
  it('adds its metrics with missing values as 0, at most 10', () => {
    const metric = (name: string) => new cloudwatch.Metric({ namespace: 'N', metricName: name });
    expect(sumOf('two', [metric('A'), metric('B')]).expression).toBe('FILL(m0, 0) + FILL(m1, 0)');
    expect(() => sumOf('none', [])).toThrow(/1 to 10 metrics, not 0/);
    expect(() => sumOf('many', Array.from({ length: 11 }, (_, i) => metric(`M${i}`)))).toThrow(/not 11/);
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
        AnyPartition: { Type: 'Task', Resource: 'arn:${Partition}:states:::lambda:invoke', TimeoutSeconds: 200 },
      },
    });
    expect(taskTimeoutProblems(asl, Duration.seconds(300))).toEqual([
      'Task Fast: TimeoutSeconds 300 must be above the Lambda timeout of 300 s',
      'Task Inner: TimeoutSeconds (none: 60 s locally, 99999999 s in AWS) must be above the Lambda timeout of 300 s',
      'Task AnyPartition: TimeoutSeconds 200 must be above the Lambda timeout of 300 s',
    ]);
  });

  it('maps every workflow function to its handler directory', () => {
    for (const { functionName, handler } of Object.values(ORDER_FUNCTIONS)) {
      expect(join('functions', functionDirectory(functionName), 'handler.ts')).toBe(handler);
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
    // Which functions get the deletes is checked against their imports in stack.test.ts.
    expect([...needed].sort()).toEqual([...STORE_DATA_ACTIONS, ...DELETE_DATA_ACTIONS].sort());
  });
});

describe('the stack with other settings', () => {
  let template: Template;
  let app: App;
  let synthesized: Synthesized;
  beforeAll(() => {
    ({ template, app } = synthesized = synth({
    bundle: false,
    context: {
      stage: 'dev',
      plivoCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:plivo/number-orders-AbC123',
      workerReservedConcurrency: 'off',
      tableDeletionProtection: 'false',
      alarmEmail: 'ops@example.com',
      plivoBaseUrl: 'https://plivo-sandbox.example.com',
      plivoRateLimit: '100/5s',
      plivoBackgroundShare: '0.5',
      logRetentionDays: '7',
      rebalanceSchedule: 'off',
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
      expect(fn.Properties.Environment.Variables).toMatchObject({ PLIVO_CREDENTIALS_SECRET_ARN: arn, PLIVO_BASE_URL: 'https://plivo-sandbox.example.com', PLIVO_RATE_LIMIT: '100/5s', PLIVO_BACKGROUND_SHARE: '0.5' });
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arn }]) },
    });
  });

  it('names the stack, stage and metrics after the stage, and applies the other settings', () => {
    expect(app.node.children.map((child) => child.node.id)).toContain('number-orders-dev');
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'dev' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) expect(fn.Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE).toBe('NumberOrders/dev');
    // Every log group, the WAF's included.
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    // The dashboard's share of the rate limit follows plivoRateLimit: 100 per 5 s is 6,000 per 5 minutes.
    expect(JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody)).toContain('100 * FILL(calls, 0) / 6000');
  });

  it('deploys pool rebalancing without a schedule when rebalanceSchedule is off, the window then 3600 s', () => {
    const rebalanceId = synthesized.stack.getLogicalId(synthesized.stack.background.rebalancer.handler.node.defaultChild as lambda.CfnFunction);
    const fn = template.findResources('AWS::Lambda::Function')[rebalanceId]?.Properties;
    expect(fn.Environment.Variables.REBALANCE_WINDOW_SECONDS).toBe('3600');
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((schedule) => schedule.Properties);
    expect(schedules.map((schedule) => schedule.ScheduleExpression).sort()).toEqual(['rate(1 minute)', 'rate(15 minutes)']);
    expect(schedules.map((schedule) => referencedId(schedule.Target.Arn))).not.toContain(rebalanceId);
    expect(JSON.stringify(schedules)).not.toMatch(/rebalance/i);
  });

  it('is still cdk-nag clean', () => {
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('the stack with rebalancing every 5 minutes', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synth({ bundle: false, context: { rebalanceSchedule: 'rate(5 minutes)', '@aws-cdk/core:validateAgainstDefaultRules': false } });
  }, 60_000);

  it('schedules it on that rate, with a 300 s idempotency window', () => {
    const { stack, template } = synthesized;
    const rebalanceId = stack.getLogicalId(stack.background.rebalancer.handler.node.defaultChild as lambda.CfnFunction);
    expect(template.findResources('AWS::Lambda::Function')[rebalanceId]?.Properties.Environment.Variables.REBALANCE_WINDOW_SECONDS).toBe('300');
    // A run on demand (POST /pools/{uuid}/rebalance) shares the schedule's window.
    const apiId = stack.getLogicalId(stack.api.handler.handler.node.defaultChild as lambda.CfnFunction);
    expect(template.findResources('AWS::Lambda::Function')[apiId]?.Properties.Environment.Variables.REBALANCE_WINDOW_SECONDS).toBe('300');
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule')).find((s) => referencedId(s.Properties.Target.Arn) === rebalanceId);
    expect(schedule?.Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', FlexibleTimeWindow: { Mode: 'OFF' } });
  });

  it('warns that runs may overlap (a rate shorter than the function\'s 15 minutes), without failing the synth', () => {
    const { result: annotations } = quietly(() => Annotations.fromStack(synthesized.stack));
    annotations.hasWarning('*', Match.stringLikeRegexp('rebalanceSchedule "rate\\(5 minutes\\)" is shorter than a run may take \\(15 minutes\\)'));
    annotations.hasNoError('*', Match.anyValue());
    expect(nagViolations(synthesized.app)).toEqual([]);
  });
});
