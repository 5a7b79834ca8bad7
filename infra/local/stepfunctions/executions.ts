/**
 * State machines and their executions: register (validate once), start, follow, stop, describe.
 * Each execution runs on the state machine's one `aws-local-stepfunctions` instance, with its own
 * Task overrides and Context Object, and its history fed from the interpreter's event log.
 */
import { randomUUID } from 'node:crypto';
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { ExecutionError, ExecutionTimeoutError, type RunOptions } from 'aws-local-stepfunctions';
import { executionArn, parseFunctionReference, stateMachineArn } from './arns.js';
import { compileDefinition, type CompiledDefinition } from './definition.js';
import { SfnApiError } from './errors.js';
import { ExecutionHistory, type HistoryPageOptions } from './history.js';
import { lostExecution, type ExecutionJournal, type JournalExecution } from './journal.js';
import { byteLength, parseJson, type JsonValue } from './json.js';
import { LocalTaskError } from './lambda.js';
import { TaskTokenRegistry } from './task-tokens.js';
import { taskOverrides, type ResolvedFunction } from './tasks.js';
import type { ExecutionStats, ExecutionStatus, LocalLambdaHandler, LocalStateMachine, LocalStepFunctionsLogger, LocalTimers } from './types.js';
import type { WireHistoryEvent } from './wire.js';

/** The service's quota on execution input and on any state's data. */
export const MAX_PAYLOAD_BYTES = 262_144;

export interface EngineOptions {
  region: string;
  accountId: string;
  lambdaHandlers: Readonly<Record<string, LocalLambdaHandler>>;
  logger: LocalStepFunctionsLogger;
  retryPauseMs: number | undefined;
  waitStateMs: number | undefined;
  timers: LocalTimers | undefined;
  /** Where each start and end is kept (see journal.ts). @default none: memory only */
  journal?: ExecutionJournal | undefined;
}

export interface RegisteredStateMachine {
  name: string;
  arn: string;
  roleArn: string;
  definition: string;
  compiled: CompiledDefinition;
  createdAt: number;
}

/** What `DescribeExecution` and `ListExecutions` report. */
export interface ExecutionView {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** Epoch milliseconds. */
  startDate: number;
  stopDate: number | undefined;
  input: string;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
}

interface ExecutionRecord {
  arn: string;
  name: string;
  machine: RegisteredStateMachine;
  input: string;
  /** The input re-serialized, to compare two StartExecution calls regardless of spacing. */
  canonicalInput: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate: number | undefined;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  history: ExecutionHistory;
  abort: (() => void) | undefined;
  done: Promise<void>;
}

type Outcome =
  | { status: 'SUCCEEDED'; output: string }
  | { status: 'FAILED' | 'TIMED_OUT'; error: string; cause: string };

// The service's rule: 1-80 characters, no whitespace, brackets, wildcards, special or control characters.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

export class ExecutionEngine {
  private readonly machines = new Map<string, RegisteredStateMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly handlers = new Map<string, ResolvedFunction>();
  readonly tokens: TaskTokenRegistry;
  // What `$$.Task.Token` resolves to in the Context Object: unguessable, so it cannot collide with data.
  private readonly tokenPlaceholder = `LOCAL_SFN_TASK_TOKEN_${randomUUID()}`;
  private readonly options: EngineOptions;

  constructor(options: EngineOptions) {
    this.options = options;
    this.tokens = new TaskTokenRegistry(options.timers);
    for (const [key, handler] of Object.entries(options.lambdaHandlers)) {
      const reference = parseFunctionReference(key, options);
      if (reference === undefined) throw new Error(`lambdaHandlers: "${key}" is not a Lambda function ARN`);
      if (this.handlers.has(reference.arn)) throw new Error(`lambdaHandlers: two handlers for ${reference.arn}`);
      this.handlers.set(reference.arn, { arn: reference.arn, functionName: reference.functionName, handler });
    }
  }

