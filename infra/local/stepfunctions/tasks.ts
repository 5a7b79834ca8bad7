/**
 * The local stand-in for every Task state: aws-local-stepfunctions calls these overrides (keyed by
 * state name) with the Task's effective input, after InputPath and Parameters, instead of calling
 * AWS Lambda. The library has no notion of the `lambda:invoke` integration (it would invoke a
 * function named `arn:aws:states:::lambda:invoke`) nor of task tokens, so all three Task styles
 * run here.
 */
import type { RunOptions } from 'aws-local-stepfunctions';
import { LONGEST_TIMEOUT_SECONDS, type TaskBinding } from './definition.js';
import type { ExecutionHistory } from './history.js';
import type { TaskAttempt } from './task-attempts.js';
import { isJsonObject, type JsonValue } from './json.js';
import { invokeHandler, lambdaInvokeResponse, LambdaFunctionError, LocalTaskError } from './lambda.js';
import type { TaskTokenRegistry } from './task-tokens.js';
import type { LocalLambdaHandler, LocalStepFunctionsLogger } from './types.js';

export type TaskOverrides = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/** The library's default when a Task has no `TimeoutSeconds`. */
const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

export interface ResolvedFunction {
  arn: string;
  functionName: string;
  handler: LocalLambdaHandler;
}

export interface TaskRunContext {
  executionArn: string;
  region: string;
  history: ExecutionHistory;
  tokens: TaskTokenRegistry;
  /** What `$$.Task.Token` resolves to in the Context Object; replaced by a fresh token per invocation. */
  tokenPlaceholder: string;
  resolveFunction(reference: string): ResolvedFunction | undefined;
  /** Whether the execution has been stopped or has ended: nothing new may start. */
  isClosed(): boolean;
  logger: LocalStepFunctionsLogger;
}

/** One override per Task state of the machine, bound to one execution. */
export function taskOverrides(bindings: readonly TaskBinding[], context: TaskRunContext): TaskOverrides {
  const overrides: TaskOverrides = {};
  for (const binding of bindings) {
    overrides[binding.stateName] = (input) => {
      const run = runTask(binding, input as JsonValue, context);
      // The interpreter may give up on a Task before awaiting it (a failed TimeoutSecondsPath, an
      // ended iteration): mark the rejection handled so it cannot crash the process.
      run.catch(() => undefined);
      return run;
    };
  }
  return overrides;
}

interface PreparedCall {
  functionReference: string;
  event: JsonValue;
  parametersJson: string;
  token: string | undefined;
  tokenResult: Promise<JsonValue> | undefined;
}

