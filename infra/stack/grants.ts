/**
 * Grants that no resource construct owns.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { explain } from './nag.js';
import type { NodeFunction } from './node-function.js';

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
