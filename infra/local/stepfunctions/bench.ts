/**
 * How fast the local Step Functions endpoint runs: one Map of N iterations with four Lambda tasks
 * each (both task styles), then many small executions side by side, all through `SFNClient`.
 *
 *   npx tsx infra/local/stepfunctions/bench.ts [iterations=1000] [maxConcurrency=40] [executions=200]
 */
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { lambdaFunctionArn, startLocalStepFunctions } from './index.js';

const [iterations = 1000, maxConcurrency = 40, executions = 200] = process.argv.slice(2).map(Number);

const invoke = (name: string, next: string | undefined): Record<string, unknown> => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: lambdaFunctionArn(name), 'Payload.$': '$' },
  ResultSelector: { 'value.$': '$.Payload.value' },
  ResultPath: `$.${name}`,
  TimeoutSeconds: 10,
  ...(next === undefined ? { End: true } : { Next: next }),
});
const direct = (name: string, next: string | undefined): Record<string, unknown> => ({
  Type: 'Task',
  Resource: lambdaFunctionArn(name),
  ResultPath: `$.${name}`,
  TimeoutSeconds: 10,
  ...(next === undefined ? { End: true } : { Next: next }),
});

const mapMachine = JSON.stringify({
  StartAt: 'Lines',
  States: {
    Lines: {
      Type: 'Map',
      ItemsPath: '$.lines',
      MaxConcurrency: maxConcurrency,
      ItemProcessor: {
        StartAt: 'Search',
        States: { Search: direct('search', 'Rent'), Rent: invoke('rent', 'Assign'), Assign: direct('assign', 'Verify'), Verify: invoke('verify', undefined) },
      },
      ResultSelector: { 'count.$': 'States.ArrayLength($)' },
      End: true,
    },
  },
});
const smallMachine = JSON.stringify({
  StartAt: 'Search',
  States: { Search: direct('search', 'Rent'), Rent: invoke('rent', 'Verify'), Verify: direct('verify', undefined) },
});

const handler = async (event: unknown): Promise<unknown> => ({ value: typeof event === 'object' ? 1 : 0 });
let startedAt = performance.now();
const local = await startLocalStepFunctions({
  port: 0,
  stateMachines: [
    { name: 'bench-map', definition: mapMachine },
    { name: 'bench-small', definition: smallMachine },
  ],
  lambdaHandlers: Object.fromEntries(['search', 'rent', 'assign', 'verify'].map((name) => [lambdaFunctionArn(name), handler])),
});
console.log(`registered 2 state machines (validated once each) in ${Math.round(performance.now() - startedAt)} ms`);
const sfn = new SFNClient({ endpoint: local.endpoint, region: local.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

const lines = Array.from({ length: iterations }, (_, index) => ({ lineId: `L${index}`, countryIso: 'US', prefix: '512', quantity: 1 }));
let executionArn = '';
// Three runs: the first one also pays for the JIT warming up.
for (let run = 1; run <= 3; run += 1) {
  startedAt = performance.now();
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: local.stateMachineArn('bench-map'), input: JSON.stringify({ lines }) }));
  executionArn = started.executionArn ?? '';
  const ended = await local.waitForExecution(executionArn);
  const mapMs = performance.now() - startedAt;
  const stats = local.stats(executionArn);
  console.log(
    `run ${run}: Map of ${iterations} iterations x 4 tasks (MaxConcurrency ${maxConcurrency}): ${ended.status} in ${Math.round(mapMs)} ms; ` +
      `${stats.transitions} transitions, ${stats.totalLambdaInvocations} invocations, ${stats.historyEvents} history events, largest payload ${stats.maxPayloadBytes} B`,
  );
}
startedAt = performance.now();
let pages = 0;
let nextToken: string | undefined;
do {
  const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
  nextToken = page.nextToken;
  pages += 1;
} while (nextToken !== undefined);
console.log(`read its history (${pages} pages of 1000) in ${Math.round(performance.now() - startedAt)} ms`);

startedAt = performance.now();
const arns = await Promise.all(
  Array.from({ length: executions }, async (_, index) => {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: local.stateMachineArn('bench-small'), input: JSON.stringify({ orderId: index }) }));
    return started.executionArn ?? '';
  }),
);
const results = await Promise.all(arns.map((arn) => local.waitForExecution(arn)));
const failed = results.filter((result) => result.status !== 'SUCCEEDED').length;
console.log(`${executions} executions of 3 tasks side by side: ${Math.round(performance.now() - startedAt)} ms (${failed} not succeeded)`);

sfn.destroy();
await local.close();
