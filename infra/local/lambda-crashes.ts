/**
 * Lambda crashes in the local stack: a workflow task invocation killed after one of its side
 * effects, as a Lambda timeout or an out-of-memory kill does in AWS — the Plivo call went through,
 * the DynamoDB write that should follow never happens.
 *
 * A side effect is a Plivo HTTP attempt that Plivo answered (any status) or a DynamoDB write
 * (Put/Update/Delete/TransactWrite/BatchWrite) that DynamoDB carried out. Each invocation runs in
 * its own AsyncLocalStorage context; once it is killed, every later Plivo or DynamoDB call made from
 * that context (awaited or not) is refused at the client, so the handler's code may catch the
 * error and carry on without any effect. The invocation itself fails at once, as AWS reports a
 * Lambda timeout through the `lambda:invoke` integration: error `Sandbox.Timedout` (see
 * `crashError`).
 *
 * Two ways to crash:
 * - a rate (`npm start -- --crash-rate P`): each invocation is killed with probability P, after a
 *   side effect drawn at random among the ones it makes — uniform over 1..n, n the most effects an
 *   invocation of that function has made so far; one that ends with fewer effects is killed as it
 *   returns (its result is lost, as when the timeout strikes at the end);
 * - a plan (the fault matrix): crash points of an order, keyed by function, line (line steps),
 *   the effect's index among that function's effects for that order and line (1-based, across its
 *   invocations: one line's steps run one at a time, so the index names one effect) and
 *   `before`/`after`. The plan of an order is asked for once, at its first invocation (the order id
 *   is drawn when the order is placed, so a test keys its cells by the order's `reference`). Each
 *   point fires once. `before` n refuses the first side-effect attempt once n-1 effects are done
 *   (with calls in flight at once, effect n may already be on its way: then the next attempt).
 *
 * `trace` reports every effect carried out, so a clean run enumerates the matrix's cells.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'aws-lambda';
import type { PlivoAnswer, PlivoAttempt } from '../../functions/lib/plivo/http.js';

export type CrashMoment = 'before' | 'after';

/** One crash point of an order's plan. */
export interface CrashPoint {
  /** The Lambda function's name (`number-orders-rent`). */
  functionName: string;
  /** The line of a line step (its event's `line`); undefined for order steps. */
  line?: number | undefined;
  /** 1-based index among the function's effects for this order (and line), across its invocations. */
  effect: number;
  when: CrashMoment;
}

/** A side effect carried out by an invocation. */
export interface TracedEffect {
  orderId: string;
  functionName: string;
  line: number | undefined;
  /** The invocation's request id. */
  requestId: string;
  /** 1-based index among the function's effects for this order (and line). */
  effect: number;
  kind: 'plivo' | 'dynamodb';
  /** `POST Number/` or `UpdateItem`. */
  label: string;
}

export interface LambdaCrashesOptions {
  /** Probability (0 to 1) that an invocation is killed. @default 0 */
  rate?: number;
  /** @default Math.random */
  random?: () => number;
  /** An order's crash points (each fires once), asked for at the order's first invocation. */
  plan?: (orderId: string) => readonly CrashPoint[] | Promise<readonly CrashPoint[]>;
  /** Called for every side effect carried out. */
  trace?: (effect: TracedEffect) => void;
}

/** A `--crash-rate` (or any other share) given on a command line: a number from 0 to 1, or an error naming the flag. */
export function parseShare(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw new Error(`--${flag} must be a number from 0 to 1; got "${text}"`);
  return value;
}

/** The error a refused call meets: its invocation was killed. */
export class InvocationKilledError extends Error {
  constructor(what: string) {
    super(`${what} refused: this Lambda invocation was killed (local crash injection)`);
    this.name = 'InvocationKilledError';
  }
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);

