/**
 * Task tokens for `.waitForTaskToken` tasks, which aws-local-stepfunctions does not have: a task
 * waiting here completes when `SendTaskSuccess` or `SendTaskFailure` names its token, fails with
 * `States.HeartbeatTimeout` when `HeartbeatSeconds` pass without `SendTaskHeartbeat`, and is closed
 * when its execution ends. Its `TimeoutSeconds` is enforced by the interpreter's own Task timeout
 * (which raises the genuine `States.Timeout`); this registry only marks the token closed then.
 */
import { randomBytes } from 'node:crypto';
import { SfnApiError } from './errors.js';
import type { JsonValue } from './json.js';
import { LocalTaskError } from './lambda.js';
import type { LocalTimers } from './types.js';

const TOKEN_PREFIX = 'local1.';
const TOKEN_SHAPE = /^local1\.[A-Za-z0-9_-]{43}$/;
/** What the service accepts as a token at all (longer ones fail its input validation). */
const MAX_TOKEN_LENGTH = 2048;

/** Node's timers, not keeping the process alive for a task that waits. */
const realTimers: LocalTimers = {
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface IssueTokenOptions {
  executionArn: string;
  stateName: string;
  /** When the task times out; the token is closed then. */
  timeoutMs: number;
  /** Fail the task with `States.HeartbeatTimeout` after this long without a heartbeat. */
  heartbeatSeconds: number | undefined;
}

export interface IssuedToken {
  token: string;
  /** Settles with `SendTaskSuccess`'s output, or rejects with the failure the task should raise. */
  result: Promise<JsonValue>;
}

interface TokenEntry {
  executionArn: string;
  stateName: string;
  open: boolean;
  resolve: (output: JsonValue) => void;
  reject: (error: Error) => void;
  /** Cancels the timeout's timer. */
  cancelTimeout: (() => void) | undefined;
  /** Cancels the heartbeat's timer. */
  cancelHeartbeat: (() => void) | undefined;
  heartbeatSeconds: number | undefined;
}

export class TaskTokenRegistry {
  // Closed tokens stay, so a late SendTaskSuccess is told TaskTimedOut rather than TaskDoesNotExist.
  private readonly entries = new Map<string, TokenEntry>();

  constructor(private readonly timers: LocalTimers = realTimers) {}

  /** Register a waiting task. Register before invoking the function: it may answer at once. */
  issue(options: IssueTokenOptions): IssuedToken {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    let resolve!: (output: JsonValue) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<JsonValue>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Whoever stops waiting first (a failed invocation, a stop) must not leave an unhandled rejection.
    result.catch(() => undefined);
    const entry: TokenEntry = {
      executionArn: options.executionArn,
      stateName: options.stateName,
      open: true,
      resolve,
      reject,
      cancelTimeout: undefined,
      cancelHeartbeat: undefined,
      heartbeatSeconds: options.heartbeatSeconds,
    };
    this.entries.set(token, entry);
    entry.cancelTimeout = this.timers.after(options.timeoutMs, () => this.closeEntry(entry));
    this.armHeartbeat(entry);
    return { token, result };
  }

  /** `SendTaskSuccess`: `output` becomes the Task's result. */
  succeed(token: string, output: JsonValue): void {
    const entry = this.openEntry(token);
    this.closeEntry(entry);
    entry.resolve(output);
  }

  /** `SendTaskFailure`: the Task fails with `error` (what Retry/Catch match) and `cause`. */
  fail(token: string, error: string | undefined, cause: string | undefined): void {
    const entry = this.openEntry(token);
    this.closeEntry(entry);
    entry.reject(new LocalTaskError(error ?? '', cause ?? '', { retryable: true, catchable: true }));
  }

  /** `SendTaskHeartbeat`: the task is still being worked on. */
  heartbeat(token: string): void {
    const entry = this.openEntry(token);
    this.armHeartbeat(entry);
  }

  /** Stop waiting for one token and fail its task with `error` (the invocation failed, say). */
  abandon(token: string, error: Error): void {
    const entry = this.entries.get(token);
    if (entry === undefined || !entry.open) return;
    this.closeEntry(entry);
    entry.reject(error);
  }

  /** The execution ended: fail every task of it that still waits, so its interpreter unwinds. */
  closeExecution(executionArn: string, error: Error): void {
    for (const [token, entry] of this.entries) {
      if (entry.executionArn === executionArn) this.abandon(token, error);
    }
  }

  /** How many tokens of an execution are waiting (tests and diagnostics). */
  waiting(executionArn?: string): number {
    let count = 0;
    for (const entry of this.entries.values()) {
      if (entry.open && (executionArn === undefined || entry.executionArn === executionArn)) count += 1;
    }
    return count;
  }

  private openEntry(token: string): TokenEntry {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
      throw new SfnApiError('InvalidToken', 'Invalid Token: the task token is malformed');
    }
    const entry = this.entries.get(token);
    if (entry === undefined) {
      throw new SfnApiError('TaskDoesNotExist', 'Task does not exist: no task was issued this token (by this endpoint)');
    }
    if (!entry.open) {
      throw new SfnApiError('TaskTimedOut', 'Task Timed Out: the task of this token has already been closed');
    }
    return entry;
  }

  private armHeartbeat(entry: TokenEntry): void {
    if (entry.heartbeatSeconds === undefined) return;
    entry.cancelHeartbeat?.();
    entry.cancelHeartbeat = this.timers.after(entry.heartbeatSeconds * 1000, () => {
      this.closeEntry(entry);
      entry.reject(
        new LocalTaskError('States.HeartbeatTimeout', `No heartbeat for ${entry.heartbeatSeconds} s in state "${entry.stateName}"`, {
          retryable: true,
          catchable: true,
        }),
      );
    });
  }

  private closeEntry(entry: TokenEntry): void {
    entry.open = false;
    entry.cancelTimeout?.();
    entry.cancelHeartbeat?.();
    entry.cancelTimeout = undefined;
    entry.cancelHeartbeat = undefined;
  }
}
