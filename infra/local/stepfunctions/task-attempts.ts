/**
 * One invocation of a Task's function as the history records it, from its `…Scheduled` to its
 * outcome. The Task runner creates it and reports what happens; the history pairs it with its
 * state's `StateEntered`/`StateRetried` (see history.ts) and only then writes its events, in the
 * lane of that state.
 */
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import type { TaskBinding } from './definition.js';
import type { JsonValue } from './json.js';
import { NOT_TRUNCATED, type EventDetails } from './wire.js';

/** Where an attempt writes its events once paired (the execution's history). */
export interface AttemptEventSink {
  addAttemptEvent(lane: string, type: HistoryEventType, details: EventDetails, timestamp: number, functionName?: string): void;
}

type AttemptEventNames = {
  scheduled: HistoryEventType;
  started: HistoryEventType;
  submitted: HistoryEventType | undefined;
  succeeded: HistoryEventType;
  failed: HistoryEventType;
  timedOut: HistoryEventType;
};

const LAMBDA_FUNCTION_EVENTS: AttemptEventNames = {
  scheduled: 'LambdaFunctionScheduled',
  started: 'LambdaFunctionStarted',
  submitted: undefined,
  succeeded: 'LambdaFunctionSucceeded',
  failed: 'LambdaFunctionFailed',
  timedOut: 'LambdaFunctionTimedOut',
};
const TASK_EVENTS: AttemptEventNames = {
  scheduled: 'TaskScheduled',
  started: 'TaskStarted',
  submitted: 'TaskSubmitted',
  succeeded: 'TaskSucceeded',
  failed: 'TaskFailed',
  timedOut: 'TaskTimedOut',
};

interface PendingEvent {
  type: HistoryEventType;
  details: EventDetails;
  timestamp: number;
  functionName: string | undefined;
}

/** What the history needs to know about one invocation of a Task's function. */
export interface AttemptDescription {
  binding: TaskBinding;
  /** The object the interpreter handed to the Task (after InputPath and Parameters). */
  inputRef: unknown;
  functionArn: string;
  functionName: string;
  /** The JSON of what the function receives (lambda-function) or the integration's Parameters. */
  parametersJson: string;
  region: string;
}

/**
 * One invocation of a Task's function, between its `…Scheduled` and its outcome. Created by the
 * Task runner, paired with its state's event by the history, and told what happened.
 */
export class TaskAttempt {
  readonly description: AttemptDescription;
  readonly createdAt = Date.now();
  /** The iteration of a failed Map (or a stopped execution) it belongs to: do not invoke. */
  blocked = false;
  /** The token, for callback tasks: closed when the state ends whatever the reason. */
  token: string | undefined;
  private lane: string | undefined;
  private phase: 'waiting' | 'open' | 'closed' = 'waiting';
  private outcome = false;
  private readonly pending: PendingEvent[] = [];
  private readonly history: AttemptEventSink;
  private readonly names: AttemptEventNames;

  constructor(history: AttemptEventSink, description: AttemptDescription) {
    this.history = history;
    this.description = description;
    this.names = description.binding.kind === 'lambda-function' ? LAMBDA_FUNCTION_EVENTS : TASK_EVENTS;
  }

  /** The handler is being called: the invocation that `stats()` counts. */
  started(): void {
    const { kind } = this.description.binding;
    this.emit(this.names.started, kind === 'lambda-function' ? {} : { taskStartedEventDetails: this.resourceFields() }, this.description.functionName);
  }

  /** Callback tasks: the function was invoked, the token is out. */
  submitted(output: JsonValue): void {
    if (this.names.submitted === undefined) return;
    this.emit(this.names.submitted, {
      taskSubmittedEventDetails: { ...this.resourceFields(), output: JSON.stringify(output), outputDetails: NOT_TRUNCATED },
    });
  }

  succeeded(output: JsonValue): void {
    this.outcome = true;
    const text = JSON.stringify(output);
    this.emit(
      this.names.succeeded,
      this.description.binding.kind === 'lambda-function'
        ? { lambdaFunctionSucceededEventDetails: { output: text, outputDetails: NOT_TRUNCATED } }
        : { taskSucceededEventDetails: { ...this.resourceFields(), output: text, outputDetails: NOT_TRUNCATED } },
    );
  }

  failed(error: string, cause: string): void {
    this.outcome = true;
    this.emit(
      this.names.failed,
      this.description.binding.kind === 'lambda-function'
        ? { lambdaFunctionFailedEventDetails: { error, cause } }
        : { taskFailedEventDetails: { ...this.resourceFields(), error, cause } },
    );
  }

  timedOut(error: string, cause: string): void {
    this.outcome = true;
    this.emit(
      this.names.timedOut,
      this.description.binding.kind === 'lambda-function'
        ? { lambdaFunctionTimedOutEventDetails: { error, cause } }
        : { taskTimedOutEventDetails: { ...this.resourceFields(), error, cause } },
    );
  }

  /** @internal The history paired it with its state's event in `lane`. */
  open(lane: string): void {
    if (this.phase !== 'waiting') return;
    this.lane = lane;
    this.phase = 'open';
    const { binding, functionArn, parametersJson } = this.description;
    if (binding.kind === 'lambda-function') {
      this.history.addAttemptEvent(lane, this.names.scheduled, {
        lambdaFunctionScheduledEventDetails: {
          resource: functionArn,
          input: parametersJson,
          inputDetails: NOT_TRUNCATED,
          timeoutInSeconds: binding.timeoutSeconds,
        },
      }, this.createdAt);
    } else {
      this.history.addAttemptEvent(lane, this.names.scheduled, {
        taskScheduledEventDetails: {
          ...this.resourceFields(),
          region: this.description.region,
          parameters: parametersJson,
          timeoutInSeconds: binding.timeoutSeconds,
          heartbeatInSeconds: binding.kind === 'lambda-invoke-callback' ? binding.heartbeatSeconds : undefined,
        },
      }, this.createdAt);
    }
    for (const event of this.pending.splice(0)) this.history.addAttemptEvent(lane, event.type, event.details, event.timestamp, event.functionName);
  }

  /**
   * @internal The state attempt ended (`failure` when it failed). A timeout raised by the
   * interpreter has no outcome from the runner: it is recorded here.
   */
  close(failure: { error: string; cause: string } | undefined): void {
    if (this.phase === 'open' && failure !== undefined && !this.outcome && failure.error === 'States.Timeout') {
      this.timedOut(failure.error, failure.cause);
    }
    this.phase = 'closed';
  }

  private emit(type: HistoryEventType, details: EventDetails, functionName?: string): void {
    if (this.blocked || this.phase === 'closed') return;
    const timestamp = Date.now();
    if (this.phase === 'waiting' || this.lane === undefined) {
      this.pending.push({ type, details, timestamp, functionName });
      return;
    }
    this.history.addAttemptEvent(this.lane, type, details, timestamp, functionName);
  }

  private resourceFields(): { resourceType: string; resource: string } {
    return {
      resourceType: 'lambda',
      resource: this.description.binding.kind === 'lambda-invoke-callback' ? 'invoke.waitForTaskToken' : 'invoke',
    };
  }
}
