/**
 * A port the local stack needs is taken: `npm start` says so in one line naming the flag that moves
 * it, exits 1, prints no stack trace, and never uses another stack's DynamoDB Local found there.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb.js';

const run = promisify(execFile);
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Something else listening on a free port of loopback. */
async function occupied(): Promise<number> {
  const port = await freePort();
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

async function start(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run('npx', ['tsx', 'infra/local/cli.ts', '--no-demo', ...args], {
      timeout: 90_000,
      env: { ...process.env, NUMBER_ORDERS_EXIT_AFTER_DEMO: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

describe('npm start with a port taken', () => {
  it('names --dynamodb-port when DynamoDB Local\'s port is taken, instead of using what listens there', async () => {
    const port = await occupied();
    const { code, stderr } = await start(['--dynamodb-port', String(port), '--api-port', '0', '--sandbox-port', '0', '--sfn-port', '0']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`npm start: port ${port} is in use (another program, or another local stack, listens there): stop it, or start with --dynamodb-port N (--dynamodb-port 0 picks a free port)`);
  }, 120_000);

  it('names --sandbox-port when the sandbox\'s port is taken, in one line without a stack trace', async () => {
    const port = await occupied();
    const { code, stderr } = await start(['--sandbox-port', String(port), '--api-port', '0', '--sfn-port', '0', '--dynamodb-port', '0']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(`port ${port} is in use`)]);
    expect(stderr).toContain('--sandbox-port N');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
