/**
 * One execution's history in the Step Functions shape, built from the interpreter's event log
 * (`StateEntered`, `MapIterationStarted`, …) and from what the local Task runner saw (each Lambda
 * invocation and its outcome).
 *
 * Two streams meet here. The interpreter's events arrive asynchronously, a few microtasks after
 * they happen, and Map iterations' events are forwarded into the root log by the library. Task
 * invocations happen synchronously right after their `StateEntered`/`StateRetried` is dispatched,
 * so each invocation is queued here as a {@link TaskAttempt} and paired with the next such event
 * for its state (first in, first out; the same input object wins when there is one). The runner
 * waits one macrotask before calling the handler, by which time the pairing is done, so it can
 * ask whether the attempt belongs to an iteration that AWS would never have started.
 *
 * Map iterations chain their events in "lanes" (one per iteration), which gives `previousEventId`
 * its meaning: the event this one followed in the same iteration (or branch, or the execution).
 */
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { StateInfo } from './definition.js';
import { SfnApiError } from './errors.js';
import { byteLength } from './json.js';
import { TaskAttempt, type AttemptDescription, type AttemptEventSink } from './task-attempts.js';
import type { ExecutionStats, ExecutionStatus } from './types.js';
import { NOT_TRUNCATED, type EventDetails, type WireHistoryEvent } from './wire.js';

/** An event of the interpreter's log (the library does not export the type). */
export type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type EventOf<T extends LibraryEvent['type']> = Extract<LibraryEvent, { type: T }>;
type StateEvent = EventOf<'StateEntered' | 'StateExited' | 'StateFailed' | 'StateRetried'>;

interface HistoryRecord {
  /** The event id: its place in the history, from 1. */
  id: number;
  type: HistoryEventType;
  /** Epoch milliseconds. */
  timestamp: number;
  lane: string;
  previous: HistoryRecord | undefined;
  details: EventDetails;
  /** Bytes of the state or execution data the event carries (stats). */
  dataBytes: number;
  /** The function, on `TaskStarted`/`LambdaFunctionStarted`: one handler invocation (stats). */
  functionName: string | undefined;
}

const ENTERED: Readonly<Record<string, HistoryEventType>> = {
  Task: 'TaskStateEntered',
  Map: 'MapStateEntered',
  Parallel: 'ParallelStateEntered',
  Pass: 'PassStateEntered',
  Wait: 'WaitStateEntered',
  Choice: 'ChoiceStateEntered',
  Succeed: 'SucceedStateEntered',
  Fail: 'FailStateEntered',
};
// A Fail state never exits: AWS has no FailStateExited.
const EXITED: Readonly<Record<string, HistoryEventType>> = {
  Task: 'TaskStateExited',
  Map: 'MapStateExited',
  Parallel: 'ParallelStateExited',
  Pass: 'PassStateExited',
  Wait: 'WaitStateExited',
  Choice: 'ChoiceStateExited',
  Succeed: 'SucceedStateExited',
};

const ROOT_LANE = 'root';
const mapLane = (map: string, index: number | undefined): string => `map\u0000${map}\u0000${index ?? '?'}`;
const branchLane = (parallel: string, branch: number, index: number | undefined): string =>
  `branch\u0000${parallel}\u0000${branch}\u0000${index ?? ''}`;
const attemptKey = (lane: string, stateName: string): string => `${lane}\u0001${stateName}`;

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? '';
}

interface MapInstance {
  started: HistoryRecord;
  /** `failing` from the first failed iteration: iterations that start after it are ones AWS never starts. */
  status: 'running' | 'failing' | 'closed';
  failed: boolean;
  nested: boolean;
  openLanes: Set<string>;
  lanesSeen: Set<string>;
  iterations: number;
}

interface ParallelInstance {
  started: HistoryRecord;
  failed: boolean;
  lanes: Set<string>;
}

export interface HistoryPageOptions {
  maxResults: number;
  reverseOrder: boolean;
  nextToken: string | undefined;
  includeExecutionData: boolean;
}

