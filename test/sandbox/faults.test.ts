import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, findGroup, startTestSandbox, type GroupObject } from './helpers.js';

let sandbox: PlivoSandbox;
let group: GroupObject;
beforeAll(async () => {
  sandbox = await startTestSandbox({ seed: 42 });
  group = await findGroup(sandbox, 'country_iso=US&prefix=512');
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const rentPath = (): string => `AvailableNumberGroup/${group.group_id}/`;
const rentTwo = () => api(sandbox, 'POST', rentPath(), { json: { quantity: 2 } });
const ROUTE = 'POST AvailableNumberGroup/{group_id}/';

describe('fault rules', () => {
  it('"before": answers the error and changes nothing', async () => {
    const set = await admin(sandbox, 'POST', 'faults', { rules: [{ method: 'POST', path: 'AvailableNumberGroup', status: 500 }] });
    expect(set.status).toBe(200);
    const answer = await rentTwo();
    expect(answer.status).toBe(500);
    expect(answer.body.error).toContain('injected');
    const snapshot = sandbox.snapshot();
    expect(snapshot.numbers).toEqual([]);
    expect(snapshot.inventory[group.group_id]).toBe(group.stock);
    expect(snapshot.requests.byRoute[ROUTE]).toEqual({ '500': 1 });
    expect((await admin(sandbox, 'GET', 'faults')).body.rules).toEqual([expect.objectContaining({ status: 500, fired: 1 })]);
  });

  it('"after": carries the call out, then answers the error anyway', async () => {
    sandbox.setFaults([{ path: 'AvailableNumberGroup/', status: 503, when: 'after' }]);
    const answer = await rentTwo();
    expect(answer.status).toBe(503);
    const snapshot = sandbox.snapshot();
    expect(snapshot.numbers).toHaveLength(2);
    expect(snapshot.inventory[group.group_id]).toBe(group.stock - 2);
    expect(snapshot.charges.total).toBeGreaterThan(0);
    // Even a call that fails validation answers the injected error.
    expect((await api(sandbox, 'POST', rentPath(), { json: { quantity: 0 } })).status).toBe(503);
  });

  it('matches method and path: a GET rule leaves POSTs alone', async () => {
    sandbox.setFaults([{ method: 'get', path: 'Number/', status: 500 }]);
    expect((await rentTwo()).status).toBe(201);
    expect((await api(sandbox, 'GET', 'Number/')).status).toBe(500);
    expect((await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US')).status).toBe(200);
  });

  it('injects 429 with Retry-After', async () => {
    sandbox.setFaults([{ status: 429, retryAfterSeconds: 3 }]);
    const answer = await api(sandbox, 'GET', 'Number/');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('3');
  });

  it('fires at most count times', async () => {
    sandbox.setFaults([{ status: 500, count: 2 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(sandbox, 'GET', 'Number/')).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
    expect(sandbox.faults()[0]?.fired).toBe(2);
  });

  it('draws rate from the seed: the same rules give the same failures again', async () => {
    const run = async (): Promise<number[]> => {
      await admin(sandbox, 'POST', 'faults', { rules: [{ status: 500, rate: 0.5 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await api(sandbox, 'GET', 'Number/')).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
    const other = await startTestSandbox({ seed: 42 });
    try {
      other.setFaults([{ status: 500, rate: 0.5 }]);
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await api(other, 'GET', 'Number/')).status);
      expect(statuses).toEqual(first);
    } finally {
      await other.close();
    }
  });

  it('adds latency', async () => {
    sandbox.setFaults([{ path: 'Number/', latencyMs: 150 }]);
    const started = Date.now();
    expect((await api(sandbox, 'GET', 'Number/')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('drops the connection before: no answer, nothing done', async () => {
    sandbox.setFaults([{ path: 'AvailableNumberGroup/', drop: true }]);
    await expect(rentTwo()).rejects.toThrow();
    const snapshot = sandbox.snapshot();
    expect(snapshot.numbers).toEqual([]);
    expect(snapshot.requests.byRoute[ROUTE]).toEqual({ drop: 1 });
  });

  it('drops the connection after: no answer, but the numbers are rented', async () => {
    sandbox.setFaults([{ path: 'AvailableNumberGroup/', drop: true, when: 'after' }]);
    await expect(rentTwo()).rejects.toThrow();
    expect(sandbox.snapshot().numbers).toHaveLength(2);
  });

  it('fails a share of a rent\'s numbers with numberFailureRate: not rented, not charged', async () => {
    sandbox.setFaults([{ method: 'POST', path: 'AvailableNumberGroup/', numberFailureRate: 0.3 }]);
    const answer = await api(sandbox, 'POST', rentPath(), { json: { quantity: 40 } });
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('fulfilled');
    const numbers = answer.body.numbers as { number: string; status: string }[];
    const failed = numbers.filter((entry) => entry.status === 'Failed');
    const succeeded = numbers.filter((entry) => entry.status === 'Success');
    expect(failed.length).toBeGreaterThan(0);
    expect(succeeded.length).toBeGreaterThan(0);
    const snapshot = sandbox.snapshot();
    expect(snapshot.numbers.map((entry) => entry.number).sort()).toEqual(succeeded.map((entry) => entry.number).sort());
    expect(Object.keys(snapshot.charges.perNumber)).toHaveLength(succeeded.length);
    expect(snapshot.inventory[group.group_id]).toBe(group.stock - succeeded.length);
    for (const entry of failed) expect((await api(sandbox, 'GET', `Number/${entry.number}/`)).status).toBe(404);
  });

  it('refuses malformed rules with 400, and clears them', async () => {
    expect((await admin(sandbox, 'POST', 'faults', { rules: [{ status: 500, rate: 2 }] })).status).toBe(400);
    expect((await admin(sandbox, 'POST', 'faults', { rules: [{ path: 'Number/' }] })).body.error).toContain('must do something');
    expect((await admin(sandbox, 'POST', 'faults', { rules: [{ stauts: 500 }] })).status).toBe(400);
    expect((await admin(sandbox, 'POST', 'faults', { rules: [{ status: 200 }] })).status).toBe(400);
    await admin(sandbox, 'POST', 'faults', { rules: [{ status: 500 }] });
    expect((await admin(sandbox, 'DELETE', 'faults')).status).toBe(200);
    expect((await admin(sandbox, 'GET', 'faults')).body.rules).toEqual([]);
    expect((await api(sandbox, 'GET', 'Number/')).status).toBe(200);
  });
});

describe('latencyMs option', () => {
  it('delays every API answer, but not the admin routes', async () => {
    const slow = await startTestSandbox({ latencyMs: 120 });
    try {
      let started = Date.now();
      expect((await api(slow, 'GET', 'Number/', { auth: null })).status).toBe(401);
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
      started = Date.now();
      await admin(slow, 'GET', 'state');
      expect(Date.now() - started).toBeLessThan(110);
    } finally {
      await slow.close();
    }
  });
});
