/**
 * The local Step Functions endpoint with a journal file: a restarted endpoint answers for the
 * executions of the one before — DescribeExecution, ListExecutions, GetExecutionHistory, and a
 * StartExecution of a name already used — and reports an execution that was running when the
 * endpoint died (never closed) as FAILED with `Local.EndpointLost`.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, ExecutionAlreadyExists, GetExecutionHistoryCommand, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeUntil, finished, fixture, gate, handlersByName, lambdaFunctionArn, startHarness, type Harness } from '../fixtures/stepfunctions/harness.js';

let blocked = gate();
const handlers = handlersByName({
  greet: async (event) => {
    const { name } = event as { name: string };
    // "hang" stands for an invocation under way when the endpoint is killed.
    if (name === 'hang') await blocked.opened;
    return { greeting: `hello ${name}` };
  },
  shout: async (event) => ({ shouted: `${(event as { greeting: string }).greeting.toUpperCase()}!` }),
});
const definition = fixture('two-styles.asl.json', { GreetFunctionArn: lambdaFunctionArn('greet'), ShoutFunctionArn: lambdaFunctionArn('shout') });

let directory: string;
const harnesses: Harness[] = [];
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sfn-journal-'));
});
beforeEach(() => {
  blocked = gate();
});
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
  blocked.open();
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function endpoint(journalFile: string): Promise<Harness> {
  const harness = await startHarness({ stateMachines: [{ name: 'two-styles', definition }], lambdaHandlers: handlers, journalFile });
  harnesses.push(harness);
  return harness;
}

it('a restarted endpoint describes and lists the executions of the one before; one that was running is FAILED with Local.EndpointLost', async () => {
  const journal = join(directory, 'restart.jsonl');
  const first = await endpoint(journal);
  const machine = first.local.stateMachineArn('two-styles');
  const done = await first.sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'done', input: '{"name": "ada"}' }));
  const ended = await describeUntil(first.sfn, done.executionArn ?? '', finished);
  expect(ended.status).toBe('SUCCEEDED');
  const running = await first.sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'interrupted', input: '{"name":"hang"}' }));
  // The first endpoint is never closed: as after a SIGKILL, its journal has no end for "interrupted".

  const second = await endpoint(journal);
  const before = await second.sfn.send(new DescribeExecutionCommand({ executionArn: done.executionArn }));
  expect(before).toMatchObject({ status: 'SUCCEEDED', name: 'done', input: '{"name": "ada"}', output: ended.output, startDate: ended.startDate, stopDate: ended.stopDate });
  const lost = await second.sfn.send(new DescribeExecutionCommand({ executionArn: running.executionArn }));
  expect(lost).toMatchObject({ status: 'FAILED', error: 'Local.EndpointLost', name: 'interrupted', input: '{"name":"hang"}', startDate: running.startDate });
  expect(second.local.lostExecutions).toEqual([running.executionArn]);

  const listed = await second.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
  expect(listed.executions?.map((execution) => [execution.name, execution.status])).toEqual([
    ['interrupted', 'FAILED'],
    ['done', 'SUCCEEDED'],
  ]);
  const failed = await second.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: 'FAILED' }));
  expect(failed.executions?.map((execution) => execution.name)).toEqual(['interrupted']);
  const history = await second.sfn.send(new GetExecutionHistoryCommand({ executionArn: running.executionArn }));
  expect(history.events?.map((event) => event.type)).toEqual(['ExecutionStarted', 'ExecutionFailed']);

  // A third start finds the execution ended as the second reported it (the end was journaled too).
  const third = await endpoint(journal);
  expect(third.local.lostExecutions).toEqual([]);
  expect((await third.sfn.send(new DescribeExecutionCommand({ executionArn: running.executionArn }))).status).toBe('FAILED');
});

it('a name used before the restart is refused as in AWS (ExecutionAlreadyExists, even with the same input); a new name runs', async () => {
  const journal = join(directory, 'names.jsonl');
  const first = await endpoint(journal);
  const machine = first.local.stateMachineArn('two-styles');
  const started = await first.sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'order-1', input: '{"name":"hang"}' }));
  const second = await endpoint(journal);
  await expect(second.sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'order-1', input: '{"name":"hang"}' }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  expect((await second.sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))).status).toBe('FAILED');
  const fresh = await second.sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'order-1-recovery-1', input: '{"name":"grace"}' }));
  expect((await describeUntil(second.sfn, fresh.executionArn ?? '', finished)).status).toBe('SUCCEEDED');
});

it('skips a last line a kill cut short, and keeps the rest', async () => {
  const journal = join(directory, 'torn.jsonl');
  const first = await endpoint(journal);
  const machine = first.local.stateMachineArn('two-styles');
  const done = await first.sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'kept', input: '{"name":"bo"}' }));
  await describeUntil(first.sfn, done.executionArn ?? '', finished);
  await appendFile(journal, '{"type":"start","executionArn":"arn:aws:states:us-east-1:000000000000:execu');
  const second = await endpoint(journal);
  expect((await second.sfn.send(new DescribeExecutionCommand({ executionArn: done.executionArn }))).status).toBe('SUCCEEDED');
});
