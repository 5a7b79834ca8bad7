/**
 * `npm start -- --data-dir DIR` through real processes: a stack started as `npm start` starts it, an
 * order of several lines placed through the HTTP API, the whole process group (DynamoDB Local's
 * java included) killed with SIGKILL mid-order, and a restart with the same directory. The order
 * ends as it would have without the kill, and the account audit finds nothing owned by nobody and
 * no record whose number is gone. A second stack on the same directory refuses in one line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAudit } from '../../infra/audit/cli.js';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { SANDBOX_DEFAULTS } from '../../infra/local/plivo-sandbox/server.js';
import { until } from '../support/until.js';

const LINES = [
  { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 8 },
  { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 8 },
  { countryIso: 'CA', numberType: 'local', quantity: 8 },
];
const ORDERED = LINES.reduce((sum, line) => sum + line.quantity, 0);
const FREE_PORTS = ['--api-port', '0', '--sandbox-port', '0', '--sfn-port', '0', '--dynamodb-port', '0'];

interface Started {
  child: ChildProcess;
  apiUrl: string;
  sandboxUrl: string;
  dynamodbUrl: string;
  out: () => string;
}

let directory: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'number-orders-data-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGKILL');
  await rm(directory, { recursive: true, force: true });
});

/** `npm start` as a user runs it, in its own process group (so DynamoDB Local's java can be killed with it). */
function launch(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['infra/local/cli.ts', '--no-demo', ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid ?? 0), signal);
  } catch {
    // already gone
  }
}

async function startStack(): Promise<Started> {
  const launched = launch(['--data-dir', directory, ...FREE_PORTS, '--latency-ms', '10', '--reconcile-interval', '0']);
  const url = (label: string) => new RegExp(`^${label}\\s+(http://\\S+)`, 'm').exec(launched.out())?.[1];
  await until('the stack to serve', async () => url('API') ?? (launched.child.exitCode === null ? undefined : `exited: ${launched.err()}`), Boolean, {
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  const apiUrl = url('API') ?? '';
  expect(apiUrl).toMatch(/^http:/);
  return { child: launched.child, apiUrl, sandboxUrl: url('Plivo sandbox') ?? '', dynamodbUrl: url('DynamoDB') ?? '', out: launched.out };
}

async function api<T>(stack: Started, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': 'local-dev-key' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

function plivo(stack: Started): PlivoClient {
  return new PlivoClient({ authId: SANDBOX_DEFAULTS.authId, authToken: SANDBOX_DEFAULTS.authToken, baseUrl: stack.sandboxUrl, limiter: unlimited });
}

async function accountSize(stack: Started): Promise<number> {
  const state = (await (await fetch(`${stack.sandboxUrl}/__sandbox/state`)).json()) as { numbers: unknown[] };
  return state.numbers.length;
}

interface OrderView {
  status: string;
  lines: { status: string }[];
}

it('an order interrupted by kill -9 of the whole stack ends COMPLETED after a restart with the same directory; the audit is clean', async () => {
  const first = await startStack();
  const poolUuid = poolUuidOf(await plivo(first).createPowerpack({ name: 'data-dir' }));
  const placed = await api<{ orderId: string }>(first, 'POST', '/orders', { poolUuid, service: 'sms', lines: LINES });
  expect(placed.status).toBe(202);
  const { orderId } = placed.body;
  // Mid-order: some numbers rented, the order still running.
  const killedWith = await until('some numbers rented', () => accountSize(first), (size) => size >= 4, { timeoutMs: 30_000, intervalMs: 20 });
  const exited = new Promise((resolve) => first.child.once('exit', resolve));
  killGroup(first.child, 'SIGKILL');
  await exited;
  // The whole group is gone: DynamoDB Local does not answer on its port any more.
  await expect(fetch(first.dynamodbUrl)).rejects.toThrow();

  const restartedAt = Date.now();
  const second = await startStack();
  const servingMs = Date.now() - restartedAt;
  const before = await api<OrderView>(second, 'GET', `/orders/${orderId}`);
  expect(before.status).toBe(200);
  const ended = await until(
    'the order to end',
    async () => (await api<OrderView>(second, 'GET', `/orders/${orderId}`)).body,
    (order) => !['ACCEPTED', 'IN_PROGRESS', 'PLANNING'].includes(order.status),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const recoveryMs = Date.now() - restartedAt;
  expect(ended.status).toBe('COMPLETED');
  expect(ended.lines.map((line) => line.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  expect(second.out()).toMatch(/Recovery\s+1 executions were running when the stack stopped .* recovered 1 orders/);

  const audit = await runAudit({
    plivoUrl: second.sandboxUrl,
    plivoAuthId: SANDBOX_DEFAULTS.authId,
    plivoAuthToken: SANDBOX_DEFAULTS.authToken,
    dynamodbUrl: second.dynamodbUrl,
    table: 'number-orders',
    rateLimit: 'off',
    json: false,
    help: false,
  });
  expect({ gone: audit.gone, provable: audit.provableOrphans, foreign: audit.foreignNumbers, twice: audit.ownedTwice }).toEqual({ gone: [], provable: [], foreign: [], twice: {} });
  expect(audit).toMatchObject({ clean: true, accountNumbers: ORDERED, owned: ORDERED, ownedByOrder: { [orderId]: ORDERED } });
  const pass = /^Recovery .*\((\d+) ms\)$/m.exec(second.out())?.[1];
  process.stdout.write(`kill-and-restart: reconciler pass at start ${pass ?? '?'} ms; ${ORDERED} numbers ordered in ${LINES.length} lines; killed with ${killedWith} or more in the account; restarted stack serving after ${servingMs} ms, order ${ended.status} ${recoveryMs} ms after the restart began; audit clean\n`);

  // A second stack on the same directory while this one runs: one line, exit 1. And another
  // directory on this stack's DynamoDB port: refused too, never used silently.
  const other = launch(['--data-dir', directory, ...FREE_PORTS]);
  const port = new URL(second.dynamodbUrl).port;
  const samePort = launch(['--data-dir', join(directory, 'elsewhere'), '--api-port', '0', '--sandbox-port', '0', '--sfn-port', '0', '--dynamodb-port', port]);
  expect(await Promise.all([other.exited, samePort.exited])).toEqual([1, 1]);
  expect(other.err().trim().split('\n')).toEqual([expect.stringMatching(/^npm start: data directory .* is in use by another local stack \(pid \d+\): stop that one, or start with another --data-dir$/)]);
  expect(samePort.err().trim()).toContain(`port ${port} is in use`);

  const stopped = new Promise((resolve) => second.child.once('exit', resolve));
  killGroup(second.child, 'SIGTERM');
  await stopped;
}, 120_000);
