/**
 * Public types of the local Step Functions endpoint, shared by its modules.
 */
import type { Context } from 'aws-lambda';

/**
 * The context object a local handler receives. It is the full `aws-lambda` `Context`, so a middy
 * handler typed for Lambda takes it unchanged; `getRemainingTimeInMillis()` counts down from the
 * calling Task's `TimeoutSeconds` (at most Lambda's 900 s).
 */
export type LocalLambdaContext = Context;

/** An in-process stand-in for a Lambda function: the handler itself, called with a JSON copy of the event. */
export type LocalLambdaHandler = (event: unknown, context: LocalLambdaContext) => Promise<unknown>;

/** One state machine to serve. */
export interface LocalStateMachine {
  /** State machine name, the last part of its ARN (1-80 characters). */
  name: string;
  /** The ASL JSON text with every `${…}` substitution already applied (see `substituteDefinition`). */
  definition: string;
  /**
   * Role ARN reported by `DescribeStateMachine` and in `ExecutionStarted`; nothing checks it locally.
   * @default 'arn:aws:iam::{accountId}:role/{name}-role'
   */
  roleArn?: string;
}

/**
 * Where the endpoint writes what it does. Console and Powertools' `Logger` both fit.
 */
export interface LocalStepFunctionsLogger {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

/** Options of {@link startLocalStepFunctions}. */
export interface LocalStepFunctionsOptions {
  /**
   * TCP port to listen on; 0 picks a free one (read it back from `port` or `endpoint`).
   * @default 4020
   */
  port?: number;
  /**
   * Address to listen on. Keep it on loopback: the endpoint checks no credentials.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Region in every ARN the endpoint hands out.
   * @default 'us-east-1'
   */
  region?: string;
  /**
   * Account id in every ARN the endpoint hands out.
   * @default '000000000000'
   */
  accountId?: string;
  /** The state machines to serve, each validated once here. */
  stateMachines: readonly LocalStateMachine[];
  /**
   * In-process handlers by Lambda function ARN, as the ARN appears in the ASL after substitution,
   * e.g. `arn:aws:lambda:us-east-1:000000000000:function:number-orders-rent` (see
   * `lambdaFunctionArn`). A Task may name the function by ARN, partial ARN or name, with or without
   * a qualifier: all resolve to the unqualified ARN.
   */
  lambdaHandlers: Readonly<Record<string, LocalLambdaHandler>>;
  /**
   * Where to log registrations, executions and handler failures.
   * @default a logger that writes nothing
   */
  logger?: LocalStepFunctionsLogger;
  /**
   * Local only, for tests and demos: pause this many milliseconds before every `Retry` attempt
   * instead of what `IntervalSeconds`, `BackoffRate` and `MaxDelaySeconds` say (`MaxAttempts` still counts).
   * @default undefined (pause as the ASL says)
   */
  retryPauseMs?: number;
  /**
   * Local only, for tests and demos: make every `Wait` state wait this many milliseconds.
   * @default undefined (wait as the ASL says)
   */
  waitStateMs?: number;
  /**
   * The clock of task-token deadlines (`HeartbeatSeconds`, and closing a token at its task's
   * `TimeoutSeconds`). Tests pass a manual one to move time instead of waiting for it.
   * @default real timers (`setTimeout`, not keeping the process alive)
   */
  timers?: LocalTimers;
  /**
   * Keep the executions' records (ARN, name, input, status, dates, output or error) in this file, and
   * answer for the ones it holds after a restart; an execution that was running when the endpoint
   * died is FAILED with `Local.EndpointLost` (see journal.ts). @default none: in memory
   */
  journalFile?: string;
}

/** Schedules a callback; what the task-token registry needs of a clock. */
export interface LocalTimers {
  /** Run `callback` once `ms` milliseconds have passed; the returned function cancels it. */
  after(ms: number, callback: () => void): () => void;
}

/** Execution status as `DescribeExecution` reports it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/**
 * What one execution cost, for benchmarks. Every number is counted from the execution's history,
 * so it agrees with `GetExecutionHistory`.
 */
export interface ExecutionStats {
  executionArn: string;
  status: ExecutionStatus;
  /** State transitions: the number of `…StateEntered` events (what Standard Workflows bill). */
  transitions: number;
  /** Handler invocations by function name: the `LambdaFunctionStarted` and `TaskStarted` events (a Retry attempt is one more). */
  lambdaInvocations: Record<string, number>;
  /** Sum of `lambdaInvocations`. */
  totalLambdaInvocations: number;
  /** Largest state input or output, and execution input or output, in UTF-8 bytes (the service's quota is 262,144). */
  maxPayloadBytes: number;
  /** Events in the history. */
  historyEvents: number;
  /** Milliseconds from start to stop, or to now while running. */
  durationMs: number;
}
