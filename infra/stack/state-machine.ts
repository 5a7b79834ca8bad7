/**
 * The order state machine: `statemachines/order.asl.json` — the one definition, the file the local
 * stack runs as it is — deployed with `DefinitionBody.fromFile` and a substitution for every
 * function ARN and for the partition. Logging (errors with their data, to a log group), X-Ray, and a role that may invoke exactly those
 * functions and nothing else.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Aws, Fn, RemovalPolicy, Stack, type Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ORDER_ASL_PATH, orderSubstitutions, PARTITION_SUBSTITUTION } from '../../statemachines/order-functions.js';
import { explain } from './nag.js';

/** Every `${Name}` placeholder in an ASL text. */
export function substitutionNames(asl: string): Set<string> {
  return new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] as string));
}

interface AslState {
  Type?: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Parameters?: { FunctionName?: string };
  Iterator?: { States?: Record<string, AslState> };
  ItemProcessor?: { States?: Record<string, AslState> };
  Branches?: { States?: Record<string, AslState> }[];
}

/** The synchronous `lambda:invoke` integration, its partition literal or the `${Partition}` substitution. */
const LAMBDA_INVOKE = /^arn:(aws[a-z-]*|\$\{Partition\}):states:::lambda:invoke$/;

function* tasks(states: Record<string, AslState> | undefined): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(states ?? {})) {
    if (state.Type === 'Task') yield [name, state];
    yield* tasks(state.ItemProcessor?.States ?? state.Iterator?.States);
    for (const branch of state.Branches ?? []) yield* tasks(branch.States);
  }
}

/**
 * Every synchronous Lambda Task must give its function more time than the function's own timeout:
 * when Step Functions times a task out first, it retries while the first invocation still runs —
 * two concurrent invocations of one step. (`.waitForTaskToken` tasks wait for a token, not for the
 * function, and are left alone.) `timeouts` are by substitution name (`RentFunctionArn`); a
 * number applies to every task. Returns the problems, one line each.
 */
export function taskTimeoutProblems(asl: string, timeouts: Duration | Readonly<Record<string, Duration>>): string[] {
  const definition = JSON.parse(asl) as { States?: Record<string, AslState> };
  const problems: string[] = [];
  for (const [name, state] of tasks(definition.States)) {
    if (!LAMBDA_INVOKE.test(state.Resource ?? '')) continue;
    const key = /^\$\{([A-Za-z0-9_]+)\}$/.exec(state.Parameters?.FunctionName ?? '')?.[1];
    const timeout = isDuration(timeouts) ? timeouts : key === undefined ? undefined : timeouts[key];
    if (timeout === undefined) continue;
    if (state.TimeoutSeconds === undefined || state.TimeoutSeconds <= timeout.toSeconds()) {
      problems.push(`Task ${name}: TimeoutSeconds ${state.TimeoutSeconds ?? '(none: 60 s locally, 99999999 s in AWS)'} must be above the Lambda timeout of ${timeout.toSeconds()} s${key ? ` (${key})` : ''}`);
    }
  }
  return problems;
}

function isDuration(value: unknown): value is Duration {
  return typeof (value as Duration).toSeconds === 'function';
}

/** The alias executions are started through (`STATE_MACHINE_ARN`). */
export const ORDER_WORKFLOW_ALIAS = 'live';

/** The unique part of the stack's id (the UUID after its last `/`): new each time the stack is created. */
export function stackInstanceId(scope: Construct): string {
  return Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
}

export interface OrderStateMachineProps {
  /** The function behind every `${…FunctionArn}` of the ASL, by substitution name. */
  functions: Readonly<Record<string, lambda.IFunction>>;
  /** Each function's timeout, by substitution name, checked against the TimeoutSeconds of its Tasks. */
  functionTimeouts: Readonly<Record<string, Duration>>;
  logRetention: logs.RetentionDays;
}

