/**
 * `.waitForTaskToken` on the local endpoint, through the real `@aws-sdk/client-sfn`: the function
 * gets a token in its payload, and SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, the
 * state's TimeoutSeconds and HeartbeatSeconds, and StopExecution decide what happens next.
 */
import {
  DescribeExecutionCommand,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  describeUntil,
  finished,
  fixture,
  fullHistory,
  handlersByName,
  lambdaFunctionArn,
  startHarness,
  type Harness,
} from '../fixtures/stepfunctions/harness.js';
import { manualTimers } from '../support/manual-timers.js';
import { until } from '../support/until.js';

interface ApprovalRequest {
  token: string;
  orderId: string;
}

/** What the approval function does with its token; by default it only remembers it. */
const requests: ApprovalRequest[] = [];
let onRequest: (request: ApprovalRequest, sfn: SFNClient) => Promise<unknown> = async () => ({ requested: true });

let harness: Harness;
/** The endpoint's token clock: heartbeat deadlines pass when a test advances it, not in real time. */
const timers = manualTimers();

beforeAll(async () => {
  const substitutions = { RequestApprovalFunctionArn: lambdaFunctionArn('request-approval') };
  harness = await startHarness({
    timers,
    stateMachines: [
      { name: 'callback', definition: fixture('callback.asl.json', substitutions) },
      { name: 'callback-timeout', definition: fixture('callback-timeout.asl.json', substitutions) },
    ],
    lambdaHandlers: handlersByName({
      'request-approval': async (event) => {
        const request = event as ApprovalRequest;
        requests.push(request);
        return onRequest(request, harness.sfn);
      },
    }),
  });
});

afterAll(async () => {
  await harness.close();
});

beforeEach(() => {
  requests.length = 0;
  onRequest = async () => ({ requested: true });
});

async function startWaiting(stateMachine: string, orderId: string): Promise<{ executionArn: string; token: string }> {
  const started = await harness.sfn.send(
    new StartExecutionCommand({ stateMachineArn: harness.local.stateMachineArn(stateMachine), input: JSON.stringify({ orderId }) }),
  );
  await until(`the approval request of ${orderId}`, () => requests.some((request) => request.orderId === orderId));
  const token = requests.find((request) => request.orderId === orderId)?.token ?? '';
  return { executionArn: started.executionArn ?? '', token };
}

const typesOf = (events: readonly HistoryEvent[]): string[] => events.map((event) => event.type ?? '');