  register(stateMachine: LocalStateMachine): RegisteredStateMachine {
    const { region, accountId, logger } = this.options;
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(stateMachine.name)) {
      throw new Error(`State machine name "${stateMachine.name}" must be 1-80 of A-Z a-z 0-9 _ -`);
    }
    const arn = stateMachineArn(stateMachine.name, region, accountId);
    if (this.machines.has(arn)) throw new Error(`State machine "${stateMachine.name}" is registered twice`);
    const startedAt = performance.now();
    const compiled = compileDefinition(stateMachine.name, stateMachine.definition, (reference) => this.resolveFunction(reference) !== undefined);
    for (const warning of compiled.warnings) logger.warn(`State machine "${stateMachine.name}": ${warning}`);
    const registered: RegisteredStateMachine = {
      name: stateMachine.name,
      arn,
      roleArn: stateMachine.roleArn ?? `arn:aws:iam::${accountId}:role/${stateMachine.name}-role`,
      definition: stateMachine.definition,
      compiled,
      createdAt: Date.now(),
    };
    this.machines.set(arn, registered);
    logger.info(`State machine "${stateMachine.name}" registered`, {
      stateMachineArn: arn,
      tasks: compiled.tasks.length,
      validationMs: Math.round(performance.now() - startedAt),
    });
    return registered;
  }

  listStateMachines(): RegisteredStateMachine[] {
    return [...this.machines.values()];
  }

  stateMachine(arn: string): RegisteredStateMachine {
    const machine = this.machines.get(arn);
    if (machine !== undefined) return machine;
    if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/.test(arn)) {
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}' is not a state machine ARN`);
    }
    throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  }

  start(request: { stateMachineArn: string; name: string | undefined; input: string | undefined }): { executionArn: string; startDate: number } {
    const machine = this.stateMachine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) {
      throw new SfnApiError('InvalidName', `Invalid Name: '${name}' (1-80 characters, no whitespace, brackets, wildcards or special characters)`);
    }
    const input = request.input ?? '{}';
    if (byteLength(input) > MAX_PAYLOAD_BYTES) {
      throw new SfnApiError('InvalidExecutionInput', `Invalid Execution Input: input is ${byteLength(input)} bytes, above the ${MAX_PAYLOAD_BYTES}-byte quota`);
    }
    const parsed = parseJson(input);
    if (!parsed.ok) throw new SfnApiError('InvalidExecutionInput', `Invalid Execution Input: ${parsed.reason}`);
    const canonicalInput = JSON.stringify(parsed.value);

    const arn = executionArn(machine.name, name, this.options.region, this.options.accountId);
    const existing = this.executions.get(arn);
    if (existing !== undefined) {
      // AWS's idempotency: the same name and input while it runs answers with the running execution.
      if (existing.status === 'RUNNING' && existing.canonicalInput === canonicalInput) {
        return { executionArn: arn, startDate: existing.startDate };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }

    const record: ExecutionRecord = {
      arn,
      name,
      machine,
      input,
      canonicalInput,
      status: 'RUNNING',
      startDate: Date.now(),
      stopDate: undefined,
      output: undefined,
      error: undefined,
      cause: undefined,
      history: new ExecutionHistory(machine.compiled.states, {
        abandonToken: (token) =>
          this.tokens.abandon(token, new LocalTaskError('States.Timeout', 'The task ended while waiting for its token', { retryable: false, catchable: false })),
      }),
      abort: undefined,
      done: Promise.resolve(),
    };
    this.executions.set(arn, record);
    record.history.start(input, machine.roleArn, record.startDate);
    this.options.journal?.started({ executionArn: arn, stateMachineArn: machine.arn, name, input, startDate: record.startDate });
    record.done = this.run(record, parsed.value).catch((error: unknown) => {
      // A fault of the endpoint itself: end the execution rather than leave it RUNNING forever.
      this.options.logger.error('Execution crashed in the local endpoint', { executionArn: arn, error });
      this.settle(record, { status: 'FAILED', error: 'States.Runtime', cause: `Local endpoint failure: ${error instanceof Error ? error.message : String(error)}` });
    });
    return { executionArn: arn, startDate: record.startDate };
  }

  describe(arn: string): ExecutionView {
    return view(this.execution(arn));
  }

  list(request: { stateMachineArn: string; statusFilter: ExecutionStatus | undefined }): ExecutionView[] {
    const machine = this.stateMachine(request.stateMachineArn);
    const matching: ExecutionRecord[] = [];
    for (const record of this.executions.values()) {
      if (record.machine === machine && (request.statusFilter === undefined || record.status === request.statusFilter)) matching.push(record);
    }
    // Newest first, as the service lists them; insertion order breaks ties within a millisecond.
    return matching.reverse().sort((a, b) => b.startDate - a.startDate).map(view);
  }

  /** `StopExecution`: no new state starts; invocations already running finish unrecorded. */
  stop(arn: string, error: string | undefined, cause: string | undefined): { stopDate: number } {
    const record = this.execution(arn);
    if (record.status !== 'RUNNING') return { stopDate: record.stopDate ?? Date.now() };
    const stopDate = Date.now();
    record.status = 'ABORTED';
    record.stopDate = stopDate;
    record.error = error;
    record.cause = cause;
    record.history.finish('ExecutionAborted', { executionAbortedEventDetails: { error, cause } }, stopDate);
    this.journalEnd(record);
    this.tokens.closeExecution(arn, cancelledError('the execution was stopped'));
    record.abort?.();
    this.options.logger.info('Execution stopped', { executionArn: arn });
    return { stopDate };
  }

  history(arn: string, options: HistoryPageOptions): { events: WireHistoryEvent[]; nextToken: string | undefined } {
    return this.execution(arn).history.page(options);
  }

  stats(arn: string): ExecutionStats {
    const record = this.execution(arn);
    return record.history.stats(arn, record.status, (record.stopDate ?? Date.now()) - record.startDate);
  }

  /** Resolves when the execution has ended and its history is complete. */
  async wait(arn: string): Promise<ExecutionView> {
    const record = this.execution(arn);
    await record.done;
    return view(record);
  }

  /** Stop every running execution (the endpoint is shutting down). */
  close(): void {
    for (const record of this.executions.values()) {
      if (record.status === 'RUNNING') this.stop(record.arn, 'Local.Shutdown', 'The local Step Functions endpoint was closed');
    }
  }

  /**
   * The executions a journal kept, after the state machines are registered: each answers
   * DescribeExecution, ListExecutions and a StartExecution of its name as before, with a history of
   * its start and end only. One that was running when the endpoint died has lost where it was: it
   * is FAILED with `Local.EndpointLost`, as a fault ended it and nobody asked it to stop (ABORTED is
   * a StopExecution's); whoever started it sees it dead, as after a lost host (the reconciler
   * recovers its order). Returns the ARNs of those.
   */
  restore(executions: readonly JournalExecution[]): string[] {
    const lost: string[] = [];
    for (const { start, end } of executions) {
      const machine = this.machines.get(start.stateMachineArn);
      if (machine === undefined) {
        this.options.logger.warn('Journal: an execution of a state machine no longer served is skipped', { executionArn: start.executionArn });
        continue;
      }
      const parsed = parseJson(start.input);
      const record: ExecutionRecord = {
        arn: start.executionArn,
        name: start.name,
        machine,
        input: start.input,
        canonicalInput: parsed.ok ? JSON.stringify(parsed.value) : start.input,
        status: 'RUNNING',
        startDate: start.startDate,
        stopDate: undefined,
        output: undefined,
        error: undefined,
        cause: undefined,
        history: new ExecutionHistory(machine.compiled.states, { abandonToken: () => undefined }),
        abort: undefined,
        done: Promise.resolve(),
      };
      record.history.start(start.input, machine.roleArn, start.startDate);
      this.executions.set(record.arn, record);
      if (end === undefined) {
        lost.push(record.arn);
        this.settle(record, { status: lostExecution.status, error: lostExecution.error, cause: lostExecution.cause });
        continue;
      }
      record.status = end.status;
      record.stopDate = end.stopDate;
      record.output = end.output;
      record.error = end.error;
      record.cause = end.cause;
      const details = { error: end.error, cause: end.cause };
      if (end.status === 'SUCCEEDED') {
        const output = end.output ?? 'null';
        record.history.finish('ExecutionSucceeded', { executionSucceededEventDetails: { output, outputDetails: { truncated: false } } }, end.stopDate, byteLength(output));
      } else if (end.status === 'ABORTED') record.history.finish('ExecutionAborted', { executionAbortedEventDetails: details }, end.stopDate);
      else if (end.status === 'FAILED') record.history.finish('ExecutionFailed', { executionFailedEventDetails: details }, end.stopDate);
      else record.history.finish('ExecutionTimedOut', { executionTimedOutEventDetails: details }, end.stopDate);
    }
    return lost;
  }

  private journalEnd(record: ExecutionRecord): void {
    if (record.status === 'RUNNING' || record.stopDate === undefined) return;
    this.options.journal?.ended({
      executionArn: record.arn,
      status: record.status,
      stopDate: record.stopDate,
      ...(record.output === undefined ? {} : { output: record.output }),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.cause === undefined ? {} : { cause: record.cause }),
    });
  }

  resolveFunction(reference: string): ResolvedFunction | undefined {
    const parsed = parseFunctionReference(reference, this.options);
    return parsed === undefined ? undefined : this.handlers.get(parsed.arn);
  }

  private execution(arn: string): ExecutionRecord {
    const record = this.executions.get(arn);
    if (record !== undefined) return record;
    if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) {
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}' is not an execution ARN`);
    }
    throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  }

  private async run(record: ExecutionRecord, input: JsonValue): Promise<void> {
    const { compiled, name: machineName, arn: machineArn, roleArn } = record.machine;
    const overrides: NonNullable<RunOptions['overrides']> = {
      taskResourceLocalHandlers: taskOverrides(compiled.tasks, {
        executionArn: record.arn,
        region: this.options.region,
        history: record.history,
        tokens: this.tokens,
        tokenPlaceholder: this.tokenPlaceholder,
        resolveFunction: (reference) => this.resolveFunction(reference),
        isClosed: () => record.status !== 'RUNNING',
        logger: this.options.logger,
      }),
    };
    const { retryPauseMs, waitStateMs } = this.options;
    if (retryPauseMs !== undefined) {
      overrides.retryIntervalOverrides = Object.fromEntries(compiled.retryingStates.map((state) => [state, retryPauseMs]));
    }
    if (waitStateMs !== undefined) {
      const waits = [...compiled.states.values()].filter((state) => state.type === 'Wait');
      overrides.waitTimeOverrides = Object.fromEntries(waits.map((state) => [state.name, waitStateMs]));
    }
    const execution = compiled.machine.run(input, {
      overrides,
      noThrowOnAbort: true,
      context: {
        Execution: { Id: record.arn, Name: record.name, RoleArn: roleArn, StartTime: new Date(record.startDate).toISOString() },
        StateMachine: { Id: machineArn, Name: machineName },
        Task: { Token: this.tokenPlaceholder },
      },
    });
    record.abort = execution.abort;

    const consumed = (async () => {
      for await (const event of execution.eventLogs) record.history.apply(event);
    })().catch((error: unknown) => {
      this.options.logger.error('Reading the interpreter events failed', { executionArn: record.arn, error });
    });
    let outcome: Outcome;
    try {
      const output = await execution.result;
      outcome = { status: 'SUCCEEDED', output: JSON.stringify(output) };
    } catch (error) {
      outcome = failureOutcome(error);
    }
    // The status changes only once the history is complete, so a client that sees SUCCEEDED
    // reads a history that ends with ExecutionSucceeded.
    await consumed;
    this.settle(record, outcome);
  }

  private settle(record: ExecutionRecord, outcome: Outcome): void {
    if (record.status !== 'RUNNING') return; // stopped meanwhile: ExecutionAborted is already written
    const stopDate = Date.now();
    record.stopDate = stopDate;
    record.status = outcome.status;
    let type: HistoryEventType;
    if (outcome.status === 'SUCCEEDED') {
      record.output = outcome.output;
      type = 'ExecutionSucceeded';
      record.history.finish(type, { executionSucceededEventDetails: { output: outcome.output, outputDetails: { truncated: false } } }, stopDate, byteLength(outcome.output));
    } else {
      record.error = outcome.error;
      record.cause = outcome.cause;
      type = outcome.status === 'FAILED' ? 'ExecutionFailed' : 'ExecutionTimedOut';
      const details = { error: outcome.error, cause: outcome.cause };
      record.history.finish(type, outcome.status === 'FAILED' ? { executionFailedEventDetails: details } : { executionTimedOutEventDetails: details }, stopDate);
    }
    this.journalEnd(record);
    this.tokens.closeExecution(record.arn, cancelledError('the execution ended'));
    // One line per execution: debug when it succeeds, so a benchmark of thousands stays quiet.
    const level = outcome.status === 'SUCCEEDED' ? 'debug' : 'warn';
    this.options.logger[level](`Execution ${outcome.status}`, {
      executionArn: record.arn,
      durationMs: stopDate - record.startDate,
      ...(outcome.status === 'SUCCEEDED' ? {} : { error: outcome.error, cause: outcome.cause }),
    });
  }
}

function failureOutcome(error: unknown): Outcome {
  if (error instanceof ExecutionTimeoutError) {
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than the state machine\'s TimeoutSeconds' };
  }
  // ExecutionError wraps the error the last state raised: its name is the ASL error, its message the cause.
  const cause: unknown = error instanceof ExecutionError ? error.cause : error;
  if (cause instanceof Error) return { status: 'FAILED', error: cause.name, cause: cause.message };
  return { status: 'FAILED', error: 'States.Runtime', cause: String(cause) };
}

function cancelledError(why: string): LocalTaskError {
  return new LocalTaskError('States.Runtime', `Task cancelled: ${why}`, { retryable: false, catchable: false });
}

function view(record: ExecutionRecord): ExecutionView {
  return {
    executionArn: record.arn,
    stateMachineArn: record.machine.arn,
    name: record.name,
    status: record.status,
    startDate: record.startDate,
    stopDate: record.stopDate,
    input: record.input,
    output: record.output,
    error: record.error,
    cause: record.cause,
  };
}
