/**
 * Grants that no resource construct owns.
 */
import { ArnFormat, type CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { explain, nagAttributeName } from './nag.js';
import type { NodeFunction } from './node-function.js';
import type { OrderStateMachine } from './state-machine.js';

/** How cdk-nag writes a part of an ARN: the pseudo parameter (`<AWS::Region>`) in an environment-agnostic stack, the value in one with an explicit account and region. */
function nagValue(value: string, pseudoParameter: string): string {
  return Token.isUnresolved(value) ? `<${pseudoParameter}>` : value;
}

/** The Step Functions actions that end a task-token wait. */
export const TASK_RESPONSE_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure'] as const;

/**
 * Lets `fn` end task-token waits (a regulatory line resumed, rejected, expired or cancelled).
 * These actions have no resource type in the Service Authorization Reference: a statement naming
 * the state machine may not match, so the grant is on "*". What limits it is the token, an opaque
 * capability only the waiting execution hands out (stored on the line in DynamoDB).
 */
export function grantTaskResponse(fn: NodeFunction): void {
  fn.handler.addToRolePolicy(new iam.PolicyStatement({ actions: [...TASK_RESPONSE_ACTIONS], resources: ['*'] }));
  explain(
    fn.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Active X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and ending task-token waits (states:SendTaskSuccess, states:SendTaskFailure): none of these actions has a resource type, so Resource "*" is the only form; a task token is the capability that limits the latter (test/infra asserts that nothing else in these roles uses "*").',
  );
}

/**
 * Lets `fn` start orders' executions through the workflow's alias: the alias ARN as
 * `STATE_MACHINE_ARN` and states:StartExecution on that alias only — not the unqualified state
 * machine, whose latest revision a deploy changes (`functions/lib/orders/submit.ts`: the orders
 * API and pool rebalancing place orders, the reconciler starts those left unstarted).
 */
export function connectOrderWorkflow(fn: NodeFunction, workflow: OrderStateMachine): void {
  fn.handler.addEnvironment('STATE_MACHINE_ARN', workflow.alias.attrArn);
  fn.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [workflow.alias.attrArn] }));
}

/**
 * Lets `fn` read the state of the orders' executions (states:DescribeExecution on this state
 * machine's executions only): the reconciler finds orders whose execution is no longer running
 * (`functions/lib/orders/recovery.ts`). An execution's ARN ends with its name (one per order), so
 * the resource is this state machine's executions with a wildcard name.
 */
export function grantDescribeExecutions(fn: NodeFunction, stateMachine: sfn.StateMachine): void {
  allowOnExecutions(fn, stateMachine, 'states:DescribeExecution', "states:DescribeExecution on the order state machine's executions: one per order, named after it, so the execution name is a wildcard.");
}

/**
 * Lets `fn` read the orders' execution histories (states:GetExecutionHistory on this state
 * machine's executions only): the orders API shapes an order's timeline from it
 * (`functions/lib/orders/timeline.ts`).
 */
export function grantExecutionHistory(fn: NodeFunction, stateMachine: sfn.StateMachine): void {
  allowOnExecutions(fn, stateMachine, 'states:GetExecutionHistory', "states:GetExecutionHistory on the order state machine's executions (an order's timeline): one per order, named after it, so the execution name is a wildcard.");
}

function allowOnExecutions(fn: NodeFunction, stateMachine: sfn.StateMachine, action: string, reason: string): void {
  const stack = Stack.of(fn);
  fn.handler.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [action],
      resources: [stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }),
  );
  const name = nagAttributeName(stateMachine.node.defaultChild as CfnResource, 'Name');
  explain(fn.role, `AwsSolutions-IAM5[Resource::arn:${nagValue(stack.partition, 'AWS::Partition')}:states:${nagValue(stack.region, 'AWS::Region')}:${nagValue(stack.account, 'AWS::AccountId')}:execution:${name}:*]`, reason);
}
