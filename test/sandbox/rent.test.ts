import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, findGroup, rent, startTestSandbox, UUID } from './helpers.js';

let sandbox: PlivoSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

describe('rent validation', () => {
  it.each([
    ['zero', { quantity: 0 }],
    ['negative', { quantity: -3 }],
    ['fractional', { quantity: 1.5 }],
    ['text', { quantity: 'many' }],
  ])('refuses a %s quantity with 400 naming quantity', async (_case, json) => {
    const group = await findGroup(sandbox, 'country_iso=US&prefix=512');
    const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('quantity');
    expect(sandbox.snapshot().numbers).toEqual([]);
  });

  it('answers 404 for an unknown group', async () => {
    const answer = await api(sandbox, 'POST', 'AvailableNumberGroup/12345678901234/', { json: { quantity: 1 } });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toContain('12345678901234');
  });

  it('refuses a quantity over the stock, whole, with 400', async () => {
    const group = await findGroup(sandbox, 'country_iso=FR&prefix=4');
    const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json: { quantity: group.stock + 1 } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain(`quantity ${group.stock + 1}`);
    expect(answer.body.error).toContain(`${group.stock} numbers in stock`);
    expect(sandbox.snapshot().inventory[group.group_id]).toBe(group.stock);
  });

  it('refuses any rent from a group without stock', async () => {
    const empty = Object.entries(sandbox.snapshot().inventory).find(([, stock]) => stock === 0)?.[0];
    const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${String(empty)}/`, { json: { quantity: 1 } });
    expect(answer.status).toBe(400);
  });
});

describe('rent fulfilled', () => {
  it('moves numbers from stock into the account and charges setup + rental', async () => {
    const group = await findGroup(sandbox, 'country_iso=US&prefix=415&limit=20');
    const priced = (await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US&prefix=310')).body.objects as typeof group[];
    const dear = priced.find((candidate) => Number(candidate.setup_rate) > 0) ?? group;
    const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${dear.group_id}/`, { form: { quantity: '4', app_id: '777' } });
    expect(answer.status).toBe(201);
    expect(answer.body.api_id).toMatch(UUID);
    expect(answer.body.status).toBe('fulfilled');
    const numbers = answer.body.numbers as { number: string; status: string }[];
    expect(numbers).toHaveLength(4);
    for (const entry of numbers) {
      expect(entry.status).toBe('Success');
      expect(entry.number).toMatch(/^1310[2-9]\d{6}$/);
    }
    expect(new Set(numbers.map((entry) => entry.number)).size).toBe(4);

    const after = await findGroup(sandbox, `country_iso=US&prefix=310&limit=20&offset=${priced.indexOf(dear)}`);
    expect(after.stock).toBe(dear.stock - 4);

    const first = numbers[0]?.number ?? '';
    const account = await api(sandbox, 'GET', `Number/${first}/`);
    expect(account.status).toBe(200);
    expect(account.body.application).toBe(`/v1/Account/${sandbox.authId}/Application/777/`);
    expect(account.body.monthly_rental_rate).toBe(dear.rental_rate);

    const { charges } = sandbox.snapshot();
    const perNumber = Number(dear.setup_rate) + Number(dear.rental_rate);
    expect(charges.total).toBeCloseTo(4 * perNumber, 5);
    expect(charges.setup).toBeCloseTo(4 * Number(dear.setup_rate), 5);
    expect(charges.perNumber[first]).toMatchObject({ groupId: dear.group_id, total: perNumber });
  });

  it('defaults quantity to 1 and links the default application', async () => {
    const group = await findGroup(sandbox, 'country_iso=US&prefix=737');
    const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`);
    expect(answer.status).toBe(201);
    expect(answer.body.numbers).toHaveLength(1);
    const [number] = (answer.body.numbers as { number: string }[]).map((entry) => entry.number);
    const account = await api(sandbox, 'GET', `Number/${String(number)}/`);
    expect(account.body.application).toMatch(new RegExp(`^/v1/Account/${sandbox.authId}/Application/\\d+/$`));
  });

  it('never hands out the same number twice, across groups of the same prefix', async () => {
    const groups = (await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US&prefix=512')).body.objects as { group_id: string }[];
    const all: string[] = [];
    for (const group of groups) {
      const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json: { quantity: 300 } });
      all.push(...(answer.body.numbers as { number: string }[]).map((entry) => entry.number));
    }
    expect(all.length).toBe(300 * groups.length);
    expect(new Set(all).size).toBe(all.length);
    for (const number of all) expect(number).toMatch(/^1512\d{7}$/);
  });

  it('makes numbers that match each country and group', async () => {
    expect((await rent(sandbox, 'country_iso=GB&prefix=20', 1))[0]).toMatch(/^4420\d{8}$/);
    expect((await rent(sandbox, 'country_iso=GB&number_type=mobile&prefix=7700', 1))[0]).toMatch(/^447700\d{6}$/);
    expect((await rent(sandbox, 'country_iso=CA&prefix=416', 1))[0]).toMatch(/^1416[2-9]\d{6}$/);
    expect((await rent(sandbox, 'country_iso=US&number_type=tollfree&prefix=833', 1))[0]).toMatch(/^1833[2-9]\d{6}$/);
  });
});

describe('rent pending (address regulations)', () => {
  it('answers pending without numbers or an order id, and delivers on approval', async () => {
    const group = await findGroup(sandbox, 'country_iso=FR&prefix=3');
    const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json: { quantity: 2 } });
    expect(answer.status).toBe(201);
    expect(Object.keys(answer.body).sort()).toEqual(['api_id', 'details', 'message', 'status']);
    expect(answer.body).toMatchObject({ status: 'pending', message: 'created' });
    expect(answer.body.details).toContain('Order for 2 numbers(Region: AMIENS, FRANCE, number_type: local, Prefix: 3) initiated.');

    const before = sandbox.snapshot();
    expect(before.numbers).toEqual([]);
    expect(before.charges.total).toBe(0);
    expect(before.inventory[group.group_id]).toBe(group.stock - 2);
    const [order] = before.pendingOrders;
    expect(order).toMatchObject({ groupId: group.group_id, quantity: 2, countryIso2: 'FR' });
    expect(order?.numbers).toHaveLength(2);
    for (const number of order?.numbers ?? []) expect(number).toMatch(/^333\d{8}$/);
    expect((await api(sandbox, 'GET', 'Number/')).body.objects).toEqual([]);

    const approved = await admin(sandbox, 'POST', 'regulatory/approve', { id: order?.id });
    expect(approved.status).toBe(200);
    expect(approved.body.delivered).toEqual({ [String(order?.id)]: order?.numbers });

    const listed = (await api(sandbox, 'GET', 'Number/')).body.objects as { number: string; region: string }[];
    expect(listed.map((entry) => entry.number).sort()).toEqual([...(order?.numbers ?? [])].sort());
    expect(listed[0]?.region).toBe('Amiens, FRANCE');
    const after = sandbox.snapshot();
    expect(after.pendingOrders).toEqual([]);
    expect(after.charges.total).toBeCloseTo(2 * (Number(group.setup_rate) + Number(group.rental_rate)), 5);
  });

  it('returns the numbers to stock on rejection', async () => {
    const group = await findGroup(sandbox, 'country_iso=DE&prefix=30');
    await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json: { quantity: 3 } });
    await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json: { quantity: 1 } });
    expect(sandbox.snapshot().inventory[group.group_id]).toBe(group.stock - 4);
    const rejected = await admin(sandbox, 'POST', 'regulatory/reject', {});
    expect(rejected.status).toBe(200);
    expect(Object.keys(rejected.body.returnedToStock as object)).toHaveLength(2);
    const snapshot = sandbox.snapshot();
    expect(snapshot.inventory[group.group_id]).toBe(group.stock);
    expect(snapshot.numbers).toEqual([]);
    expect(snapshot.pendingOrders).toEqual([]);
  });

  it('answers 404 for an unknown pending order', async () => {
    expect((await admin(sandbox, 'POST', 'regulatory/approve', { id: 'pending-999' })).status).toBe(404);
    expect(() => sandbox.approvePending('pending-999')).toThrow(/pending-999/);
  });
});

describe('determinism', () => {
  it('gives the same numbers for the same rents with the same seed, and others with another seed', async () => {
    const runs: string[][] = [];
    for (const seed of [7, 7, 8]) {
      const other = await startTestSandbox({ seed });
      try {
        const numbers = [...(await rent(other, 'country_iso=US&prefix=512', 5)), ...(await rent(other, 'country_iso=GB&prefix=20', 2))];
        // A search in between draws an api_id; it must not shift the numbers.
        await api(other, 'GET', 'AvailableNumberGroup/?country_iso=US');
        numbers.push(...(await rent(other, 'country_iso=US&prefix=512', 3)));
        runs.push(numbers);
      } finally {
        await other.close();
      }
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).not.toEqual(runs[2]);
  });

  it('repeats after reset', async () => {
    const first = await rent(sandbox, 'country_iso=US&prefix=206', 3);
    sandbox.reset();
    expect(await rent(sandbox, 'country_iso=US&prefix=206', 3)).toEqual(first);
  });
});
