/**
 * The local Step Functions endpoint through the real `@aws-sdk/client-sfn`: executions, both
 * Lambda task styles, Retry/Catch on handler error names, idempotent starts, Map concurrency,
 * StopExecution, histories and their agreement with the stats.
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalLambdaContext } from '../../infra/local/stepfunctions/index.js';
import {
  describeUntil,
  finished,
  fixture,
  fullHistory,
  gate,
  handlersByName,
  lambdaFunctionArn,
  startHarness,
  type Harness,
} from '../fixtures/stepfunctions/harness.js';
import { until } from '../support/until.js';

class PlivoOutcomeUnknownError extends Error {
  override readonly name = 'PlivoOutcomeUnknownError' as const;
}
class PlivoBadRequestError extends Error {
  override readonly name = 'PlivoBadRequestError' as const;
}

/** Give way to other work for a few event-loop turns: handlers finish out of order, with no clock involved. */
async function yieldTurns(turns: number): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}
const parse = (text: string | undefined): unknown => JSON.parse(text ?? 'null');

/** What the handlers do and saw; each test sets the behaviour it needs. */
const world = {
  greetContexts: [] as LocalLambdaContext[],
  rent: { calls: 0, failFirst: 0, error: (): Error => new PlivoOutcomeUnknownError('Plivo timed out after the request was sent') },
  map: { active: 0, maxActive: 0, workCalls: 0, checkCalls: 0, failIndex: -1, rollbackStartedAt: 0, lateCalls: 0 },
  slow: { calls: 0, returned: 0, gate: gate(), afterCalls: 0 },
};

const handlers = handlersByName({
  greet: async (event, context) => {
    world.greetContexts.push(context);
    const { name } = event as { name: string };
    return { greeting: `hello ${name}` };
  },
  shout: async (event) => {
    const { greeting, executionName } = event as { greeting: string; executionName: string };
    return { shouted: `${greeting.toUpperCase()}!`, executionName };
  },
  rent: async () => {
    world.rent.calls += 1;
    if (world.rent.calls <= world.rent.failFirst) throw world.rent.error();
    return { rented: 3 };
  },
  work: async (event) => {
    const { index } = event as { index: number };
    const map = world.map;
    map.workCalls += 1;
    if (map.rollbackStartedAt > 0) map.lateCalls += 1;
    map.active += 1;
    map.maxActive = Math.max(map.maxActive, map.active);
    await yieldTurns(index % 3);
    if (index === map.failIndex) {
      map.active -= 1;
      throw new PlivoBadRequestError(`line ${index} rejected`);
    }
    return { worked: index };
  },
  check: async (event) => {
    const { index } = event as { index: number };
    const map = world.map;
    map.checkCalls += 1;
    if (map.rollbackStartedAt > 0) map.lateCalls += 1;
    await yieldTurns(index % 2);
    map.active -= 1;
    return { checked: index };
  },
  rollback: async () => {
    world.map.rollbackStartedAt = Date.now();
    return { rolledBack: true };
  },
  slow: async () => {
    world.slow.calls += 1;
    await world.slow.gate.opened;
    world.slow.returned += 1;
    return { slow: 'done' };
  },
  after: async () => {
    world.slow.afterCalls += 1;
    return { after: 'done' };
  },
  list: async (event) => {
    const { mode } = event as { mode: string };
    if (mode === 'block') await world.slow.gate.opened;
    if (mode === 'fail') throw new PlivoBadRequestError('listing failure');
    return { mode };
  },
  listAfter: async (event) => event,
});

const substitutions = {
  GreetFunctionArn: lambdaFunctionArn('greet'),
  ShoutFunctionArn: lambdaFunctionArn('shout'),
  RentFunctionArn: lambdaFunctionArn('rent'),
  WorkFunctionArn: lambdaFunctionArn('work'),
  CheckFunctionArn: lambdaFunctionArn('check'),
  RollbackFunctionArn: lambdaFunctionArn('rollback'),
  SlowFunctionArn: lambdaFunctionArn('slow'),
  AfterFunctionArn: lambdaFunctionArn('after'),
};

