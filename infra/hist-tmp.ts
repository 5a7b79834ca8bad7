import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { startLocalStack } from './local/stack.js';
import { createSfnClient } from '../functions/lib/aws-clients.js';
const slots = process.argv[2];
const stack = await startLocalStack({ apiPort: 0, sandboxPort: 0, sfnPort: 0, dynamodbPort: 0, reconcileIntervalSeconds: 0, seed: 3, ...(slots ? { workSlots: slots } : {}) });
const pool = (await (await fetch(`${stack.plivoUrl}/v1/Account/${stack.plivoAuthId}/Powerpack/`, { method: 'POST', headers: { authorization: 'Basic ' + Buffer.from(`${stack.plivoAuthId}:${stack.plivoAuthToken}`).toString('base64'), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) })).json()) as { number_pool: string };
const poolUuid = pool.number_pool.split('/').filter(Boolean).at(-1);
const prefixes = ['512', '415', '213', '312', '305', '617', '713', '737', '916', '714'];
const t0 = Date.now();
const res = await fetch(`${stack.apiUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey }, body: JSON.stringify({ poolUuid, lines: prefixes.map((prefix) => ({ countryIso: 'US', numberType: 'local', prefix, quantity: 10 })) }) });
const body = (await res.json()) as { executionArn: string };
await stack.stepFunctions.waitForExecution(body.executionArn);
console.log('took', Date.now() - t0);
const sfn = createSfnClient({ SFN_ENDPOINT: stack.sfnEndpoint, AWS_REGION: 'us-east-1' } as never);
const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: body.executionArn, maxResults: 1000 }));
const start = h.events?.[0]?.timestamp?.getTime() ?? 0;
for (const e of h.events ?? []) {
  const d = e.stateEnteredEventDetails ?? e.stateExitedEventDetails;
  if (e.type?.endsWith('StateEntered') || e.type === 'TaskSucceeded' || e.type === 'TaskStarted') console.log(((e.timestamp?.getTime() ?? 0) - start).toString().padStart(6), e.type, d?.name ?? '');
}
await stack.close();
process.exit(0);
