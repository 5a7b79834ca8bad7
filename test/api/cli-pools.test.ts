/**
 * The orders CLI's `pool` commands through the whole local stack: policies from a file and from
 * standard input, the pool's state, rebalance runs (dry and real, the order going through the
 * order workflow to the Plivo sandbox), the runs' list, and the API's refusals as exit codes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { EXIT, main, type CliIo } from '../../infra/cli/orders.js';
import { localDynamoDbClient } from '../../infra/local/dynamodb.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';

let stack: LocalStack;
let plivo: PlivoClient;
let dir: string;

beforeAll(async () => {
  // The run's DynamoDB Local, a table of our own: no second Java process.
  stack = await startLocalStack({
    apiPort: 0,
    sandboxPort: 0,
    sfnPort: 0,
    dynamodbUrl: inject('dynamodbEndpoint'),
    tableName: `test-${randomUUID()}`,
    reconcileIntervalSeconds: 0,
    retryPauseMs: 50,
    seed: 8,
  });
  plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  dir = await mkdtemp(join(tmpdir(), 'orders-cli-pools-'));
}, 120_000);
afterAll(async () => {
  await stack?.close();
  if (stack) {
    const client = localDynamoDbClient(stack.dynamodbEndpoint);
    await client.send(new DeleteTableCommand({ TableName: stack.tableName }));
    client.destroy();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { stdin?: CliIo['stdin'] } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text) },
    env: { NUMBER_ORDERS_URL: stack.apiUrl, NUMBER_ORDERS_API_KEY: stack.apiKey },
    ...(options.stdin ? { stdin: options.stdin } : {}),
  });
  return { code, stdout, stderr };
}

async function policyFile(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const newPool = async (name: string) => poolUuidOf(await plivo.createPowerpack({ name }));
const rule = (min: number, target: number, max: number) => ({ countryIso: 'US', numberType: 'local', prefix: '512', min, target, max });
/** A row of the rule table: `#  rule  inPool  inTransit  min  target  max  decision  quantity  orderId`. */
const row = (...cells: (string | number)[]) => new RegExp(`^${cells.map((c) => String(c).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+')}$`, 'm');

