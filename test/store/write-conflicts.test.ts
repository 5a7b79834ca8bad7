/** Which DynamoDB errors are conflicts (retried) and which are condition failures (answers, never retried). */
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isConditionFailure, isRetryableConflict } from '../../functions/lib/store/write-conflicts.js';

const meta = { $metadata: { httpStatusCode: 400 } };
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ ...meta, message: `Transaction cancelled [${codes.join(', ')}]`, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('conflicts and condition failures', () => {
  it.each([
    ['a conflict on one item', cancelled('None', 'TransactionConflict', 'None'), true, false],
    ['throttling reasons inside a transaction', cancelled('ThrottlingError', 'None'), true, false],
    ['provisioned throughput reasons inside a transaction', cancelled('ProvisionedThroughputExceeded'), true, false],
    ['a condition failure', cancelled('ConditionalCheckFailed', 'None'), false, true],
    ['a condition failure beside a conflict', cancelled('ConditionalCheckFailed', 'TransactionConflict'), false, true],
    ['a validation error', cancelled('ValidationError', 'None'), false, false],
    ['no reasons at all', cancelled(), false, false],
    ['a single write meeting a transaction', new TransactionConflictException({ ...meta, message: 'Transaction is ongoing for the item' }), true, false],
    ['a single conditional write', new ConditionalCheckFailedException({ ...meta, message: 'The conditional request failed' }), false, true],
    ['a throttle (the SDK retries it)', new ProvisionedThroughputExceededException({ ...meta, message: 'throttled' }), false, false],
    ['anything else', new Error('boom'), false, false],
  ])('%s: retried %s, condition failure %s', (_, error, retried, condition) => {
    expect(isRetryableConflict(error)).toBe(retried);
    expect(isConditionFailure(error)).toBe(condition);
  });
});
