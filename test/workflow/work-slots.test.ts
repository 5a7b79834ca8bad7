/**
 * Work slots bound the line steps in flight across the account with a DynamoDB lease, shared
 * fairly between orders: the fair-share rule alone, the repository against DynamoDB Local, and
 * two orders through the real state machine with one slot between them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { admits, live, refusalIsRecorded, type SlotState } from '../../functions/lib/store/work-slots.js';
import { keys } from '../../functions/lib/store/table.js';
import { busyWaitSeconds } from '../../functions/lib/workflow/work-slots.js';
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

  it('refuses with a read alone when the order already counts as waiting, or when every share is one slot anyway', () => {
    const now = new Date('2030-01-01T00:00:00.000Z');
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const request = { holder: 'a#0', orderId: 'a', slots: 2 };
    const marked = (until: string): SlotState => ({ holders: {}, waiting: { a: until } });
    expect(refusalIsRecorded(marked(at(50_000)), request, now, 60_000)).toBe(true);
    // Half its life gone: written again, so that it does not run out while the order still waits.
    expect(refusalIsRecorded(marked(at(20_000)), request, now, 60_000)).toBe(false);
    expect(refusalIsRecorded({ holders: {}, waiting: {} }, request, now, 60_000)).toBe(false);
    expect(refusalIsRecorded({ holders: {}, waiting: { b: at(1), c: at(1) } }, request, now, 60_000)).toBe(true);
  });

  it('waits longer before coming back as more orders wait, within a minute', () => {
    expect([busyWaitSeconds(0, () => 0), busyWaitSeconds(0, () => 0.999)]).toEqual([2, 7]);
    expect(busyWaitSeconds(10, () => 0.999)).toBe(27);
    expect(busyWaitSeconds(1_000, () => 0.999)).toBe(59);
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
    expect(first.granted).toBe(true);
    expect(await env.store.workSlots.acquire({ holder: 'y#0', orderId: 'y', slots: 1 }, 60_000, 60_000)).toEqual({ granted: false, waitingOrders: 1 });
    if (first.granted) await first.lease.release();
    const second = await env.store.workSlots.acquire({ holder: 'y#0', orderId: 'y', slots: 1 }, 60_000, 60_000);
    expect(second.granted).toBe(true);
    if (second.granted) await second.lease.release();
  });

  it('a burst of refused orders neither rewrites the item nor grows it past one mark per slot', async () => {
    const item = async () =>
      (await env.db.send(new GetCommand({ TableName: env.tableName, Key: keys.workSlots, ConsistentRead: true }))).Item as { version: number; waiting: Record<string, string> };
    // A clean item: the test before left a waiting mark.
    await env.db.send(new DeleteCommand({ TableName: env.tableName, Key: keys.workSlots }));
    const held = await env.store.workSlots.acquire({ holder: 'h#0', orderId: 'h', slots: 2 }, 60_000, 60_000);
    const held2 = await env.store.workSlots.acquire({ holder: 'h#1', orderId: 'h', slots: 2 }, 60_000, 60_000);
    expect([held.granted, held2.granted]).toEqual([true, true]);
    const before = (await item()).version;
    for (let i = 0; i < 12; i++) await env.store.workSlots.acquire({ holder: `burst-${i}#0`, orderId: `burst-${i}`, slots: 2 }, 60_000, 60_000);
    // The first two refusals are recorded (the fair shares count them); the ten after are reads.
    expect((await item()).version).toBe(before + 2);
    // The same order refused again at once: a read.
    await env.store.workSlots.acquire({ holder: 'burst-0#1', orderId: 'burst-0', slots: 2 }, 60_000, 60_000);
    expect((await item()).version).toBe(before + 2);
    expect(Object.keys((await item()).waiting)).toHaveLength(2);
    for (const lease of [held, held2]) if (lease.granted) await lease.lease.release();
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
    expect((await env.store.workSlots.acquire({ holder: 'z#0', orderId: 'z', slots: 1 }, 1_000, 1_000)).granted).toBe(true);
  }, 120_000);
});
