/**
 * Work slots bound the line steps in flight across the account with a DynamoDB lease, shared
 * fairly between orders: the fair-share rule alone, the repository against DynamoDB Local, and
 * two orders through the real state machine with one slot between them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admits, live, type SlotState } from '../../functions/lib/store/work-slots.js';
import { startOrderMachine, type OrderMachine } from '../support/order-machine.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

const later = '2999-01-01T00:00:00.000Z';
const state = (holders: [string, string][], waiting: string[] = []): SlotState => ({
  holders: Object.fromEntries(holders.map(([holder, orderId]) => [holder, { orderId, until: later }])),
  waiting: Object.fromEntries(waiting.map((orderId) => [orderId, later])),
});

describe('the fair share', () => {
  it('gives a free slot to an order under its share, and none when the slots are taken', () => {
    expect(admits(state([]), { holder: 'a#0', orderId: 'a', slots: 2 })).toBe(true);
    expect(admits(state([['a#0', 'a'], ['a#1', 'a']]), { holder: 'b#0', orderId: 'b', slots: 2 })).toBe(false);
  });

  it('keeps a big order to its share while a small one waits: 4 slots, 2 orders, 2 each', () => {
    const big = state([['big#0', 'big'], ['big#1', 'big']], ['small']);
    expect(admits(big, { holder: 'big#2', orderId: 'big', slots: 4 })).toBe(false);
    expect(admits(big, { holder: 'small#0', orderId: 'small', slots: 4 })).toBe(true);
    // Alone, the big order may take every slot.
    expect(admits(state([['big#0', 'big'], ['big#1', 'big']]), { holder: 'big#2', orderId: 'big', slots: 4 })).toBe(true);
  });

  it('lets a holder that comes back keep its slot, and drops leases that ran out', () => {
    expect(admits(state([['a#0', 'a']]), { holder: 'a#0', orderId: 'a', slots: 1 })).toBe(true);
    const expired = live({ holders: { 'a#0': { orderId: 'a', until: '2000-01-01T00:00:00.000Z' } }, waiting: { b: '2000-01-01T00:00:00.000Z' } }, new Date());
    expect(expired).toEqual({ holders: {}, waiting: {} });
  });
});

describe('work slots in DynamoDB and the state machine', () => {
  let env: WorkflowEnv;
  let machine: OrderMachine;
  beforeAll(async () => {
    env = await startWorkflowEnv({ seed: 73 });
    machine = await startOrderMachine(env);
  });
  afterAll(async () => {
    await machine?.close();
    await env?.close();
  });

  it('refuses a second holder while the one slot is held, and gives it once released', async () => {
    const first = await env.store.workSlots.acquire({ holder: 'x#0', orderId: 'x', slots: 1 }, 60_000, 60_000);
    expect(first).toBeDefined();
    expect(await env.store.workSlots.acquire({ holder: 'y#0', orderId: 'y', slots: 1 }, 60_000, 60_000)).toBeUndefined();
    await first?.release();
    const second = await env.store.workSlots.acquire({ holder: 'y#0', orderId: 'y', slots: 1 }, 60_000, 60_000);
    expect(second).toBeDefined();
    await second?.release();
  });

  it('two orders of two lines each complete with one slot for the account; steps found it busy and waited', async () => {
    const busyLines: string[] = [];
    const logger = { ...env.deps.logger, info: (message: string, fields: Record<string, unknown> = {}) => void (message.startsWith('no free work slot') && busyLines.push(String(fields.orderId))) };
    const deps = { ...env.deps, logger, workSlots: 1 };
    const lines = [
      { countryIso: 'US', numberType: 'local' as const, prefix: '512', quantity: 3 },
      { countryIso: 'US', numberType: 'local' as const, prefix: '415', quantity: 2 },
    ];
    await env.createOrder('ws-a', { lines });
    await env.createOrder('ws-b', { lines });
    const [a, b] = await Promise.all([machine.run('ws-a', deps), machine.run('ws-b', deps)]);
    expect([a.status, b.status]).toEqual(['COMPLETED', 'COMPLETED']);
    expect(busyLines.length).toBeGreaterThan(0);
    for (const orderId of ['ws-a', 'ws-b']) {
      expect((await env.store.numbers.list(orderId, undefined)).filter((n) => n.status === 'VERIFIED')).toHaveLength(5);
    }
    // Every slot was given back.
    expect(await env.store.workSlots.acquire({ holder: 'z#0', orderId: 'z', slots: 1 }, 1_000, 1_000)).toBeDefined();
  }, 120_000);
});