let harness: Harness;
const arnOf = (name: string): string => harness.local.stateMachineArn(name);

beforeAll(async () => {
  harness = await startHarness({
    stateMachines: [
      { name: 'two-styles', definition: fixture('two-styles.asl.json', substitutions) },
      { name: 'retry-catch', definition: fixture('retry-catch.asl.json', substitutions) },
      { name: 'map', definition: fixture('map.asl.json', substitutions) },
      { name: 'stop', definition: fixture('stop.asl.json', substitutions) },
      {
        name: 'listing',
        definition: fixture('stop.asl.json', {
          SlowFunctionArn: lambdaFunctionArn('list'),
          AfterFunctionArn: lambdaFunctionArn('listAfter'),
        }),
      },
    ],
    lambdaHandlers: handlers,
    retryPauseMs: 1,
  });
});

afterAll(async () => {
  world.slow.gate.open();
  await harness.close();
});

beforeEach(() => {
  world.greetContexts = [];
  world.rent.calls = 0;
  world.map = { active: 0, maxActive: 0, workCalls: 0, checkCalls: 0, failIndex: -1, rollbackStartedAt: 0, lateCalls: 0 };
  world.slow.calls = 0;
  world.slow.afterCalls = 0;
});

async function run(stateMachine: string, input: unknown, name?: string): Promise<{ executionArn: string; output: unknown; status: string | undefined }> {
  const started = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf(stateMachine), input: JSON.stringify(input), name }));
  const executionArn = started.executionArn ?? '';
  const done = await describeUntil(harness.sfn, executionArn, finished);
  return { executionArn, output: parse(done.output), status: done.status };
}

const typesOf = (events: readonly HistoryEvent[]): string[] => events.map((event) => event.type ?? '');

describe('state machines', () => {
  it('lists and describes the registered state machines', async () => {
    const listed = await harness.sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((machine) => machine.name)).toEqual(['two-styles', 'retry-catch', 'map', 'stop', 'listing']);

    const described = await harness.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arnOf('map') }));
    expect(described).toMatchObject({ name: 'map', status: 'ACTIVE', type: 'STANDARD' });
    expect(described.definition).toContain(lambdaFunctionArn('work'));
    expect(described.creationDate).toBeInstanceOf(Date);

    const missing = harness.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope' }));
    await expect(missing).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });
});

