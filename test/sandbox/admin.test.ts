import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackAddress, startPlivoSandbox, type PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, findGroup, rent, startTestSandbox } from './helpers.js';
import { until } from '../support/until.js';

let sandbox: PlivoSandbox;
let directory: string;
beforeAll(async () => {
  sandbox = await startTestSandbox();
  directory = await mkdtemp(join(tmpdir(), 'plivo-sandbox-test-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(directory, { recursive: true, force: true });
});

describe('admin access', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['192.168.1.20', false],
    ['::ffff:10.0.0.5', false],
    ['2001:db8::1', false],
    [undefined, false],
  ])('treats %s as loopback: %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });

  it('lists its routes and answers 404 for unknown ones', async () => {
    const index = await admin(sandbox, 'GET', '');
    expect(index.status).toBe(200);
    expect((index.body.routes as string[]).some((route) => route.includes('/__sandbox/state'))).toBe(true);
    expect((await admin(sandbox, 'GET', 'nothing')).status).toBe(404);
  });
});

describe('ground truth', () => {
  it('counts every API request once, by method and route template, not by path', async () => {
    sandbox.reset();
    const numbers = await rent(sandbox, 'country_iso=US&prefix=404', 2);
    for (const number of numbers) await api(sandbox, 'GET', `Number/${number}/`);
    await api(sandbox, 'GET', 'Number/15550000000/');
    await api(sandbox, 'GET', 'AvailableNumberGroup/');
    await api(sandbox, 'GET', 'Number/', { auth: null });
    await api(sandbox, 'PATCH', 'Number/');
    await api(sandbox, 'GET', 'Nowhere/');
    const { requests } = sandbox.snapshot();
    expect(requests.byRoute).toEqual({
      'GET AvailableNumberGroup/': { '200': 1, '400': 1 },
      'POST AvailableNumberGroup/{group_id}/': { '201': 1 },
      'GET Number/{number}/': { '200': 2, '404': 1 },
      'GET Number/': { '401': 1 },
      'PATCH Number/': { '405': 1 },
      'GET (unknown route)': { '404': 1 },
    });
    expect(requests.total).toBe(9);
    expect((await admin(sandbox, 'GET', 'state')).body.requests).toEqual(requests);
  });

  it('shows numbers, charges and stock', async () => {
    sandbox.reset();
    const group = await findGroup(sandbox, 'country_iso=US&prefix=212');
    const numbers = await rent(sandbox, `country_iso=US&prefix=212`, 3);
    const state = (await admin(sandbox, 'GET', 'state')).body as unknown as ReturnType<PlivoSandbox['snapshot']>;
    expect(state.accountId).toBe(sandbox.authId);
    expect(state.numbers.map((entry) => entry.number)).toEqual(numbers);
    expect(state.numbers[0]).toMatchObject({ groupId: group.group_id, countryIso2: 'US', numberType: 'local', alias: null, poolUuid: null });
    expect(state.inventory[group.group_id]).toBe(group.stock - 3);
    const each = Number(group.setup_rate) + Number(group.rental_rate);
    expect(state.charges.total).toBeCloseTo(3 * each, 5);
  });

  it('resets to the initial state for the seed', async () => {
    await rent(sandbox, 'country_iso=US&prefix=212', 2);
    sandbox.setFaults([{ status: 500, path: 'Powerpack' }]);
    const answer = await admin(sandbox, 'POST', 'reset', {});
    expect(answer.status).toBe(200);
    const state = sandbox.snapshot();
    expect(state.numbers).toEqual([]);
    expect(state.charges.total).toBe(0);
    expect(state.requests.total).toBe(0);
    expect(sandbox.faults()).toEqual([]);
    const fresh = await startTestSandbox();
    try {
      expect(state.inventory).toEqual(fresh.snapshot().inventory);
    } finally {
      await fresh.close();
    }
  });
});

describe('state file', () => {
  it('saves on close and continues from the file on the next start', async () => {
    const file = join(directory, 'state.json');
    const first = await startTestSandbox({ stateFile: file, seed: 3 });
    const numbers = await rent(first, 'country_iso=US&prefix=305', 3);
    const pack = await api(first, 'POST', 'Powerpack/', { json: { name: 'kept' } });
    const poolUuid = String(pack.body.number_pool).split('/')[5] ?? '';
    await api(first, 'POST', `NumberPool/${poolUuid}/Number/${String(numbers[0])}/`);
    await rent(first, 'country_iso=FR&prefix=1', 2);
    const before = first.snapshot();
    await first.close();
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ format: 'plivo-sandbox-state/1', seed: 3 });

    const second = await startTestSandbox({ stateFile: file, seed: 3 });
    try {
      const after = second.snapshot();
      expect(after.numbers).toEqual(before.numbers);
      expect(after.pools).toEqual(before.pools);
      expect(after.charges).toEqual(before.charges);
      expect(after.pendingOrders).toEqual(before.pendingOrders);
      expect(after.inventory).toEqual(before.inventory);
      expect((await api(second, 'GET', `NumberPool/${poolUuid}/Number/${String(numbers[0])}/`)).status).toBe(200);
      // The random streams continue: new numbers are new.
      const more = await rent(second, 'country_iso=US&prefix=305', 50);
      for (const number of more) expect(numbers).not.toContain(number);
      expect(Object.keys(second.approvePending())).toEqual(['pending-1']);
    } finally {
      await second.close();
    }
  });

  it('saves soon after a change, without waiting for close', async () => {
    const file = join(directory, 'debounced.json');
    const running = await startTestSandbox({ stateFile: file });
    try {
      await rent(running, 'country_iso=US&prefix=305', 1);
      const savedNumbers = async (): Promise<number> => {
        try {
          return (JSON.parse(await readFile(file, 'utf8')) as { world: { account: { numbers: unknown[] } } }).world.account.numbers.length;
        } catch {
          return 0;
        }
      };
      await until('the state file to be saved', savedNumbers, (saved) => saved > 0, { timeoutMs: 3_000, intervalMs: 25 });
      expect(await savedNumbers()).toBe(1);
    } finally {
      await running.close();
    }
  });

  it('has written a rent and an unrent to the file before it answers them (a SIGKILL right after the answer forgets neither)', async () => {
    const file = join(directory, 'written-before-answer.json');
    // A debounce far longer than the test: only a write made before the answer can be in the file.
    const running = await startTestSandbox({ stateFile: file, stateDebounceMs: 60_000 });
    const saved = async (): Promise<string[]> =>
      (JSON.parse(await readFile(file, 'utf8')) as { world: { account: { numbers: { number: string }[] } } }).world.account.numbers.map((n) => n.number);
    try {
      const numbers = await rent(running, 'country_iso=US&prefix=305', 2);
      expect((await saved()).sort()).toEqual([...numbers].sort());
      expect((await api(running, 'DELETE', `Number/${String(numbers[0])}/`)).status).toBe(204);
      expect(await saved()).toEqual([numbers[1]]);
    } finally {
      await running.close();
    }
  });

  it('refuses a file that does not fit, naming the file', async () => {
    const file = join(directory, 'broken.json');
    await writeFile(file, JSON.stringify({ format: 'plivo-sandbox-state/1', seed: 1 }));
    await expect(startPlivoSandbox({ port: 0, stateFile: file })).rejects.toThrow(/broken\.json/);
  });
});