/**
 * The error AWS reports when a Lambda invocation times out: Lambda's Invoke answers a function
 * error whose payload is `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: … Error: Task
 * timed out after N seconds"}`, and Step Functions' `lambda:invoke` integration fails the Task with
 * that `errorType` as its error name — what Lambda's troubleshooting guide names a timeout
 * (Sandbox.Timedout), and what AWS AppSync and Step Functions users see as the unhandled error type
 * of a timed-out function. (The Step Functions guide to Lambda service exceptions says unhandled
 * errors such as timeouts and out-of-memory kills were reported as `Lambda.Unknown` by the older
 * Lambda resource ARN; the retriers list that name too.) No stack trace: the runtime never threw.
 */
export function crashError(requestId: string, timeoutSeconds: number): Error {
  const error = new Error(`RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
  error.name = 'Sandbox.Timedout';
  error.stack = '';
  return error;
}

interface Invocation {
  orderId: string;
  functionName: string;
  line: number | undefined;
  requestId: string;
  /** Effects of this invocation so far. */
  effects: number;
  /** Rate mode: killed after this many effects of its own (undefined: not doomed). */
  doomedAfter: number | undefined;
  killed: boolean;
  kill: () => void;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export class LambdaCrashes {
  readonly rate: number;
  private readonly random: () => number;
  private readonly planOf: LambdaCrashesOptions['plan'];
  /** Order id → its crash points not fired yet (`planKey`). */
  private readonly plans = new Map<string, Promise<Set<string>>>();
  private readonly resolvedPlans = new Map<string, Set<string>>();
  private readonly traceEffect: ((effect: TracedEffect) => void) | undefined;
  private readonly storage = new AsyncLocalStorage<Invocation>();
  /** `countKey` → effects carried out so far. */
  private readonly counts = new Map<string, number>();
  /** Function name → the most effects one invocation made (rate mode's draw). */
  private readonly mostEffects = new Map<string, number>();
  /** Invocations killed so far. */
  killed = 0;

  constructor(options: LambdaCrashesOptions = {}) {
    this.rate = options.rate ?? 0;
    this.random = options.random ?? Math.random;
    this.planOf = options.plan;
    this.traceEffect = options.trace;
  }

  /** The handler, run so that its invocations can be killed. */
  wrap(handler: Handler): Handler {
    return (event, context) => this.invoke(event, context, handler);
  }

  /** Refuses a Plivo attempt of a killed invocation; kills one planned to die before it. Pass as `onPlivoAttempt`. */
  readonly beforePlivo = (attempt: PlivoAttempt): void => {
    this.beforeEffect(`Plivo ${attempt.method} ${attempt.route}`);
  };

  /** Counts an answered Plivo attempt as an effect (and may kill there). Pass as `onPlivoAnswer`. */
  readonly afterPlivo = (answer: PlivoAnswer): void => {
    this.afterEffect('plivo', `${answer.method} ${answer.route}`);
  };

  /** Fences and counts the DynamoDB calls of a client (a document client shares its client's stack). */
  installDynamoDb(client: { middlewareStack: { add: (...args: never[]) => void } }): void {
    const middleware =
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown): Promise<unknown> => {
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        const write = WRITES.has(operation);
        if (write) this.beforeEffect(`DynamoDB ${operation}`);
        else this.refuseIfKilled(`DynamoDB ${operation}`);
        const output = await next(args);
        if (write) this.afterEffect('dynamodb', operation);
        return output;
      };
    (client.middlewareStack as unknown as { add(m: unknown, o: Record<string, unknown>): void }).add(middleware, {
      step: 'initialize',
      priority: 'high',
      name: 'lambdaCrashFence',
      override: true,
    });
  }

  private async invoke(event: unknown, context: Context, handler: Handler): Promise<unknown> {
    const fields = (typeof event === 'object' && event !== null ? event : {}) as { orderId?: unknown; line?: unknown };
    const orderId = typeof fields.orderId === 'string' ? fields.orderId : '';
    const line = typeof fields.line === 'number' ? fields.line : undefined;
    const timeoutSeconds = context.getRemainingTimeInMillis() / 1000;
    let kill!: () => void;
    const killed = new Promise<never>((_, reject) => {
      kill = () => reject(crashError(context.awsRequestId, timeoutSeconds));
    });
    await this.loadPlan(orderId);
    const doomed = this.rate > 0 && this.random() < this.rate;
    const invocation: Invocation = {
      orderId,
      functionName: context.functionName,
      line,
      requestId: context.awsRequestId,
      effects: 0,
      doomedAfter: doomed ? 1 + Math.floor(this.random() * (this.mostEffects.get(context.functionName) ?? 1)) : undefined,
      killed: false,
      kill: () => {
        if (invocation.killed) return;
        invocation.killed = true;
        this.killed += 1;
        kill();
      },
    };
    const run = this.storage.run(invocation, () => handler(event, context));
    // A killed invocation's code runs on with every call refused: its outcome is nobody's.
    const settled = (): undefined => undefined;
    run.catch(settled);
    killed.catch(settled);
    // Whichever comes first: the handler's own outcome, or its death.
    await Promise.race([run.then(settled, settled), killed.catch(settled)]);
    if (!invocation.killed) {
      this.mostEffects.set(invocation.functionName, Math.max(this.mostEffects.get(invocation.functionName) ?? 0, invocation.effects));
      // Rate mode: a doomed invocation that made fewer effects than drawn dies as it returns.
      if (invocation.doomedAfter !== undefined) invocation.kill();
    }
    if (invocation.killed) return killed;
    return run;
  }

  private refuseIfKilled(what: string): void {
    const invocation = this.storage.getStore();
    if (invocation?.killed) throw new InvocationKilledError(what);
  }

  private beforeEffect(what: string): void {
    const invocation = this.storage.getStore();
    if (!invocation) return;
    // `before` n: the first attempt once n-1 effects are done (with calls in flight, a later one).
    if (!invocation.killed && this.takePlanned(invocation, this.countOf(invocation) + 1, 'before', true)) invocation.kill();
    if (invocation.killed) throw new InvocationKilledError(what);
  }

  private afterEffect(kind: TracedEffect['kind'], label: string): void {
    const invocation = this.storage.getStore();
    if (!invocation) return;
    if (invocation.killed) throw new InvocationKilledError(label);
    const key = countKey(invocation);
    const effect = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, effect);
    invocation.effects += 1;
    this.traceEffect?.({ orderId: invocation.orderId, functionName: invocation.functionName, line: invocation.line, requestId: invocation.requestId, effect, kind, label });
    const planned = this.takePlanned(invocation, effect, 'after');
    if (planned || invocation.effects === invocation.doomedAfter) {
      invocation.kill();
      // The effect happened; the invocation never learns so.
      throw new InvocationKilledError(label);
    }
  }

  private countOf(invocation: Invocation): number {
    return this.counts.get(countKey(invocation)) ?? 0;
  }

  private takePlanned(invocation: Invocation, effect: number, when: CrashMoment, orEarlier = false): boolean {
    const plan = this.resolvedPlans.get(invocation.orderId);
    if (!plan) return false;
    for (let index = orEarlier ? 1 : effect; index <= effect; index++) {
      if (plan.delete(planKey(invocation.functionName, invocation.line, index, when))) return true;
    }
    return false;
  }

  /** How many of an order's crash points have not fired (0 for an order with no plan). */
  unfired(orderId: string): number {
    return this.resolvedPlans.get(orderId)?.size ?? 0;
  }

  private async loadPlan(orderId: string): Promise<void> {
    const planOf = this.planOf;
    if (!planOf || orderId === '') return;
    let loading = this.plans.get(orderId);
    if (!loading) {
      loading = Promise.resolve(planOf(orderId)).then(
        (points) => new Set(points.map((point) => planKey(point.functionName, point.line, point.effect, point.when))),
        () => new Set<string>(),
      );
      this.plans.set(orderId, loading);
    }
    this.resolvedPlans.set(orderId, await loading);
  }
}

function countKey(invocation: Pick<Invocation, 'orderId' | 'functionName' | 'line'>): string {
  return JSON.stringify([invocation.orderId, invocation.functionName, invocation.line ?? null]);
}

function planKey(functionName: string, line: number | undefined, effect: number, when: CrashMoment): string {
  return JSON.stringify([functionName, line ?? null, effect, when]);
}