describe('pool commands through the local stack', () => {
  it('sets a policy from a file, shows the state, rebalances (dry run, then for real) and lists the runs', async () => {
    const poolUuid = await newPool('cli-deficit');
    const filled = await cli(['create', '--pool', poolUuid, '--line', 'US:local:512:3', '--watch', '--interval', '50']);
    expect(filled.code, filled.stderr).toBe(EXIT.ok);

    const file = await policyFile('deficit.json', { rules: [rule(5, 10, 15)], maxMonthlyIncrease: '100.00' });
    const set = await cli(['pool', 'set-policy', poolUuid, file]);
    expect(set).toEqual({
      code: EXIT.ok,
      stdout: `policy of pool ${poolUuid} stored: version 1, 1 rule\nwhat a run would do: npm run orders -- pool status ${poolUuid}\n`,
      stderr: '',
    });

    const policy = await cli(['pool', 'policy', poolUuid]);
    expect(policy.code).toBe(EXIT.ok);
    expect(policy.stdout).toMatch(new RegExp(`^pool ${poolUuid} policy version 1 \\(updated \\d{4}-`));
    expect(policy.stdout).toContain('service sms  releaseSurplus false  releaseWithinDaysOfRenewal 3  maxMonthlyIncrease 100.00  partialAllowed true');
    expect(policy.stdout).toMatch(row(0, 'US local prefix 512', 5, 10, 15));

    const before = await cli(['pool', 'status', poolUuid]);
    expect(before.code).toBe(EXIT.ok);
    expect(before.stdout).toMatch(row('#', 'rule', 'inPool', 'inTransit', 'min', 'target', 'max', 'decision', 'quantity', 'orderId'));
    expect(before.stdout).toMatch(row(0, 'US local prefix 512', 3, 0, 5, 10, 15, 'order', 7));
    expect(before.stdout).toMatch(/^a run would order 7 numbers, estimated monthly increase \d+\.\d\d USD$/m);
    expect(before.stdout).toContain(`run it: npm run orders -- pool rebalance ${poolUuid} --url ${stack.apiUrl}`);
    expect((await cli(['pool', 'runs', poolUuid])).stdout).toBe('no runs\n');

    const dry = await cli(['pool', 'rebalance', poolUuid, '--dry-run']);
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toMatch(new RegExp(`^run \\d{13}-[0-9a-f]{8} of pool ${poolUuid}: dry run, nothing ordered or released \\(policy version 1, api, `));
    expect(dry.stdout).toMatch(row(0, 'US local prefix 512', 3, 0, 5, 10, 15, 'order', 7));
    expect(dry.stdout).toContain('would order 7 numbers');
    expect(dry.stdout).not.toContain('watch it');

    const real = await cli(['pool', 'rebalance', poolUuid]);
    expect(real.code).toBe(EXIT.ok);
    const orderId = new RegExp(`^order ([0-9a-f-]{36}) placed: 7 numbers; watch it: npm run orders -- watch \\1 --url ${stack.apiUrl}$`, 'm').exec(real.stdout)?.[1] ?? '';
    expect(orderId, real.stdout).not.toBe('');
    expect(real.stdout).toMatch(new RegExp(`^run \\S+ of pool ${poolUuid}: applied \\(policy version 1, api, `));
    expect(real.stdout).toMatch(row(0, 'US local prefix 512', 3, 0, 5, 10, 15, 'order', 7, orderId));
    const order = await stack.store.orders.get(orderId);
    expect(order.requested).toBe(7);
    await stack.stepFunctions.waitForExecution(order.executionArn ?? '');

    const after = await cli(['pool', 'status', poolUuid]);
    expect(after.stdout).toMatch(row(0, 'US local prefix 512', 10, 0, 5, 10, 15, 'ok', 0));
    expect(after.stdout).not.toContain('run it');

    const runs = await cli(['pool', 'runs', poolUuid]);
    expect(runs.code).toBe(EXIT.ok);
    const lines = runs.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d{13}-[0-9a-f]{8}  \\d{4}-\\S+  applied  api  v1  order 7  ${orderId}$`));
    expect(lines[1]).toMatch(new RegExp(`^\\d{13}-[0-9a-f]{8}  \\d{4}-\\S+  dry-run  api  v1  order 7$`));
    expect((await cli(['pool', 'runs', poolUuid, '--limit', '1'])).stdout.trimEnd().split('\n')).toEqual([lines[0]]);
  }, 60_000);

  it('reads a policy from standard input, prints the API’s JSON with --json, and deletes the policy', async () => {
    const poolUuid = await newPool('cli-json');
    const set = await cli(['pool', 'set-policy', poolUuid, '-', '--json'], { stdin: Readable.from([JSON.stringify({ rules: [rule(1, 2, 3)] })]) });
    expect(set.code, set.stderr).toBe(EXIT.ok);
    expect(JSON.parse(set.stdout)).toMatchObject({ poolUuid, version: 1, policy: { service: 'sms', rules: [rule(1, 2, 3)] } });

    const status = JSON.parse((await cli(['pool', 'status', poolUuid, '--json'])).stdout) as { rules: unknown[] };
    expect(status.rules).toEqual([expect.objectContaining({ inPool: 0, inTransit: 0, decision: 'order', quantity: 2 })]);
    const dry = JSON.parse((await cli(['pool', 'rebalance', poolUuid, '--dry-run', '--json'])).stdout) as { runId: string; dryRun: boolean; orderId?: string };
    expect(dry).toMatchObject({ dryRun: true, rules: [{ decision: 'order', quantity: 2 }] });
    expect(dry.orderId).toBeUndefined();
    expect(JSON.parse((await cli(['pool', 'runs', poolUuid, '--json'])).stdout)).toMatchObject({ poolUuid, runs: [{ runId: dry.runId }] });
    expect(JSON.parse((await cli(['pool', 'policy', poolUuid, '--json'])).stdout)).toMatchObject({ version: 1 });

    expect(await cli(['pool', 'delete-policy', poolUuid])).toEqual({ code: EXIT.ok, stdout: `policy of pool ${poolUuid} deleted: the pool is no longer rebalanced\n`, stderr: '' });
    const gone = await cli(['pool', 'status', poolUuid]);
    expect(gone).toMatchObject({ code: EXIT.failed, stdout: '' });
    expect(gone.stderr).toBe(`error: HTTP 404: pool ${poolUuid} has no policy\n`);
  });

  it('exits 1 with the API’s words for a bad policy or a stale --if-match, and 2 for a missing, unreadable or non-JSON file', async () => {
    const poolUuid = await newPool('cli-refusals');
    const bad = await cli(['pool', 'set-policy', poolUuid, await policyFile('bad.json', { rules: [rule(20, 10, 5)] })]);
    expect(bad).toMatchObject({ code: EXIT.failed, stdout: '' });
    expect(bad.stderr).toMatch(/^error: HTTP 422: rules\.0\.min: min must not be above target \(and 1 more problem\)\n {2}rules\.0\.max: max must not be below target\n$/);

    const good = await policyFile('good.json', { rules: [rule(1, 2, 3)] });
    expect((await cli(['pool', 'set-policy', poolUuid, good])).stdout).toContain('version 1');
    expect((await cli(['pool', 'set-policy', poolUuid, good, '--if-match', '1'])).stdout).toContain('version 2');
    const stale = await cli(['pool', 'set-policy', poolUuid, good, '--if-match', '1']);
    expect(stale).toMatchObject({ code: EXIT.failed, stdout: '' });
    expect(stale.stderr).toBe('error: HTTP 412: If-Match: the policy is at version 2, not 1\n');

    const usage: [string[], string][] = [
      [['pool', 'set-policy', poolUuid], 'pool set-policy needs a policy FILE (JSON, or - for standard input)'],
      [['pool', 'set-policy', poolUuid, join(dir, 'no-such.json')], `cannot read the policy file "${join(dir, 'no-such.json')}": ENOENT`],
      [['pool', 'set-policy', poolUuid, await policyFile('not.json', '{"rules": [')], 'is not JSON'],
      [['pool', 'set-policy', poolUuid, good, '--if-match', 'latest'], '--if-match must be a policy version'],
    ];
    for (const [argv, message] of usage) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(EXIT.usage);
      expect(run.stderr).toContain(message);
      expect(run.stderr).toMatch(/\nrun with --help for usage\n$/);
    }
    // Nothing refused was stored.
    expect((await cli(['pool', 'policy', poolUuid])).stdout).toContain('policy version 2');
  });
});