describe('executions', () => {
  it('runs both Lambda task styles to success, with the results AWS gives', async () => {
    const { executionArn, output, status } = await run('two-styles', { name: 'Ada' }, 'two-styles-1');

    expect(status).toBe('SUCCEEDED');
    expect(output).toMatchObject({
      name: 'Ada',
      // Resource = function ARN: the state's result is what the handler returned.
      GreetResult: { greeting: 'hello Ada' },
      // Resource = lambda:invoke: the Invoke response, the handler's return under Payload.
      ShoutResult: { Payload: { shouted: 'HELLO ADA!', executionName: 'two-styles-1' }, StatusCode: 200, ExecutedVersion: '$LATEST' },
    });
    const [context] = world.greetContexts;
    expect(context?.functionName).toBe('greet');
    expect(context?.invokedFunctionArn).toBe(lambdaFunctionArn('greet'));
    expect(context?.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    // Counted from the Task's TimeoutSeconds (5).
    expect(context?.getRemainingTimeInMillis()).toBeLessThanOrEqual(5000);
    expect(context?.getRemainingTimeInMillis()).toBeGreaterThan(0);

    const described = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.input).toBe('{"name":"Ada"}');
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(described.startDate?.getTime() ?? Infinity);
  });

  it('retries a named handler error, then catches it when the retries run out', async () => {
    world.rent.failFirst = Infinity;
    const { executionArn, output, status } = await run('retry-catch', { lineId: 'L1' });

    expect(status).toBe('SUCCEEDED');
    expect(world.rent.calls).toBe(3); // the first attempt and MaxAttempts 2
    const { RentError, Next } = output as { RentError: { Error: string; Cause: string }; Next: string };
    expect(Next).toBe('reconcile');
    expect(RentError.Error).toBe('PlivoOutcomeUnknownError');
    // Cause as AWS shapes a Lambda error: the runtime's JSON.
    expect(JSON.parse(RentError.Cause)).toMatchObject({
      errorType: 'PlivoOutcomeUnknownError',
      errorMessage: 'Plivo timed out after the request was sent',
    });

    const events = await fullHistory(harness.sfn, executionArn);
    const types = typesOf(events);
    expect(types.filter((type) => type === 'TaskStateEntered')).toHaveLength(1);
    expect(types.filter((type) => type === 'TaskScheduled')).toHaveLength(3);
    expect(types.filter((type) => type === 'TaskFailed')).toHaveLength(3);
    const failed = events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails;
    expect(failed).toMatchObject({ resourceType: 'lambda', resource: 'invoke', error: 'PlivoOutcomeUnknownError' });
    expect(harness.local.stats(executionArn).lambdaInvocations).toEqual({ rent: 3 });
  });

  it('succeeds when a retry succeeds', async () => {
    world.rent.failFirst = 2;
    const { output, status } = await run('retry-catch', { lineId: 'L2' });
    expect(status).toBe('SUCCEEDED');
    expect(world.rent.calls).toBe(3);
    expect(output).toEqual({ lineId: 'L2', RentResult: { rented: 3 } });
  });

  it('fails the execution with the error name and Lambda cause when nothing catches it', async () => {
    world.rent.failFirst = Infinity;
    world.rent.error = () => new PlivoBadRequestError('prefix must be numeric');
    try {
      const { executionArn, status } = await run('retry-catch', { lineId: 'L3' });
      expect(status).toBe('FAILED');
      expect(world.rent.calls).toBe(1); // no retrier matches PlivoBadRequestError
      const described = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(described.error).toBe('PlivoBadRequestError');
      expect(JSON.parse(described.cause ?? '')).toMatchObject({ errorType: 'PlivoBadRequestError', errorMessage: 'prefix must be numeric' });
      const events = await fullHistory(harness.sfn, executionArn);
      expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: 'PlivoBadRequestError' } });
    } finally {
      world.rent.error = () => new PlivoOutcomeUnknownError('Plivo timed out after the request was sent');
    }
  });

  it('answers ExecutionAlreadyExists for a name in use, and the running execution for a repeated start', async () => {
    world.slow.gate = gate();
    const stateMachineArn = arnOf('stop');
    const first = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'order-42', input: '{"orderId":"42"}' }));
    await until('the slow handler to be called', () => world.slow.calls === 1);

    // Same name, same input (spacing aside), still running: AWS answers with the same execution.
    const again = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'order-42', input: '{ "orderId": "42" }' }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(world.slow.calls).toBe(1);

    const otherInput = harness.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'order-42', input: '{"orderId":"43"}' }));
    await expect(otherInput).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    world.slow.gate.open();
    await describeUntil(harness.sfn, first.executionArn ?? '', finished);
    // Closed: the name cannot be used again, whatever the input.
    const afterEnd = harness.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'order-42', input: '{"orderId":"42"}' }));
    await expect(afterEnd).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('names an execution with a UUID by default and checks names, ARNs and input', async () => {
    world.slow.gate.open();
    const started = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('stop') }));
    expect(started.executionArn).toMatch(/:execution:stop:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    await expect(harness.sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('stop'), name: 'has space' }))).rejects.toBeInstanceOf(InvalidName);
    await expect(harness.sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('stop'), name: 'x'.repeat(81) }))).rejects.toBeInstanceOf(InvalidName);
    await expect(harness.sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('stop'), input: '{nope' }))).rejects.toBeInstanceOf(InvalidExecutionInput);
    const unknown = 'arn:aws:states:us-east-1:000000000000:execution:stop:never-started';
    await expect(harness.sfn.send(new DescribeExecutionCommand({ executionArn: unknown }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(harness.sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' }))).rejects.toBeInstanceOf(InvalidArn);
    await describeUntil(harness.sfn, started.executionArn ?? '', finished);
  });

  it('stops an execution: ABORTED at once, and no state starts after', async () => {
    world.slow.gate = gate();
    const { executionArn = '' } = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('stop'), name: 'to-stop' }));
    await until('the slow handler to be called', () => world.slow.calls === 1);

    const stopped = await harness.sfn.send(new StopExecutionCommand({ executionArn, error: 'OrderCancelled', cause: 'the customer cancelled' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const described = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'OrderCancelled', cause: 'the customer cancelled' });

    // The handler in flight finishes; the next state never starts.
    const returnedBefore = world.slow.returned;
    world.slow.gate.open();
    await until('the slow handler in flight to return', () => world.slow.returned > returnedBefore);
    await harness.local.waitForExecution(executionArn);
    expect(world.slow.afterCalls).toBe(0);
    const events = await fullHistory(harness.sfn, executionArn);
    expect(typesOf(events)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'ExecutionAborted']);
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({ error: 'OrderCancelled', cause: 'the customer cancelled' });
    expect((await harness.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  });
});