async function runTask(binding: TaskBinding, input: JsonValue, context: TaskRunContext): Promise<JsonValue> {
  // Everything up to the first await runs synchronously after the interpreter dispatched this
  // state's StateEntered/StateRetried: the attempt must be queued now for the history to pair it.
  const defaultTimeout = binding.kind === 'lambda-invoke-callback' ? LONGEST_TIMEOUT_SECONDS : DEFAULT_TASK_TIMEOUT_SECONDS;
  // Node timers cannot wait longer than LONGEST_TIMEOUT_SECONDS: a longer TimeoutSeconds is clamped.
  const timeoutMs = Math.min(binding.timeoutSeconds ?? defaultTimeout, LONGEST_TIMEOUT_SECONDS) * 1000;
  const call = prepareCall(binding, input, context, timeoutMs);
  const resolved = context.resolveFunction(call.functionReference);
  const attempt = context.history.createAttempt({
    binding,
    inputRef: input,
    functionArn: resolved?.arn ?? call.functionReference,
    functionName: resolved?.functionName ?? call.functionReference,
    parametersJson: call.parametersJson,
    region: context.region,
  });
  attempt.token = call.token;

  // One macrotask: the interpreter's log is read in microtasks, so by now the history has seen
  // this state's event and knows whether it belongs to an iteration AWS would not have started.
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (attempt.blocked || context.isClosed()) {
    const cancelled = new LocalTaskError('States.Runtime', `Task "${binding.stateName}" not started: its execution or Map iteration has ended`, {
      retryable: false,
      catchable: false,
    });
    if (call.token !== undefined) context.tokens.abandon(call.token, cancelled);
    throw cancelled;
  }
  if (resolved === undefined) {
    const missing = new LocalTaskError('Lambda.ResourceNotFoundException', `Function not found: ${call.functionReference} (no local handler)`, {
      retryable: true,
      catchable: true,
    });
    attempt.failed(missing.name, missing.message);
    if (call.token !== undefined) context.tokens.abandon(call.token, missing);
    throw missing;
  }

  attempt.started();
  const invocation = { functionArn: resolved.arn, functionName: resolved.functionName, event: call.event, timeoutMs };
  if (call.tokenResult === undefined || call.token === undefined) {
    try {
      const result = await invokeHandler(resolved.handler, invocation);
      const output = binding.kind === 'lambda-function' ? result.payload : lambdaInvokeResponse(result);
      attempt.succeeded(output);
      return output;
    } catch (error) {
      recordFailure(attempt, error, binding, context);
      throw error;
    }
  }

  const token = call.token;
  const tokenResult = call.tokenResult;
  const submitted = invokeHandler(resolved.handler, invocation).then(
    (result) => attempt.submitted(lambdaInvokeResponse(result)),
    (error: unknown) => {
      // The function failed: no one will send the token, the task fails with the function's error.
      context.tokens.abandon(token, error instanceof Error ? error : new Error(String(error)));
    },
  );
  try {
    // An answer may come before the function returns (the function itself may send it).
    const output = await Promise.race([tokenResult, submitted.then(() => tokenResult)]);
    attempt.succeeded(output);
    return output;
  } catch (error) {
    recordFailure(attempt, error, binding, context);
    throw error;
  }
}

function prepareCall(binding: TaskBinding, input: JsonValue, context: TaskRunContext, timeoutMs: number): PreparedCall {
  if (binding.kind === 'lambda-function') {
    return {
      functionReference: binding.staticFunction ?? binding.resource,
      event: input,
      parametersJson: JSON.stringify(input),
      token: undefined,
      tokenResult: undefined,
    };
  }
  // lambda:invoke: the effective input is the resolved Parameters.
  const parameters = isJsonObject(input) ? input : {};
  const functionName = parameters['FunctionName'];
  const functionReference = typeof functionName === 'string' ? functionName : String(functionName);
  const payload = parameters['Payload'] ?? {};
  if (binding.kind === 'lambda-invoke') {
    return { functionReference, event: payload, parametersJson: JSON.stringify(parameters), token: undefined, tokenResult: undefined };
  }
  const issued = context.tokens.issue({
    executionArn: context.executionArn,
    stateName: binding.stateName,
    timeoutMs,
    heartbeatSeconds: binding.heartbeatSeconds,
  });
  const withToken = replaceText(parameters, context.tokenPlaceholder, issued.token);
  const event = isJsonObject(withToken) ? (withToken['Payload'] ?? {}) : {};
  return { functionReference, event, parametersJson: JSON.stringify(withToken), token: issued.token, tokenResult: issued.result };
}

function recordFailure(attempt: TaskAttempt, error: unknown, binding: TaskBinding, context: TaskRunContext): void {
  if (!(error instanceof Error)) return;
  if (error instanceof LocalTaskError && !error.isCatchable) return;
  if (error.name === 'States.HeartbeatTimeout') {
    attempt.timedOut(error.name, error.message);
    return;
  }
  attempt.failed(error.name, error.message);
  if (error instanceof LambdaFunctionError) {
    context.logger.debug(`Task "${binding.stateName}" failed with ${error.errorType}: ${error.errorMessage}`, {
      executionArn: context.executionArn,
    });
  }
}

/** Replace `from` with `to` in every string of a JSON value (the token may sit inside a States.Format). */
function replaceText(value: JsonValue, from: string, to: string): JsonValue {
  if (typeof value === 'string') return value.includes(from) ? value.replaceAll(from, to) : value;
  if (Array.isArray(value)) return value.map((item) => replaceText(item, from, to));
  if (isJsonObject(value)) {
    const copy: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) copy[key] = replaceText(item, from, to);
    return copy;
  }
  return value;
}