describe('waitForTaskToken', () => {
  it('completes the state with the output of SendTaskSuccess', async () => {
    const { executionArn, token } = await startWaiting('callback', 'o-1');
    expect(token).toMatch(/^local1\./);
    const running = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(running.status).toBe('RUNNING');
    expect(harness.local.waitingTaskTokens(executionArn)).toBe(1);

    await harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true,"by":"ops"}' }));
    const done = await describeUntil(harness.sfn, executionArn, finished);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ orderId: 'o-1', Approval: { approved: true, by: 'ops' } });

    const events = await fullHistory(harness.sfn, executionArn);
    expect(typesOf(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = events[2]?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({ resource: 'invoke.waitForTaskToken', resourceType: 'lambda', timeoutInSeconds: 30, heartbeatInSeconds: 1 });
    expect(JSON.parse(scheduled?.parameters ?? '')).toMatchObject({ Payload: { token, orderId: 'o-1' } });
    expect(JSON.parse(events[4]?.taskSubmittedEventDetails?.output ?? '')).toMatchObject({ Payload: { requested: true }, StatusCode: 200 });
    expect(harness.local.stats(executionArn).lambdaInvocations).toEqual({ 'request-approval': 1 });

    // The task is closed: a second answer is refused as the service refuses it.
    await expect(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('accepts the answer while the function that got the token is still running', async () => {
    onRequest = async (request, sfn) => {
      await sfn.send(new SendTaskSuccessCommand({ taskToken: request.token, output: '{"approved":"at once"}' }));
      return { requested: true };
    };
    const { executionArn } = await startWaiting('callback', 'o-2');
    const done = await describeUntil(harness.sfn, executionArn, finished);
    expect(JSON.parse(done.output ?? '')).toMatchObject({ Approval: { approved: 'at once' } });
  });

  it('fails the state with the error and cause of SendTaskFailure, which Catch matches', async () => {
    const { executionArn, token } = await startWaiting('callback', 'o-3');
    await harness.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'RegulatoryRejected', cause: 'address proof missing' }));
    const done = await describeUntil(harness.sfn, executionArn, finished);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ orderId: 'o-3', Rejection: { Error: 'RegulatoryRejected', Cause: 'address proof missing' } });
    const events = await fullHistory(harness.sfn, executionArn);
    expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
      error: 'RegulatoryRejected',
      cause: 'address proof missing',
      resource: 'invoke.waitForTaskToken',
    });
    expect(typesOf(events).slice(-3)).toEqual(['PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });

  it('keeps waiting while heartbeats come within HeartbeatSeconds', async () => {
    const { executionArn, token } = await startWaiting('callback', 'o-4');
    for (let beat = 0; beat < 4; beat += 1) {
      timers.advance(400);
      await harness.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    }
    // 1.6 s in on the token clock, with HeartbeatSeconds 1: still waiting.
    expect((await harness.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    const done = await describeUntil(harness.sfn, executionArn, finished);
    expect(JSON.parse(done.output ?? '')).toMatchObject({ Approval: { approved: true } });
  });

  it('fails with States.HeartbeatTimeout when no heartbeat comes', async () => {
    const { executionArn, token } = await startWaiting('callback', 'o-5');
    timers.advance(999);
    expect(harness.local.waitingTaskTokens(executionArn)).toBe(1);
    timers.advance(1);
    const done = await describeUntil(harness.sfn, executionArn, finished);
    expect(JSON.parse(done.output ?? '')).toMatchObject({ Timeout: { Error: 'States.HeartbeatTimeout' } });
    const events = await fullHistory(harness.sfn, executionArn);
    expect(events.find((event) => event.type === 'TaskTimedOut')?.taskTimedOutEventDetails?.error).toBe('States.HeartbeatTimeout');
    await expect(harness.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('fails with States.Timeout when TimeoutSeconds pass, and refuses the token after', async () => {
    const startedAt = Date.now();
    const { executionArn, token } = await startWaiting('callback-timeout', 'o-6');
    const done = await describeUntil(harness.sfn, executionArn, finished);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
    expect(JSON.parse(done.output ?? '')).toEqual({ orderId: 'o-6', Timeout: { Error: 'States.Timeout', Cause: 'States.Timeout' } });
    const events = await fullHistory(harness.sfn, executionArn);
    expect(typesOf(events)).toContain('TaskTimedOut');
    expect(typesOf(events)).not.toContain('TaskSucceeded');
    await expect(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    expect(harness.local.waitingTaskTokens(executionArn)).toBe(0);
  });

  it('fails the task with the function\'s error when the function that should hand out the token fails', async () => {
    onRequest = async () => {
      throw Object.assign(new Error('no such order'), { name: 'OrderNotFound' });
    };
    const started = await harness.sfn.send(
      new StartExecutionCommand({ stateMachineArn: harness.local.stateMachineArn('callback'), input: '{"orderId":"o-7"}' }),
    );
    const done = await describeUntil(harness.sfn, started.executionArn ?? '', finished);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('OrderNotFound');
    expect(JSON.parse(done.cause ?? '')).toMatchObject({ errorType: 'OrderNotFound', errorMessage: 'no such order' });
    expect(harness.local.waitingTaskTokens(started.executionArn)).toBe(0);
  });

  it('closes the token when the execution is stopped', async () => {
    const { executionArn, token } = await startWaiting('callback', 'o-8');
    await harness.sfn.send(new StopExecutionCommand({ executionArn }));
    expect(harness.local.waitingTaskTokens(executionArn)).toBe(0);
    await expect(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    expect((await harness.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  });

  it('answers InvalidToken, TaskDoesNotExist and InvalidOutput as the service does', async () => {
    await expect(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' }))).rejects.toBeInstanceOf(InvalidToken);
    const unknown = `local1.${'A'.repeat(43)}`;
    await expect(harness.sfn.send(new SendTaskFailureCommand({ taskToken: unknown, error: 'X' }))).rejects.toBeInstanceOf(TaskDoesNotExist);

    const { executionArn, token } = await startWaiting('callback', 'o-9');
    await expect(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{oops' }))).rejects.toMatchObject({ name: 'InvalidOutput' });
    // A refused answer leaves the task waiting.
    expect(harness.local.waitingTaskTokens(executionArn)).toBe(1);
    await harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '"fine"' }));
    const done = await describeUntil(harness.sfn, executionArn, finished);
    expect(JSON.parse(done.output ?? '')).toMatchObject({ Approval: 'fine' });
  });
});