export interface HistoryHooks {
  /** A callback task's state ended (timeout, sibling failure…): close its token. */
  abandonToken(token: string): void;
}

export class ExecutionHistory implements AttemptEventSink {
  private readonly records: HistoryRecord[] = [];
  private terminal: HistoryRecord | undefined;
  private executionStarted: HistoryRecord | undefined;
  private readonly laneLast = new Map<string, HistoryRecord>();
  private readonly laneOpeners = new Map<string, HistoryRecord>();
  private readonly zombieLanes = new Set<string>();
  private readonly abortedLanes = new Set<string>();
  private readonly maps = new Map<string, MapInstance>();
  private readonly parallels = new Map<string, ParallelInstance>();
  private readonly waitingAttempts = new Map<string, TaskAttempt[]>();
  private readonly openAttempts = new Map<string, TaskAttempt>();
  private readonly states: ReadonlyMap<string, StateInfo>;
  private readonly hooks: HistoryHooks;

  constructor(states: ReadonlyMap<string, StateInfo>, hooks: HistoryHooks) {
    this.states = states;
    this.hooks = hooks;
  }

  /** `ExecutionStarted`, written by `StartExecution` itself so the history is never empty. */
  start(input: string, roleArn: string, timestamp: number): void {
    this.executionStarted = this.add(ROOT_LANE, 'ExecutionStarted', {
      executionStartedEventDetails: { input, inputDetails: NOT_TRUNCATED, roleArn },
    }, timestamp, { dataBytes: byteLength(input) });
  }

  /**
   * The last event (`ExecutionSucceeded`, `…Failed`, `…Aborted`, `…TimedOut`). Events of the
   * interpreter that happened before it and arrive later are still placed before it; the
   * outcomes of invocations that finish after it are not recorded.
   */
  finish(type: HistoryEventType, details: EventDetails, timestamp: number, dataBytes = 0): void {
    if (this.terminal !== undefined) return;
    this.terminal = this.add(ROOT_LANE, type, details, timestamp, { dataBytes });
    for (const queue of this.waitingAttempts.values()) for (const attempt of queue) attempt.blocked = true;
    for (const attempt of this.openAttempts.values()) this.closeAttemptTokens(attempt);
  }

  /** Queue an invocation to be paired with its state's next `StateEntered`/`StateRetried`. */
  createAttempt(description: AttemptDescription): TaskAttempt {
    const attempt = new TaskAttempt(this, description);
    if (this.terminal !== undefined) {
      attempt.blocked = true;
      return attempt;
    }
    const queue = this.waitingAttempts.get(description.binding.stateName);
    if (queue === undefined) this.waitingAttempts.set(description.binding.stateName, [attempt]);
    else queue.push(attempt);
    return attempt;
  }

  /** Map one event of the interpreter's log. */
  apply(event: LibraryEvent): void {
    switch (event.type) {
      case 'StateEntered':
        return this.onStateEntered(event);
      case 'StateExited':
        return this.onStateExited(event);
      case 'StateFailed':
        return this.onStateFailed(event);
      case 'StateRetried':
        return this.onStateRetried(event);
      case 'MapIterationStarted':
        return this.onMapIterationStarted(event);
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        return this.onMapIterationEnded(event);
      default:
        // Execution events are written from the run's result (so status and history agree);
        // StateCaught and ParallelBranch* have no event of their own in AWS.
        return;
    }
  }

  /** Written by a {@link TaskAttempt} once paired. */
  addAttemptEvent(lane: string, type: HistoryEventType, details: EventDetails, timestamp: number, functionName?: string): void {
    if (this.isDead(lane)) return;
    this.add(lane, type, details, timestamp, { functionName });
  }

  page(options: HistoryPageOptions): { events: WireHistoryEvent[]; nextToken: string | undefined } {
    const total = this.records.length;
    const offset = decodePageToken(options.nextToken, options.reverseOrder);
    const end = Math.min(total, offset + options.maxResults);
    const events: WireHistoryEvent[] = [];
    for (let position = offset; position < end; position += 1) {
      const record = this.records[options.reverseOrder ? total - 1 - position : position];
      if (record === undefined) continue;
      events.push({
        timestamp: record.timestamp / 1000,
        type: record.type,
        id: record.id,
        previousEventId: record.previous?.id ?? 0,
        ...(options.includeExecutionData ? record.details : withoutExecutionData(record.details)),
      });
    }
    return { events, nextToken: end < total ? encodePageToken(end, options.reverseOrder) : undefined };
  }