describe('Map', () => {
  it('runs 200 items with MaxConcurrency 7 and never more at once', async () => {
    const lines = Array.from({ length: 200 }, (_, index) => ({ index, prefix: String(500 + index) }));
    const { executionArn, output, status } = await run('map', { lines });

    expect(status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ LinesResult: { count: 200 } });
    expect(world.map.workCalls).toBe(200);
    expect(world.map.checkCalls).toBe(200);
    expect(world.map.maxActive).toBeLessThanOrEqual(7);
    expect(world.map.maxActive).toBeGreaterThan(1);

    const stats = harness.local.stats(executionArn);
    expect(stats).toMatchObject({ status: 'SUCCEEDED', transitions: 1 + 200 * 2 + 1, lambdaInvocations: { work: 200, check: 200 }, totalLambdaInvocations: 400 });
    const events = await fullHistory(harness.sfn, executionArn, 700);
    const types = typesOf(events);
    expect(types.filter((type) => type.endsWith('StateEntered'))).toHaveLength(stats.transitions);
    expect(types.filter((type) => type === 'LambdaFunctionStarted' || type === 'TaskStarted')).toHaveLength(stats.totalLambdaInvocations);
    expect(types.filter((type) => type === 'MapIterationStarted')).toHaveLength(200);
    expect(types.filter((type) => type === 'MapIterationSucceeded')).toHaveLength(200);
    expect(events.find((event) => event.type === 'MapStateStarted')?.mapStateStartedEventDetails?.length).toBe(200);
    expect(types.slice(-4)).toEqual(['MapStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expect(types.indexOf('MapStateSucceeded')).toBe(types.length - 5);
  });

  it('chains each iteration\'s events, and each invocation to the iteration that made it', async () => {
    const lines = Array.from({ length: 60 }, (_, index) => ({ index }));
    const { executionArn } = await run('map', { lines });
    const events = await fullHistory(harness.sfn, executionArn);
    const byId = new Map(events.map((event) => [event.id, event]));
    const iterationOf = (event: HistoryEvent): number | undefined => {
      let current: HistoryEvent | undefined = event;
      while (current !== undefined && current.type !== 'MapIterationStarted') current = byId.get(current.previousEventId);
      return current?.mapIterationStartedEventDetails?.index;
    };

    const scheduled = events.filter((event) => event.type === 'LambdaFunctionScheduled' || event.type === 'TaskScheduled');
    expect(scheduled).toHaveLength(120);
    for (const event of scheduled) {
      const payload =
        event.type === 'LambdaFunctionScheduled'
          ? (parse(event.lambdaFunctionScheduledEventDetails?.input) as { index: number })
          : (parse(event.taskScheduledEventDetails?.parameters) as { Payload: { index: number } }).Payload;
      // The invocation sits in the lane of the iteration whose item it carries.
      expect(iterationOf(event)).toBe(payload.index);
      const entered = byId.get(event.previousEventId);
      expect(entered?.type).toBe('TaskStateEntered');
    }
    for (const event of events) {
      if (event.id !== undefined && event.previousEventId !== undefined) expect(event.previousEventId).toBeLessThan(event.id);
    }
  });

  it('starts no new iteration once one has failed, and rolls back', async () => {
    world.map.failIndex = 7;
    const lines = Array.from({ length: 50 }, (_, index) => ({ index }));
    const { executionArn, output, status } = await run('map', { lines });

    expect(status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ LinesError: { Error: 'PlivoBadRequestError' }, RollbackResult: { rolledBack: true } });
    // aws-local-stepfunctions alone would go on starting all 50; the endpoint refuses those AWS would not start.
    expect(world.map.workCalls).toBeLessThan(25);
    expect(world.map.lateCalls).toBe(0);

    const events = await fullHistory(harness.sfn, executionArn);
    const types = typesOf(events);
    const failedAt = types.indexOf('MapStateFailed');
    expect(failedAt).toBeGreaterThan(0);
    expect(types.slice(failedAt).filter((type) => type === 'MapIterationStarted' || type === 'MapIterationSucceeded')).toEqual([]);
    expect(events.find((event) => event.type === 'MapIterationFailed')?.mapIterationFailedEventDetails?.index).toBe(7);
    // The history shows every invocation that happened, and no other.
    expect(harness.local.stats(executionArn).lambdaInvocations).toMatchObject({ work: world.map.workCalls, rollback: 1 });
  });
});

