import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, HELP, main, type CliIo } from '../../infra/cli/orders.js';
import { API_KEY, startApiHarness, type ApiHarness } from './support/harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(() => api.close());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { tty?: boolean; env?: Record<string, string>; sleep?: CliIo['sleep']; confirm?: CliIo['confirm'] } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (stderr += text) },
    env: { NUMBER_ORDERS_URL: api.url, NUMBER_ORDERS_API_KEY: API_KEY, ...options.env },
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.confirm ? { confirm: options.confirm } : {}),
  });
  return { code, stdout, stderr };
}

const orderIdIn = (text: string) => /order ([0-9a-f-]{36})/.exec(text)?.[1] as string;

describe('the orders CLI', () => {
  it('prints help that names every command and option it takes', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toBe(`${HELP}`);
    for (const word of ['create', 'get', 'watch', 'list', 'numbers', '--pool', '--line', '--no-partial', '--dry-run', '--reference', '--callback-url', '--idempotency-key', '--yes', '--status', '--limit', '--url', '--api-key', '--json']) {
      expect(HELP).toContain(word);
    }
  });

  it('creates an order from line specs', async () => {
    const run = await cli(['create', '--pool', 'pool-cli', '--line', 'US:local:512:25', '--line', 'CA:local::15', '--line', 'US:local:region=Texas:10', '--no-partial', '--reference', 'cli-1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^order [0-9a-f-]{36} accepted: 50 numbers in 3 lines\nexecution arn:aws:states:/);
    const stored = await api.store.orders.get(orderIdIn(run.stdout));
    expect(stored.request).toMatchObject({ poolUuid: 'pool-cli', partialAllowed: false, reference: 'cli-1', service: 'sms', dryRun: false });
    expect((await api.store.lines.list(stored.orderId)).map((l) => l.spec)).toEqual([
      { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 25 },
      { countryIso: 'CA', numberType: 'local', quantity: 15 },
      { countryIso: 'US', numberType: 'local', region: 'Texas', quantity: 10 },
    ]);
  });

  it('asks before a big order, and places it only with a yes or --yes', async () => {
    const before = (await api.store.orders.list({ limit: 100 })).items.length;
    const big = ['create', '--pool', 'pool-big', '--line', 'US:local::512'];
    // No terminal to ask on: refused, naming --yes.
    const refused = await cli(big);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain('this order rents 512 numbers: add --yes to place it');
    const questions: string[] = [];
    const declined = await cli(big, { confirm: async (question) => (questions.push(question), false) });
    expect(declined.code).toBe(EXIT.usage);
    expect(questions).toEqual(['This order rents 512 numbers. Place it? [y/N] ']);
    // Its cost bound: 60 numbers at up to $2 a month.
    const dear = await cli(['create', '--pool', 'pool-big', '--line', 'US:local:512:60', '--max-monthly-rate', '2.00']);
    expect(dear.stderr).toContain('this order rents 60 numbers (up to $120.00 a month at --max-monthly-rate 2.00): add --yes');
    expect((await api.store.orders.list({ limit: 100 })).items.length).toBe(before);
    const yes = await cli([...big, '--yes']);
    expect(yes.code).toBe(EXIT.ok);
    const asked = await cli(big, { confirm: async () => true });
    expect(asked.code).toBe(EXIT.ok);
    // A dry run rents nothing: no question.
    expect((await cli([...big, '--dry-run'])).code).toBe(EXIT.ok);
  });

  it('replays with an idempotency key, and prints JSON with --json', async () => {
    const argv = ['create', '--pool', 'pool-cli', '--line', 'US:tollfree:800:5', '--dry-run', '--idempotency-key', 'cli-key', '--json'];
    const first = await cli(argv);
    const second = await cli(argv);
    expect(JSON.parse(first.stdout)).toEqual(JSON.parse(second.stdout));
    expect(JSON.parse(first.stdout)).toMatchObject({ dryRun: true, status: 'RECEIVED' });
  });

  it('refuses a bad line before calling the API, and shows the API’s refusals', async () => {
    api.sfnMock.resetHistory();
    const local = await cli(['create', '--pool', 'p', '--line', 'US:local:51x:5']);
    expect(local).toMatchObject({ code: EXIT.usage, stdout: '' });
    expect(local.stderr).toContain('--line "US:local:51x:5": prefix: must be 1 to 5 digits');

    const remote = await cli(['create', '--pool', 'bad pool!', '--line', 'US:local:512:5', '--callback-url', 'ftp://x']);
    expect(remote.code).toBe(EXIT.failed);
    expect(remote.stderr).toMatch(/^error: HTTP 422: poolUuid: must be a Plivo number pool uuid \(and 1 more problem\)\n {2}callbackUrl: must be an http\(s\) URL/);
    expect(api.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('says plainly when the key is wrong or the API is not there', async () => {
    const wrong = await cli(['list', '--api-key', 'nope']);
    expect(wrong.code).toBe(EXIT.failed);
    expect(wrong.stderr).toContain('error: HTTP 403: API key in the x-api-key header is not valid');
    expect(wrong.stderr).not.toContain('nope');

    const away = await cli(['list', '--url', 'http://127.0.0.1:1']);
    expect(away.code).toBe(EXIT.failed);
    expect(away.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1 .*is the API running/);
  });

  it('refuses bad usage with exit code 2', async () => {
    for (const argv of [[], ['frob'], ['get'], ['get', 'a', 'b'], ['get', 'x', '--pool', 'p'], ['list', '--status', 'DONE'], ['watch', 'x', '--interval', '0'], ['create', '--line', 'US:local::1'], ['create', '--pool', 'p']]) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(EXIT.usage);
      expect(run.stderr, argv.join(' ')).toMatch(/^error: .+\nrun with --help for usage\n$/);
    }
  });

  it('gets an order, lists orders by status, and lists numbers', async () => {
    const created = await cli(['create', '--pool', 'pool-get', '--line', 'US:local:512:3']);
    const orderId = orderIdIn(created.stdout);
    await api.store.numbers.claim(orderId, 0, 'g-512', ['15125550001', '15125550002']);
    await api.store.orders.setStatus(orderId, 'IN_PROGRESS');

    const get = await cli(['get', orderId]);
    expect(get.code).toBe(EXIT.ok);
    expect(get.stdout).toBe(`order ${orderId} IN_PROGRESS 0/3 verified\nline 0 US local prefix 512: RECEIVED requested 3 rented 2 assigned 0 verified 0\n`);

    const json = await cli(['get', orderId, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ orderId, status: 'IN_PROGRESS', totals: { rented: 2 } });

    const list = await cli(['list', '--status', 'IN_PROGRESS']);
    expect(list.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^ORDER\s+STATUS\s+NUMBERS\s+CREATED\s+DRY RUN\s+REFERENCE$/),
      expect.stringMatching(new RegExp(`^${orderId}\\s+IN_PROGRESS\\s+3\\s+\\d{4}-`)),
    ]);

    const numbers = await cli(['numbers', orderId]);
    expect(numbers.stdout).toBe('15125550001  RENTED    line 0  group g-512\n15125550002  RENTED    line 0  group g-512\n');
    const one = await cli(['numbers', orderId, '--limit', '1', '--json']);
    expect(one.stdout.trim().split('\n').map((l) => JSON.parse(l).number)).toEqual(['15125550001']);
    const page = await cli(['list', '--limit', '1']);
    // Runnable as printed: the API is not at the default URL, so the hint names it.
    expect(page.stderr).toMatch(new RegExp(`^more: npm run orders -- list --cursor \\S+ --url ${api.url}\\n$`));
  });

  it('watches an order until it completes (exit 0), printing a line per change', async () => {
    const created = await cli(['create', '--pool', 'pool-watch', '--line', 'US:local:512:2']);
    const orderId = orderIdIn(created.stdout);
    const steps = [
      () => api.store.orders.setStatus(orderId, 'IN_PROGRESS'),
      () => api.store.numbers.claim(orderId, 0, 'g', ['15125550101', '15125550102']),
      async () => undefined, // nothing changes: nothing printed
      () => api.store.orders.setStatus(orderId, 'COMPLETED'),
    ];
    const run = await cli(['watch', orderId], { sleep: async () => (await steps.shift()?.()) ?? undefined });
    expect(run.code).toBe(EXIT.ok);
    const blocks = run.stdout.trim().split(/\n(?=order )/);
    expect(blocks.map((b) => b.split('\n')[0])).toEqual([
      `order ${orderId} RECEIVED 0/2 verified`,
      `order ${orderId} IN_PROGRESS 0/2 verified`,
      `order ${orderId} IN_PROGRESS 0/2 verified`,
      `order ${orderId} COMPLETED 0/2 verified`,
    ]);
    expect(blocks[2]).toContain('rented 2');
    expect(run.stderr).toBe(`order ${orderId} ended COMPLETED\n`);
  });

  it('watches with bars on a terminal, redrawing in place, and exits 3 when the order fails', async () => {
    const created = await cli(['create', '--pool', 'pool-watch', '--line', 'US:local:512:2', '--watch'], {
      tty: true,
      sleep: async () => {
        const { items } = await api.store.orders.list({ limit: 1 });
        await api.store.orders.setStatus(items[0]?.orderId as string, 'FAILED');
      },
    });
    expect(created.code).toBe(EXIT.orderNotCompleted);
    expect(created.stdout).toContain('░░░░');
    expect(created.stdout).toContain('\x1b[2F\x1b[J'); // second drawing replaces the first two lines
    expect(created.stderr).toMatch(/ended FAILED\n$/);
  });

  it('exits non-zero for an unknown order', async () => {
    const run = await cli(['watch', '00000000-0000-4000-8000-000000000000']);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stderr).toContain('HTTP 404: order 00000000-0000-4000-8000-000000000000 does not exist');
  });
});
