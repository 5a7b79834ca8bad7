/**
 * The Lambda `Context` every local stand-in hands a handler (the Step Functions endpoint, the API
 * gateway, the scheduler loops): one shape, so a middy handler typed for Lambda takes it unchanged.
 * `getRemainingTimeInMillis()` counts down to `deadline`.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LocalContextOptions {
  functionName: string;
  /** @default `arn:aws:lambda:us-east-1:000000000000:function:{functionName}` */
  functionArn?: string;
  /** @default a new UUID */
  requestId?: string;
  /** Epoch ms at which the invocation would time out. */
  deadline: number;
  /** @default "1024" */
  memoryLimitInMB?: string;
}

export function localLambdaContext(options: LocalContextOptions): Context {
  const requestId = options.requestId ?? randomUUID();
  const legacyCallback = (): never => {
    throw new Error('context.done/succeed/fail are not supported locally: return or throw from the async handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: options.functionArn ?? `arn:aws:lambda:us-east-1:000000000000:function:${options.functionName}`,
    memoryLimitInMB: options.memoryLimitInMB ?? '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, options.deadline - Date.now()),
    done: legacyCallback,
    fail: legacyCallback,
    succeed: legacyCallback,
  };
}