describe('history', () => {
  it('has the AWS event types in order, with ids and previous ids, and agrees with the stats', async () => {
    const { executionArn } = await run('two-styles', { name: 'Grace' });
    const events = await fullHistory(harness.sfn, executionArn);

    expect(typesOf(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    events.forEach((event, index) => {
      expect(event.id).toBe(index + 1);
      expect(event.previousEventId).toBe(index); // one lane: each event follows the one before
      expect(event.timestamp).toBeInstanceOf(Date);
      if (index > 0) expect(event.timestamp?.getTime()).toBeGreaterThanOrEqual(events[index - 1]?.timestamp?.getTime() ?? Infinity);
    });
    expect(events[1]?.stateEnteredEventDetails).toEqual({ name: 'Greet', input: '{"name":"Grace"}', inputDetails: { truncated: false } });
    expect(events[5]?.stateExitedEventDetails?.name).toBe('Greet');
    expect(parse(events[5]?.stateExitedEventDetails?.output)).toEqual({ name: 'Grace', GreetResult: { greeting: 'hello Grace' } });
    expect(events[2]?.lambdaFunctionScheduledEventDetails).toMatchObject({ resource: lambdaFunctionArn('greet'), timeoutInSeconds: 5 });
    expect(events[7]?.taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', timeoutInSeconds: 5 });
    expect(parse(events[7]?.taskScheduledEventDetails?.parameters)).toMatchObject({ FunctionName: lambdaFunctionArn('shout') });

    const stats = harness.local.stats(executionArn);
    expect(stats.transitions).toBe(typesOf(events).filter((type) => type.endsWith('StateEntered')).length);
    expect(stats.transitions).toBe(3);
    expect(stats.lambdaInvocations).toEqual({ greet: 1, shout: 1 });
    expect(stats.totalLambdaInvocations).toBe(typesOf(events).filter((type) => type === 'LambdaFunctionStarted' || type === 'TaskStarted').length);
    expect(stats.historyEvents).toBe(events.length);
    const sizes = events.flatMap((event) => [
      event.executionStartedEventDetails?.input,
      event.stateEnteredEventDetails?.input,
      event.stateExitedEventDetails?.output,
      event.executionSucceededEventDetails?.output,
    ]);
    expect(stats.maxPayloadBytes).toBe(Math.max(...sizes.map((text) => (text === undefined ? 0 : Buffer.byteLength(text)))));
  });

  it('pages, reverses, and leaves out execution data on request', async () => {
    const { executionArn } = await run('two-styles', { name: 'Linus' });
    const all = await fullHistory(harness.sfn, executionArn);
    const paged = await fullHistory(harness.sfn, executionArn, 4);
    expect(paged).toEqual(all);

    const first = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 3 }));
    expect(first.events?.map((event) => event.id)).toEqual([14, 13, 12]);
    const second = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 3, nextToken: first.nextToken }));
    expect(second.events?.map((event) => event.id)).toEqual([11, 10, 9]);

    const bare = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }));
    expect(bare.events?.[1]?.stateEnteredEventDetails).toEqual({ name: 'Greet' });
    expect(bare.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
  });
});