  stats(executionArn: string, status: ExecutionStatus, durationMs: number): ExecutionStats {
    let transitions = 0;
    let maxPayloadBytes = 0;
    const lambdaInvocations: Record<string, number> = {};
    for (const record of this.records) {
      if (record.type.endsWith('StateEntered')) transitions += 1;
      if (record.dataBytes > maxPayloadBytes) maxPayloadBytes = record.dataBytes;
      if (record.functionName !== undefined) {
        lambdaInvocations[record.functionName] = (lambdaInvocations[record.functionName] ?? 0) + 1;
      }
    }
    const totalLambdaInvocations = Object.values(lambdaInvocations).reduce((sum, count) => sum + count, 0);
    return {
      executionArn,
      status,
      transitions,
      lambdaInvocations,
      totalLambdaInvocations,
      maxPayloadBytes,
      historyEvents: this.records.length,
      durationMs,
    };
  }

  private onStateEntered(event: EventOf<'StateEntered'>): void {
    const { name, type } = event.state;
    const lane = this.laneOf(event);
    if (this.isDead(lane)) {
      if (type === 'Task') this.blockNextAttempt(event);
      return;
    }
    const input = JSON.stringify(event.state.input);
    this.add(lane, ENTERED[type] ?? 'TaskStateEntered', {
      stateEnteredEventDetails: { name, input, inputDetails: NOT_TRUNCATED },
    }, event.timestamp, { dataBytes: byteLength(input) });
    if (type === 'Map') this.startMap(name, lane, event.timestamp);
    else if (type === 'Parallel') this.startParallel(name, lane, event.timestamp);
    else if (type === 'Task') this.openAttempt(event, lane);
  }

  private onStateRetried(event: EventOf<'StateRetried'>): void {
    const { name, type } = event.state;
    const lane = this.laneOf(event);
    if (this.isDead(lane)) {
      if (type === 'Task') this.blockNextAttempt(event);
      return;
    }
    if (type === 'Map') this.startMap(name, lane, event.timestamp);
    else if (type === 'Parallel') this.startParallel(name, lane, event.timestamp);
    else if (type === 'Task') this.openAttempt(event, lane);
  }

  private onStateFailed(event: EventOf<'StateFailed'>): void {
    const { name, type } = event.state;
    const lane = this.laneOf(event);
    const failure = { error: event.Error, cause: causeText(event.Cause) };
    if (type === 'Task') this.closeAttempt(lane, name, failure);
    if (this.isDead(lane)) return;
    if (type === 'Map') {
      const map = this.maps.get(name);
      this.add(lane, 'MapStateFailed', {}, event.timestamp);
      if (map === undefined) return;
      map.failed = true;
      map.status = 'failing';
      // AWS aborts the iterations still running; the library does too, and drops their events.
      for (const iterationLane of map.openLanes) {
        const index = Number(iterationLane.split('\u0000')[2]);
        this.add(iterationLane, 'MapIterationAborted', { mapIterationAbortedEventDetails: { name, index } }, event.timestamp);
        this.abortLane(iterationLane);
      }
      map.openLanes.clear();
    } else if (type === 'Parallel') {
      const parallel = this.parallels.get(name);
      this.add(lane, 'ParallelStateFailed', {}, event.timestamp);
      if (parallel === undefined) return;
      parallel.failed = true;
      for (const branch of parallel.lanes) this.abortLane(branch);
    }
  }

