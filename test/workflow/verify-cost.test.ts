/**
 * Verify costs what the order holds, not what the pool holds: into a pool that already holds many
 * numbers of the line's prefix, the line's numbers are looked up ten per call; into a fresh pool
 * the listing is cheaper and is used. The real state machine, DynamoDB Local and the sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolUuidOf } from '../../functions/lib/plivo/index.js';
import { LineRepository } from '../../functions/lib/store/lines.js';
import { addToPool, rentOutside } from '../support/rent-outside.js';
import { startOrderMachine, type OrderMachine } from '../support/order-machine.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';
import { noMetrics } from '../../functions/lib/metrics.js';

let env: WorkflowEnv;
let machine: OrderMachine;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 11 });
  machine = await startOrderMachine(env);
});
afterAll(async () => {
  await machine?.close();
  await env?.close();
});

const LIST_ROUTE = 'GET NumberPool/{uuid}/Number/';

/** Rents `quantity` numbers of a US prefix and adds them to the pool, outside any order. */
const prefill = async (prefix: string, quantity: number, poolUuid = env.poolUuid) => addToPool(env.plivo, poolUuid, (await rentOutside(env.plivo, prefix, quantity)).numbers);

/** Runs a one-line order and returns the pool listings its Verify made. */
async function verifyListings(orderId: string, prefix: string, quantity: number, poolUuid = env.poolUuid): Promise<number> {
  await env.createOrder(orderId, { poolUuid, lines: [{ countryIso: 'US', numberType: 'local', prefix, quantity }] });
  const before = env.calls.snapshot().byRoute[LIST_ROUTE] ?? 0;
  const { status } = await machine.run(orderId);
  expect(status).toBe('COMPLETED');
  const verified = (await env.store.numbers.list(orderId, undefined)).filter((n) => n.status === 'VERIFIED');
  expect(verified).toHaveLength(quantity);
  // Plan's pool check is one listing of 1; the rest are Verify's.
  return (env.calls.snapshot().byRoute[LIST_ROUTE] ?? 0) - before - 1;
}

describe('Verify reads what the order holds', () => {
  it('looks 5 numbers up in one call in a pool already holding 300 of their prefix', async () => {
    await prefill('737', 300);
    // Listing the prefix would take 16 pages (306 members, 20 a page).
    expect(await verifyListings('vc-small', '737', 5)).toBe(1);
  });

  it('looks up ten numbers per call: 45 numbers into that pool in 5 calls', async () => {
    expect(await verifyListings('vc-45', '737', 45)).toBe(5);
  });

  it('lists a fresh pool: 40 numbers in 2 pages', async () => {
    const fresh = poolUuidOf(await env.plivo.createPowerpack({ name: 'verify-fresh' }));
    expect(await verifyListings('vc-fresh', '916', 40, fresh)).toBe(2);
  });

  /** Runs the order with the pool filled by 200 numbers of `prefix` once the order is planned; Verify's listings. */
  async function runFilledAfterPlan(orderId: string, pool: string, prefix: string): Promise<number> {
    let filled = false;
    class FillingLines extends LineRepository {
      override async savePlan(...args: Parameters<LineRepository['savePlan']>): ReturnType<LineRepository['savePlan']> {
        const saved = await super.savePlan(...args);
        // Plan has recorded the pool's size; the pool fills before the order's numbers are added,
        // so they are listed after the 200.
        if (!filled) {
          filled = true;
          await prefill(prefix, 200, pool);
        }
        return saved;
      }
    }
    const store = { ...env.deps.store, lines: new FillingLines({ db: env.db, tableName: env.tableName, now: () => new Date(), metrics: noMetrics }) };
    const before = env.calls.snapshot().byRoute[LIST_ROUTE] ?? 0;
    const { status } = await machine.run(orderId, { ...env.deps, store });
    expect(status).toBe('COMPLETED');
    expect(filled).toBe(true);
    expect((await env.store.numbers.list(orderId, undefined)).filter((n) => n.status === 'VERIFIED')).toHaveLength(20);
    return (env.calls.snapshot().byRoute[LIST_ROUTE] ?? 0) - before - 1;
  }

  it('switches from listing to look-ups when the pool grew after the order was planned', async () => {
    // The order is planned while the pool is fresh (its own pool); 200 of 503 arrive before its numbers.
    const pool = poolUuidOf(await env.plivo.createPowerpack({ name: 'verify-grown' }));
    await env.createOrder('vc-grown', { poolUuid: pool, lines: [{ countryIso: 'US', numberType: 'local', prefix: '503', quantity: 20 }] });
    // One page shows 220 members under 503: the 20 numbers are looked up (2 calls) instead of 10 more pages.
    expect(await runFilledAfterPlan('vc-grown', pool, '503')).toBe(3);
  });

  it("looks up at once when another order working in the pool asks for the same prefix", async () => {
    const pool = poolUuidOf(await env.plivo.createPowerpack({ name: 'verify-shared' }));
    // Another order of the pool, still working, planned 200 numbers of 801 (they are what fills the pool).
    await env.createOrder('vc-other', { poolUuid: pool, lines: [{ countryIso: 'US', numberType: 'local', prefix: '801', quantity: 200 }] });
    await env.store.orders.setStatus('vc-other', 'IN_PROGRESS');
    await env.store.lines.savePlan('vc-other', 0, [{ groupId: 'g-801', quantity: 200, prefix: '801', region: null, numberType: 'local', setupRate: null, rentalRate: null }], 'ASSIGNING');
    await env.createOrder('vc-shared', { poolUuid: pool, lines: [{ countryIso: 'US', numberType: 'local', prefix: '801', quantity: 20 }] });
    // Without a first page to find it out: two look-ups.
    expect(await runFilledAfterPlan('vc-shared', pool, '801')).toBe(2);
  });
});