describe('ListExecutions', () => {
  it('filters by status and pages, newest first', async () => {
    world.slow.gate = gate();
    const stateMachineArn = arnOf('listing');
    const start = async (name: string, mode: string): Promise<string> => {
      const started = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ mode }) }));
      return started.executionArn ?? '';
    };
    const ok1 = await start('list-ok-1', 'ok');
    const failed = await start('list-fail', 'fail');
    const ok2 = await start('list-ok-2', 'ok');
    const running = await start('list-running', 'block');
    await describeUntil(harness.sfn, ok1, finished);
    await describeUntil(harness.sfn, ok2, finished);
    await describeUntil(harness.sfn, failed, finished);

    const names = async (statusFilter?: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED'): Promise<string[]> => {
      const listed = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter }));
      return listed.executions?.map((execution) => execution.name ?? '') ?? [];
    };
    expect(await names('RUNNING')).toEqual(['list-running']);
    expect(await names('SUCCEEDED')).toEqual(['list-ok-2', 'list-ok-1']);
    expect(await names('FAILED')).toEqual(['list-fail']);
    expect(await names('ABORTED')).toEqual([]);

    const page1 = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 3 }));
    const page2 = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 3, nextToken: page1.nextToken }));
    expect(page2.nextToken).toBeUndefined();
    const listed = [...(page1.executions ?? []), ...(page2.executions ?? [])];
    expect(listed.map((execution) => execution.name)).toEqual(['list-running', 'list-ok-2', 'list-fail', 'list-ok-1']);
    expect(listed[0]).toMatchObject({ executionArn: running, status: 'RUNNING', stateMachineArn });
    expect(listed[0]?.stopDate).toBeUndefined();
    expect(listed[1]?.stopDate).toBeInstanceOf(Date);

    world.slow.gate.open();
    await describeUntil(harness.sfn, running, finished);
  });
});

describe('close()', () => {
  it('aborts running executions and stops listening', async () => {
    const blocker = gate();
    const own = await startHarness({
      stateMachines: [{ name: 'stop', definition: fixture('stop.asl.json', substitutions) }],
      lambdaHandlers: { ...handlers, [lambdaFunctionArn('slow')]: () => blocker.opened.then(() => ({})) },
    });
    const { executionArn = '' } = await own.sfn.send(new StartExecutionCommand({ stateMachineArn: own.local.stateMachineArn('stop') }));
    await describeUntil(own.sfn, executionArn, (description) => description.status === 'RUNNING');
    await own.close();
    expect(own.local.stats(executionArn).status).toBe('ABORTED');
    await expect(fetch(own.local.endpoint)).rejects.toThrow();
    blocker.open();
  });
});
