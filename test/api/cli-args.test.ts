import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EXIT, HELP, main, parseCommand, UsageError } from '../../infra/cli/orders.js';

describe('parseCommand', () => {
  it.each([
    [['pool', 'set-policy', 'P', 'policy.json'], 'pool set-policy', ['P', 'policy.json'], {}],
    [['pool', 'set-policy', 'P', '-', '--if-match', '3'], 'pool set-policy', ['P', '-'], { 'if-match': '3' }],
    [['pool', 'policy', 'P', '--json'], 'pool policy', ['P'], { json: true }],
    [['pool', 'delete-policy', 'P'], 'pool delete-policy', ['P'], {}],
    [['pool', 'status', 'P', '--url', 'http://api', '--api-key', 'k'], 'pool status', ['P'], { url: 'http://api', 'api-key': 'k' }],
    [['pool', 'rebalance', 'P', '--dry-run'], 'pool rebalance', ['P'], { 'dry-run': true }],
    [['pool', 'rebalance', '--dry-run', 'P'], 'pool rebalance', ['P'], { 'dry-run': true }],
    [['pool', 'runs', 'P', '--limit', '5'], 'pool runs', ['P'], { limit: '5' }],
    [['get', 'ID'], 'get', ['ID'], {}],
    [['create', '--pool', 'P', '--line', 'US:local:512:5'], 'create', [], { pool: 'P', line: ['US:local:512:5'] }],
  ])('reads %j', (argv, command, args, values) => {
    expect(parseCommand(argv)).toEqual({ command, args, values });
  });

  it('asks for help with --help or help, wherever it is', () => {
    for (const argv of [['--help'], ['help'], ['pool', '--help'], ['pool', 'status', '-h']]) expect(parseCommand(argv)).toEqual({ help: true });
  });

  it.each([
    [[], 'no command given'],
    [['pool'], 'pool needs a command: set-policy, policy, delete-policy, status, rebalance, runs'],
    [['pool', 'frob', 'P'], 'unknown pool command "frob" (set-policy, policy, delete-policy, status, rebalance, runs)'],
    [['pool', 'status'], 'pool status needs a pool uuid P'],
    [['pool', 'set-policy'], 'pool set-policy needs a pool uuid P'],
    [['pool', 'set-policy', 'P'], 'pool set-policy needs a policy FILE (JSON, or - for standard input)'],
    [['pool', 'set-policy', 'P', 'a.json', 'b.json'], 'pool set-policy takes P FILE only; got "P a.json b.json"'],
    [['pool', 'status', 'P', 'Q'], 'pool status takes P only; got "P Q"'],
    [['pool', 'runs', 'P', '--dry-run'], '--dry-run does not apply to pool runs'],
    [['pool', 'status', 'P', '--if-match', '1'], '--if-match does not apply to pool status'],
    [['pool', 'rebalance', 'P', '--pool', 'Q'], '--pool does not apply to pool rebalance'],
    [['pool', 'set-policy', 'P', 'f', '--if-match'], "Option '--if-match <value>' argument missing"],
    [['get'], 'get needs one order id'],
    [['list', 'x'], 'list takes no arguments; got "x"'],
    [['create', '--if-match', '1'], '--if-match does not apply to create'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe('pool commands’ usage errors, before any request', () => {
  async function cli(argv: string[]) {
    let stdout = '';
    let stderr = '';
    const requests: string[] = [];
    const code = await main(argv, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      fetch: async (input) => {
        requests.push(String(input));
        throw new Error('no request expected');
      },
    });
    return { code, stdout, stderr, requests };
  }

  it.each([
    [['pool', 'set-policy', 'P', 'policy.json', '--if-match', 'latest'], '--if-match must be a policy version, a whole number such as 3 (pool policy P shows it); got "latest"'],
    [['pool', 'set-policy', 'P', '/nonexistent/policy.json'], 'cannot read the policy file "/nonexistent/policy.json": ENOENT'],
    [['pool', 'runs', 'P', '--limit', '0'], '--limit must be a positive whole number; got "0"'],
  ])('%j exits 2 naming the problem', async (argv, message) => {
    const run = await cli(argv);
    expect(run).toMatchObject({ code: EXIT.usage, stdout: '', requests: [] });
    expect(run.stderr).toContain(`error: ${message}`);
    expect(run.stderr).toMatch(/\nrun with --help for usage\n$/);
  });
});

describe('an API error', () => {
  it('on a 500, prints the request id to quote', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal error', requestId: 'req-5f1d' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      let stderr = '';
      const code = await main(['pool', 'status', 'P'], {
        stdout: { write: () => undefined },
        stderr: { write: (text: string) => (stderr += text) },
        env: { NUMBER_ORDERS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
      });
      expect(code).toBe(EXIT.failed);
      expect(stderr).toBe('error: HTTP 500: internal error\nrequest id req-5f1d: quote it when asking for help\n');
    } finally {
      server.close();
    }
  });
});

describe('HELP', () => {
  it('shows the numbers= and compliance= line filters', () => {
    for (const words of ['numbers=N,N', 'compliance=ID', 'US:local:numbers=14155550100,14155550101', 'FR:local:compliance=CA1:5']) expect(HELP).toContain(words);
  });

  it('shows how to link lines to a 10DLC campaign', () => {
    for (const words of ['campaign=ID', 'US:local:512:campaign=CUOGHIN:10', '--campaign ID', '--link-deadline-hours H']) expect(HELP).toContain(words);
  });

  it('names every pool command and option', () => {
    for (const words of ['pool set-policy P FILE [--if-match V]', 'pool policy P', 'pool delete-policy P', 'pool status P', 'pool rebalance P [--dry-run]', 'pool runs P [--limit N]', '--if-match V', '--json']) {
      expect(HELP).toContain(words);
    }
  });
});
