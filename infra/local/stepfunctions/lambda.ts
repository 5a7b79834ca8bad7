/**
 * Calling an in-process handler the way Lambda would: a JSON copy of the event, a Lambda context,
 * a JSON copy of the result, and errors shaped as Step Functions reports Lambda errors.
 */
import { localLambdaContext } from '../lambda-context.js';
import { randomUUID } from 'node:crypto';
import { jsonRoundTrip, type JsonValue } from './json.js';
import type { LocalLambdaContext, LocalLambdaHandler } from './types.js';

/** Lambda's own ceiling on a function's run time. */
const LAMBDA_MAX_TIMEOUT_MS = 900_000;

/**
 * A Lambda function error as Step Functions sees it: `name` is the handler error's `name` (what
 * `Retry`/`Catch` `ErrorEquals` match) and `message` is the `Cause` text AWS puts in the history and
 * in a Catch's `$.Cause`: `{"errorType","errorMessage","trace"}` as JSON.
 */
export class LambdaFunctionError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;

  constructor(errorType: string, errorMessage: string, trace: readonly string[]) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }

  /** Shape whatever a handler threw, as the Node.js Lambda runtime reports it. */
  static fromThrown(thrown: unknown): LambdaFunctionError {
    if (thrown instanceof Error) {
      const errorType = thrown.name.length > 0 ? thrown.name : 'Error';
      const trace = (thrown.stack ?? '').split('\n').filter((line) => line.length > 0);
      return new LambdaFunctionError(errorType, thrown.message, trace);
    }
    return new LambdaFunctionError(typeof thrown, String(thrown), []);
  }
}

/**
 * An error raised by the local endpoint itself (a function with no handler, a stopped execution),
 * with the error name AWS would report.
 */
export class LocalTaskError extends Error {
  /** Read by aws-local-stepfunctions: whether a `Retry` may match this error. */
  readonly isRetryable: boolean;
  /** Read by aws-local-stepfunctions: whether a `Catch` may match this error. */
  readonly isCatchable: boolean;

  constructor(name: string, message: string, options: { retryable: boolean; catchable: boolean }) {
    super(message);
    this.name = name;
    this.isRetryable = options.retryable;
    this.isCatchable = options.catchable;
  }
}

export interface LambdaInvocation {
  functionArn: string;
  functionName: string;
  /** What the function receives (copied again before the call). */
  event: JsonValue;
  /** The calling Task's timeout; `getRemainingTimeInMillis()` counts down from it. */
  timeoutMs: number;
}

/** Build the Lambda context for one invocation. */
export function lambdaContext(invocation: LambdaInvocation, startedAt: number, requestId: string): LocalLambdaContext {
  return localLambdaContext({
    functionName: invocation.functionName,
    functionArn: invocation.functionArn,
    requestId,
    deadline: startedAt + Math.min(invocation.timeoutMs, LAMBDA_MAX_TIMEOUT_MS),
    memoryLimitInMB: '128',
  });
}

export interface LambdaResult {
  requestId: string;
  payload: JsonValue;
}

/**
 * Run a handler as Lambda would. Rejects with {@link LambdaFunctionError} when the handler throws
 * or returns something JSON cannot carry.
 */
export async function invokeHandler(handler: LocalLambdaHandler, invocation: LambdaInvocation): Promise<LambdaResult> {
  const requestId = randomUUID();
  const context = lambdaContext(invocation, Date.now(), requestId);
  let returned: unknown;
  try {
    returned = await handler(jsonRoundTrip(invocation.event), context);
  } catch (thrown) {
    throw LambdaFunctionError.fromThrown(thrown);
  }
  try {
    return { requestId, payload: jsonRoundTrip(returned) };
  } catch (thrown) {
    // Lambda's runtime fails the invocation the same way when the result cannot be serialized.
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw new LambdaFunctionError('Runtime.MarshalError', `Unable to marshal response: ${message}`, []);
  }
}

/**
 * The result of the `arn:aws:states:::lambda:invoke` integration: Lambda's Invoke response with
 * the function's result under `Payload`, as the service returns it.
 */
export function lambdaInvokeResponse(result: LambdaResult): JsonValue {
  return {
    ExecutedVersion: '$LATEST',
    Payload: result.payload,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'Content-Type': ['application/json'],
        'X-Amz-Executed-Version': ['$LATEST'],
        'x-amzn-RequestId': [result.requestId],
      },
      HttpHeaders: {
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-RequestId': result.requestId,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: result.requestId },
    StatusCode: 200,
  };
}
