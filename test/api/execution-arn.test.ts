/** An order's execution ARN from the ARN executions are started with: unqualified, or the alias the stack deploys. */
import { describe, expect, it } from 'vitest';
import { executionArnFor } from '../../functions/lib/orders/submit.js';

describe('executionArnFor', () => {
  it('names the execution under the state machine, whether started through the state machine, an alias or a version', () => {
    const expected = 'arn:aws-cn:states:cn-north-1:123456789012:execution:number-orders-order:o-1';
    expect(executionArnFor('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:number-orders-order', 'o-1')).toBe(expected);
    expect(executionArnFor('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:number-orders-order:live', 'o-1')).toBe(expected);
    expect(executionArnFor('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:number-orders-order:12', 'o-1')).toBe(expected);
  });
});