  private onStateExited(event: EventOf<'StateExited'>): void {
    const { name, type } = event.state;
    const lane = this.laneOf(event);
    if (type === 'Task') this.closeAttempt(lane, name, undefined);
    if (this.isDead(lane)) return;
    if (type === 'Map') {
      const map = this.maps.get(name);
      if (map !== undefined && !map.failed) this.add(lane, 'MapStateSucceeded', {}, event.timestamp);
      if (map !== undefined) map.status = 'closed';
    } else if (type === 'Parallel') {
      const parallel = this.parallels.get(name);
      if (parallel !== undefined && !parallel.failed) this.add(lane, 'ParallelStateSucceeded', {}, event.timestamp);
    }
    const exited = EXITED[type];
    if (exited === undefined) return;
    const output = JSON.stringify(event.state.output ?? null);
    this.add(lane, exited, {
      stateExitedEventDetails: { name, output, outputDetails: NOT_TRUNCATED },
    }, event.timestamp, { dataBytes: byteLength(output) });
  }

  private onMapIterationStarted(event: EventOf<'MapIterationStarted'>): void {
    const name = event.parentState.name;
    const lane = mapLane(name, event.index);
    const map = this.maps.get(name);
    if (map === undefined) return;
    map.lanesSeen.add(lane);
    if (!map.nested && map.status !== 'running') {
      // The library keeps starting queued iterations after one failed; AWS does not. Their
      // invocations are refused (see TaskAttempt.blocked) and their events left out.
      this.zombieLanes.add(lane);
      return;
    }
    const record = this.add(lane, 'MapIterationStarted', {
      mapIterationStartedEventDetails: { name, index: event.index },
    }, event.timestamp, { previous: map.started });
    this.laneOpeners.set(lane, record);
    map.openLanes.add(lane);
    map.iterations += 1;
    const details = map.started.details.mapStateStartedEventDetails;
    if (details !== undefined) details.length = map.iterations;
  }

  private onMapIterationEnded(event: EventOf<'MapIterationSucceeded' | 'MapIterationFailed'>): void {
    const name = event.parentState.name;
    const lane = mapLane(name, event.index);
    if (this.isDead(lane)) return;
    const map = this.maps.get(name);
    map?.openLanes.delete(lane);
    if (event.type === 'MapIterationSucceeded') {
      this.add(lane, 'MapIterationSucceeded', { mapIterationSucceededEventDetails: { name, index: event.index } }, event.timestamp);
      return;
    }
    this.add(lane, 'MapIterationFailed', { mapIterationFailedEventDetails: { name, index: event.index } }, event.timestamp);
    if (map !== undefined) map.status = 'failing';
  }

  private startMap(name: string, lane: string, timestamp: number): void {
    const previous = this.maps.get(name);
    if (previous !== undefined) {
      for (const oldLane of previous.lanesSeen) {
        this.laneLast.delete(oldLane);
        this.laneOpeners.delete(oldLane);
        this.zombieLanes.delete(oldLane);
        this.abortedLanes.delete(oldLane);
      }
    }
    const started = this.add(lane, 'MapStateStarted', { mapStateStartedEventDetails: { length: 0 } }, timestamp);
    this.maps.set(name, {
      started,
      status: 'running',
      failed: false,
      nested: this.states.get(name)?.insideMap ?? false,
      openLanes: new Set(),
      lanesSeen: new Set(),
      iterations: 0,
    });
  }

  private startParallel(name: string, lane: string, timestamp: number): void {
    const previous = this.parallels.get(name);
    if (previous !== undefined) {
      for (const oldLane of previous.lanes) {
        this.laneLast.delete(oldLane);
        this.abortedLanes.delete(oldLane);
      }
    }
    const started = this.add(lane, 'ParallelStateStarted', {}, timestamp);
    this.parallels.set(name, { started, failed: false, lanes: new Set() });
  }

  private openAttempt(event: StateEvent, lane: string): void {
    const attempt = this.takeAttempt(event);
    if (attempt === undefined) return;
    this.openAttempts.set(attemptKey(lane, event.state.name), attempt);
    attempt.open(lane);
  }

  private blockNextAttempt(event: StateEvent): void {
    const attempt = this.takeAttempt(event);
    if (attempt !== undefined) attempt.blocked = true;
  }