export class OrderStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** The version this deploy published: its definition never changes. */
  readonly version: sfn.CfnStateMachineVersion;
  /**
   * `live`, pointing at `version`: executions are started through it (its ARN is what
   * `STATE_MACHINE_ARN` holds), so each runs — up to a year — on the version it started on, and a
   * deploy changes only what new executions run.
   */
  readonly alias: sfn.CfnStateMachineAlias;

  constructor(scope: Construct, id: string, props: OrderStateMachineProps) {
    super(scope, id);
    const aslPath = fileURLToPath(ORDER_ASL_PATH);
    const asl = readFileSync(aslPath, 'utf8');

    const placeholders = substitutionNames(asl);
    const unbound = [...placeholders].filter((name) => name !== PARTITION_SUBSTITUTION && !(name in props.functions));
    const unused = Object.keys(props.functions).filter((name) => !placeholders.has(name));
    if (unbound.length > 0 || unused.length > 0) {
      throw new Error(
        `statemachines/order.asl.json and the deployed functions disagree: ` +
          [unbound.length ? `no function for ${unbound.map((n) => '${' + n + '}').join(', ')}` : '', unused.length ? `not referenced: ${unused.join(', ')}` : '']
            .filter(Boolean)
            .join('; '),
      );
    }
    const problems = taskTimeoutProblems(asl, props.functionTimeouts);
    if (problems.length > 0) throw new Error(`statemachines/order.asl.json: ${problems.join('; ')}`);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Under /aws/vendedlogs/: Step Functions' log delivery then shares one resource policy
      // instead of growing the account's CloudWatch Logs policy per state machine. Retained, so
      // the name ends with the stack's own id (a new one per create): a stack created again after
      // `cdk destroy` gets a new log group instead of failing on the old one's name.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-order-${stackInstanceId(this)}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'number-orders: one execution per order (execution name = order id)',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(aslPath),
      // The partition too (arn:${Partition}:states:::lambda:invoke): the stack deploys to aws-cn and aws-us-gov as well.
      definitionSubstitutions: orderSubstitutions(Object.fromEntries(Object.entries(props.functions).map(([name, fn]) => [name, fn.functionArn])), Aws.PARTITION),
      // One logging configuration per state machine: a level and whether events carry their data.
      // ERROR with data: failed tasks, executions and Map runs are logged with the input and error
      // an operator needs; the other events (every task scheduled, every wait for a task token,
      // whose parameters hold the token) are not logged at all. The execution history still has
      // every event, for 90 days after the execution ends.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: true },
      tracingEnabled: true,
    });
    const cfnStateMachine = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    // A new revision (a changed definition, substitution or role) replaces this resource, which
    // publishes a new version; the old one is kept (UpdateReplacePolicy Retain) for the executions
    // still running on it. Versions go when the stack is deleted with the state machine.
    this.version = new sfn.CfnStateMachineVersion(this, 'Version', {
      stateMachineArn: this.stateMachine.stateMachineArn,
      stateMachineRevisionId: cfnStateMachine.attrStateMachineRevisionId,
      description: 'number-orders: published by the deploy that created it',
    });
    // (Retained on delete too, as CloudFormation wants both policies: deleting the state machine
    // deletes its versions anyway.)
    this.version.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.alias = new sfn.CfnStateMachineAlias(this, 'Alias', {
      name: ORDER_WORKFLOW_ALIAS,
      description: 'number-orders: the version new orders start on',
      routingConfiguration: [{ stateMachineVersionArn: this.version.attrArn, weight: 100 }],
    });

    // The definition comes from a file, so CDK cannot see the tasks: grant exactly their functions
    // (unqualified ARNs, as the ASL names them — no versions, no aliases, no wildcard).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(props.functions).map((fn) => fn.functionArn),
      }),
    );
    explain(
      this.stateMachine,
      'AwsSolutions-SF1',
      'Level ERROR with execution data instead of ALL: events below ERROR include every task-token wait, whose parameters carry the token (a capability to end the wait); failures are logged with their data, and the execution history keeps every event.',
    );
    explain(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Logging and X-Ray, both required (SF1, SF2): logs:CreateLogDelivery and the other vended-log delivery actions, and xray:PutTraceSegments/GetSamplingRules, accept only Resource "*". Lambda invocation is granted on the exact function ARNs (test/infra checks both).',
    );
  }
}
