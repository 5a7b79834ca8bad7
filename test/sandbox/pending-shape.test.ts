/**
 * Both answers Plivo documents for a regulated rent, and compliance applications that skip the wait.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, findGroup, startTestSandbox } from './helpers.js';

let numberShape: PlivoSandbox;
let orderShape: PlivoSandbox;

beforeAll(async () => {
  numberShape = await startTestSandbox({ pendingShape: 'number' });
  orderShape = await startTestSandbox();
});
beforeEach(() => {
  numberShape.reset();
  orderShape.reset();
});
afterAll(async () => {
  await numberShape.close();
  await orderShape.close();
});

async function rentFr(sandbox: PlivoSandbox, quantity: number, extra: Record<string, unknown> = {}) {
  const group = await findGroup(sandbox, 'country_iso=FR&prefix=1');
  return api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json: { quantity, ...extra } });
}

const application = async (sandbox: PlivoSandbox, status: string, numberType = 'local'): Promise<string> => {
  const answer = await admin(sandbox, 'POST', 'compliance-applications', { countryIso2: 'FR', numberType, status });
  expect(answer.status).toBe(201);
  return String(answer.body.id);
};

describe('--pending-shape number', () => {
  it('answers fulfilled with each number pending; the numbers are in the account, inactive, until approved', async () => {
    const answer = await rentFr(numberShape, 2);
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('fulfilled');
    const numbers = (answer.body.numbers as { number: string; status: string }[]).map((n) => n.number);
    expect(answer.body.numbers).toEqual(numbers.map((number) => ({ number, status: 'pending' })));
    const listed = (await api(numberShape, 'GET', 'Number/')).body.objects as { number: string; status?: string }[];
    expect(listed.map((n) => [n.number, n.status])).toEqual(numbers.map((n) => [n, 'pending']));
    expect(numberShape.snapshot().numbers.map((n) => n.pending)).toEqual([true, true]);
    expect(numberShape.snapshot().charges.perNumber).toEqual({});
    const approved = await admin(numberShape, 'POST', 'regulatory/approve', {});
    expect(Object.values(approved.body.delivered as Record<string, string[]>)).toEqual([numbers]);
    const after = (await api(numberShape, 'GET', 'Number/')).body.objects as { status?: string }[];
    expect(after.every((n) => n.status === undefined)).toBe(true);
    expect(numberShape.snapshot().numbers.map((n) => n.pending)).toEqual([undefined, undefined]);
    expect(Object.keys(numberShape.snapshot().charges.perNumber).sort()).toEqual([...numbers].sort());
  });

  it('a number withdrawn on rejection and rented again is listed once', async () => {
    const first = ((await rentFr(numberShape, 1)).body.numbers as { number: string }[]).map((n) => n.number);
    await admin(numberShape, 'POST', 'regulatory/reject', {});
    const again = ((await rentFr(numberShape, 1)).body.numbers as { number: string }[]).map((n) => n.number);
    expect(again).toEqual(first);
    const listed = ((await api(numberShape, 'GET', 'Number/')).body.objects as { number: string }[]).map((n) => n.number);
    expect(listed).toEqual(first);
  });

  it('a pool add of an inactive number is refused', async () => {
    const [entry] = (await rentFr(numberShape, 1)).body.numbers as { number: string }[];
    const pp = await api(numberShape, 'POST', 'Powerpack/', { json: { name: 'shape' } });
    const pool = String(pp.body.number_pool).split('/')[5];
    const added = await api(numberShape, 'POST', `NumberPool/${pool}/Number/${entry?.number}/`, { json: { service: 'sms' } });
    expect(added.status).toBe(400);
    expect(added.body.error).toMatch(/not active/);
  });

  it('with --inactive-pool-add accept, the same pool add succeeds', async () => {
    const lenient = await startTestSandbox({ pendingShape: 'number', inactivePoolAdd: 'accept' });
    try {
      const [entry] = (await rentFr(lenient, 1)).body.numbers as { number: string }[];
      const pp = await api(lenient, 'POST', 'Powerpack/', { json: { name: 'lenient' } });
      const pool = String(pp.body.number_pool).split('/')[5];
      expect((await api(lenient, 'POST', `NumberPool/${pool}/Number/${entry?.number}/`, { json: { service: 'sms' } })).status).toBe(200);
    } finally {
      await lenient.close();
    }
  });

  it('the default stays the pending order with details and no numbers', async () => {
    const answer = await rentFr(orderShape, 2);
    expect(answer.body).toMatchObject({ status: 'pending', message: 'created' });
    expect(answer.body.numbers).toBeUndefined();
    expect(String(answer.body.details)).toContain('Order for 2 numbers');
  });
});

describe('compliance applications', () => {
  it('approved for the country and type: the rent is fulfilled and active at once, in either shape', async () => {
    for (const sandbox of [orderShape, numberShape]) {
      const id = await application(sandbox, 'approved');
      const answer = await rentFr(sandbox, 2, { compliance_application_id: id });
      expect(answer.body.status).toBe('fulfilled');
      expect((answer.body.numbers as { status: string }[]).map((n) => n.status)).toEqual(['Success', 'Success']);
      expect(sandbox.snapshot().pendingOrders).toHaveLength(0);
    }
  });

  it('approved: a buy is fulfilled and active at once', async () => {
    const id = await application(orderShape, 'approved');
    const search = await api(orderShape, 'GET', 'PhoneNumber/?country_iso=FR&pattern=1&limit=1');
    const number = String((search.body.objects as { number: string }[])[0]?.number);
    const bought = await api(orderShape, 'POST', `PhoneNumber/${number}/`, { json: { compliance_application_id: id } });
    expect(bought.body.numbers).toEqual([{ number, status: 'Success' }]);
  });

  it('submitted: pending as without one', async () => {
    const id = await application(orderShape, 'submitted');
    expect((await rentFr(orderShape, 1, { compliance_application_id: id })).body.status).toBe('pending');
  });

  it('rejected, unknown, or for another number type: 400 naming compliance_application_id, nothing taken', async () => {
    const rejected = await application(orderShape, 'rejected');
    const mobile = await application(orderShape, 'approved', 'mobile');
    for (const id of [rejected, 'CA-unknown', mobile]) {
      const answer = await rentFr(orderShape, 1, { compliance_application_id: id });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toContain('compliance_application_id');
    }
    expect(orderShape.snapshot().pendingOrders).toHaveLength(0);
    expect(orderShape.snapshot().numbers).toHaveLength(0);
  });

  it('the admin route checks its body', async () => {
    const answer = await admin(orderShape, 'POST', 'compliance-applications', { countryIso2: 'FR', numberType: 'local', status: 'maybe' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/status/);
  });
});
