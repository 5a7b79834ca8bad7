/**
 * What the local Step Functions endpoint accepts at registration, and its helpers for ARNs and
 * `${…}` substitutions. Definitions it cannot run faithfully must fail here, naming the state.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import {
  DefinitionError,
  lambdaFunctionArn,
  startLocalStepFunctions,
  substituteDefinition,
  UnboundSubstitutionError,
} from '../../infra/local/stepfunctions/index.js';
import { describeUntil, finished, fullHistory, gate, handlersByName, startHarness } from '../fixtures/stepfunctions/harness.js';

describe('substituteDefinition', () => {
  it('replaces every ${Name} with its value', () => {
    const text = '{"Resource":"${RentFunctionArn}","Next":"${Next}","Again":"${RentFunctionArn}"}';
    expect(substituteDefinition(text, { RentFunctionArn: 'arn:x', Next: 'Done', Unused: 'y' })).toBe('{"Resource":"arn:x","Next":"Done","Again":"arn:x"}');
  });

  it('names every placeholder that is not bound', () => {
    const text = '{"A":"${Zeta}","B":"${Alpha}","C":"${Bound}","D":"${Zeta}"}';
    const attempt = (): string => substituteDefinition(text, { Bound: 'ok' }, 'statemachines/order.asl.json');
    expect(attempt).toThrow(UnboundSubstitutionError);
    expect(attempt).toThrow('ASL substitutions not bound in statemachines/order.asl.json: ${Alpha}, ${Zeta}');
    try {
      attempt();
    } catch (error) {
      expect((error as UnboundSubstitutionError).missing).toEqual(['Alpha', 'Zeta']);
    }
  });
});

describe('lambdaFunctionArn', () => {
  it('builds the ARN CDK renders, in the local region and account by default', () => {
    expect(lambdaFunctionArn('number-orders-rent')).toBe('arn:aws:lambda:us-east-1:000000000000:function:number-orders-rent');
    expect(lambdaFunctionArn('f', { region: 'eu-west-1', accountId: '123456789012' })).toBe('arn:aws:lambda:eu-west-1:123456789012:function:f');
    expect(() => lambdaFunctionArn('not a name')).toThrow('not a Lambda function name');
  });
});

const task = (resource: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Type: 'Task',
  Resource: resource,
  TimeoutSeconds: 5,
  End: true,
  ...extra,
});
const machine = (states: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ StartAt: Object.keys(states)[0], States: states, ...extra });
const handlers = handlersByName({ known: async () => ({}) });

async function register(definition: string): Promise<void> {
  const local = await startLocalStepFunctions({ port: 0, stateMachines: [{ name: 'candidate', definition }], lambdaHandlers: handlers });
  await local.close();
}

describe('registration', () => {
  it('refuses a Task whose function has no handler, naming the state and the ARN', async () => {
    const unknown = lambdaFunctionArn('unknown');
    await expect(register(machine({ Rent: task(unknown) }))).rejects.toThrow(`State machine "candidate": Task "Rent" calls ${unknown}, which has no local handler`);
    const viaInvoke = task('arn:aws:states:::lambda:invoke', { Parameters: { FunctionName: unknown, 'Payload.$': '$' } });
    await expect(register(machine({ Verify: viaInvoke }))).rejects.toThrow(DefinitionError);
  });

  it('refuses what the interpreter would silently get wrong', async () => {
    const known = lambdaFunctionArn('known');
    await expect(register(machine({ A: task(known) }, { QueryLanguage: 'JSONata' }))).rejects.toThrow('JSONata');
    await expect(register(machine({ A: { Type: 'Pass', Assign: { x: 1 }, End: true } }))).rejects.toThrow('state "A" uses "Assign"');
    await expect(register(machine({ Put: task('arn:aws:states:::dynamodb:putItem', { Parameters: {} }) }))).rejects.toThrow(
      'Task "Put" has Resource "arn:aws:states:::dynamodb:putItem"',
    );
    const tokenWithoutWait = task('arn:aws:states:::lambda:invoke', { Parameters: { FunctionName: known, Payload: { 't.$': '$$.Task.Token' } } });
    await expect(register(machine({ A: tokenWithoutWait }))).rejects.toThrow('does not end in .waitForTaskToken');
    const waitWithoutToken = task('arn:aws:states:::lambda:invoke.waitForTaskToken', { Parameters: { FunctionName: known, 'Payload.$': '$' } });
    await expect(register(machine({ A: waitWithoutToken }))).rejects.toThrow('never pass $$.Task.Token');
    const distributed = {
      Type: 'Map',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'B', States: { B: task(known) } },
      End: true,
    };
    await expect(register(machine({ A: distributed }))).rejects.toThrow('Distributed Map');
  });

  it('reports what the ASL validator finds', async () => {
    await expect(register(machine({ A: { Type: 'Pass', Next: 'Nowhere' } }))).rejects.toThrow(/State machine "candidate": State machine definition is invalid/);
    await expect(register('{"StartAt":')).rejects.toThrow('definition is not JSON');
  });
});

describe('other ASL features', () => {
  it('runs Lambda tasks found inside Parallel branches within a Map', async () => {
    const known = lambdaFunctionArn('known');
    const definition = machine({
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        Iterator: {
          StartAt: 'Both',
          States: {
            Both: {
              Type: 'Parallel',
              Branches: [
                { StartAt: 'Left', States: { Left: task(known) } },
                { StartAt: 'Right', States: { Right: task('arn:aws:states:::lambda:invoke', { Parameters: { FunctionName: 'known', 'Payload.$': '$' }, OutputPath: '$.Payload' }) } },
              ],
              End: true,
            },
          },
        },
        End: true,
      },
    });
    const harness = await startHarness({
      stateMachines: [{ name: 'parallel', definition }],
      lambdaHandlers: handlersByName({ known: async (event) => ({ echo: event }) }),
    });
    try {
      const { executionArn = '' } = await harness.sfn.send(
        new StartExecutionCommand({ stateMachineArn: harness.local.stateMachineArn('parallel'), input: '{"items":[1,2]}' }),
      );
      const done = await describeUntil(harness.sfn, executionArn, finished);
      expect(JSON.parse(done.output ?? '')).toEqual([
        [{ echo: 1 }, { echo: 1 }],
        [{ echo: 2 }, { echo: 2 }],
      ]);
      const history = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const types = history.events?.map((event) => event.type) ?? [];
      expect(types.filter((type) => type === 'ParallelStateStarted')).toHaveLength(2);
      expect(types.filter((type) => type === 'ParallelStateSucceeded')).toHaveLength(2);
      expect(harness.local.stats(executionArn).lambdaInvocations).toEqual({ known: 4 });
      expect((await harness.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED');
    } finally {
      await harness.close();
    }
  });

  it('times an execution out after the state machine\'s TimeoutSeconds, and shortens Wait states on request', async () => {
    const known = lambdaFunctionArn('known');
    const blocker = gate();
    const harness = await startHarness({
      stateMachines: [
        { name: 'bounded', definition: machine({ Slow: task(known, { TimeoutSeconds: 30 }) }, { TimeoutSeconds: 1 }) },
        { name: 'waiting', definition: machine({ Pause: { Type: 'Wait', Seconds: 3600, Next: 'Go' }, Go: task(known) }) },
      ],
      lambdaHandlers: handlersByName({ known: () => blocker.opened.then(() => ({})) }),
      waitStateMs: 1,
    });
    try {
      const bounded = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn: harness.local.stateMachineArn('bounded') }));
      const timedOut = await describeUntil(harness.sfn, bounded.executionArn ?? '', finished);
      expect(timedOut).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
      const events = await fullHistory(harness.sfn, bounded.executionArn ?? '');
      expect(events.at(-1)?.type).toBe('ExecutionTimedOut');

      blocker.open();
      const waiting = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn: harness.local.stateMachineArn('waiting') }));
      const waited = await describeUntil(harness.sfn, waiting.executionArn ?? '', finished, 2_000);
      expect(waited.status).toBe('SUCCEEDED');
    } finally {
      blocker.open();
      await harness.close();
    }
  });
});