  private takeAttempt(event: StateEvent): TaskAttempt | undefined {
    const queue = this.waitingAttempts.get(event.state.name);
    if (queue === undefined || queue.length === 0) return undefined;
    const same = queue.findIndex((attempt) => attempt.description.inputRef === event.state.input);
    const [attempt] = queue.splice(same >= 0 ? same : 0, 1);
    return attempt;
  }

  private closeAttempt(lane: string, stateName: string, failure: { error: string; cause: string } | undefined): void {
    const key = attemptKey(lane, stateName);
    const attempt = this.openAttempts.get(key);
    if (attempt === undefined) return;
    this.openAttempts.delete(key);
    attempt.close(failure);
    this.closeAttemptTokens(attempt);
  }

  private closeAttemptTokens(attempt: TaskAttempt): void {
    if (attempt.token !== undefined) this.hooks.abandonToken(attempt.token);
  }

  private abortLane(lane: string): void {
    this.abortedLanes.add(lane);
    for (const [key, attempt] of this.openAttempts) {
      if (key.startsWith(`${lane}\u0001`)) {
        this.openAttempts.delete(key);
        // An invocation still waiting for its macrotask must not start: the iteration is aborted.
        attempt.blocked = true;
        attempt.close(undefined);
        this.closeAttemptTokens(attempt);
      }
    }
  }

  private isDead(lane: string): boolean {
    return this.zombieLanes.has(lane) || this.abortedLanes.has(lane);
  }

  private laneOf(event: StateEvent): string {
    const info = this.states.get(event.state.name);
    if (info === undefined || info.scope.kind === 'root') return ROOT_LANE;
    if (info.scope.kind === 'map') return mapLane(info.scope.map, event.index);
    const lane = branchLane(info.scope.parallel, info.scope.branch, event.index);
    const parallel = this.parallels.get(info.scope.parallel);
    if (parallel !== undefined && !parallel.lanes.has(lane)) {
      parallel.lanes.add(lane);
      this.laneOpeners.set(lane, parallel.started);
    }
    return lane;
  }

  private add(
    lane: string,
    type: HistoryEventType,
    details: EventDetails,
    timestamp: number,
    extra: { dataBytes?: number; functionName?: string | undefined; previous?: HistoryRecord } = {},
  ): HistoryRecord {
    const record: HistoryRecord = {
      id: 0,
      type,
      timestamp,
      lane,
      previous: extra.previous ?? this.laneLast.get(lane) ?? this.laneOpeners.get(lane) ?? this.executionStarted,
      details,
      dataBytes: extra.dataBytes ?? 0,
      functionName: extra.functionName,
    };
    const terminal = this.terminal;
    if (terminal === undefined) {
      record.id = this.records.push(record);
    } else if (timestamp <= terminal.timestamp) {
      // Happened before the execution ended (the interpreter's log lags a little): keep it before
      // the end, which moves one place down.
      record.id = terminal.id;
      this.records.splice(terminal.id - 1, 0, record);
      terminal.id += 1;
    } else {
      // Happened after the end (an invocation outliving a stop): not part of the history.
      return record;
    }
    this.laneLast.set(lane, record);
    return record;
  }
}

function withoutExecutionData(details: EventDetails): EventDetails {
  const stripped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'object' && value !== null) {
      const { input: _input, inputDetails: _inputDetails, output: _output, outputDetails: _outputDetails, ...rest } = value as Record<string, unknown>;
      stripped[key] = rest;
    } else {
      stripped[key] = value;
    }
  }
  return stripped as EventDetails;
}

function encodePageToken(offset: number, reverse: boolean): string {
  return Buffer.from(JSON.stringify({ offset, reverse })).toString('base64url');
}

function decodePageToken(token: string | undefined, reverse: boolean): number {
  if (token === undefined) return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'offset' in parsed && 'reverse' in parsed) {
      const { offset, reverse: tokenReverse } = parsed;
      if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 && tokenReverse === reverse) return offset;
    }
  } catch {
    // fall through to the error below
  }
  throw new SfnApiError('InvalidToken', 'Invalid Token: nextToken does not come from this request');
}
