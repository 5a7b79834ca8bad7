/**
 * Work slots: how many line steps (Rent, AssignToPool, Verify) of the whole account are in flight
 * at once, shared between orders. One item holds the slots' holders and the orders waiting for
 * one; taking or giving up a slot is a read and a conditional write on its version, so the limit
 * holds across every Lambda of the account without reserved concurrency (whose throttles fail
 * lines). A holder that died frees its slot when its lease runs out.
 *
 * Fair shares: an order may hold at most `slots / orders` slots (at least one), counting the orders
 * that hold a slot or asked for one recently; so a small order placed behind a big one gets its
 * turn as soon as one of the big order's steps ends, instead of after all of them.
 *
 * A burst of orders (thousands of lines asking at once) must not turn the one item into a hot spot:
 * a refusal is a read alone when the order is already counted as waiting (its mark was written less
 * than half its life ago) or when enough orders wait for every share to be one slot; the waiting
 * marks are capped at `slots` (more would not change any share), so the item stays small.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, type Table } from './table.js';
import type { Lease } from './leases.js';

interface Holder {
  orderId: string;
  /** ISO time the lease runs out. */
  until: string;
}

export interface SlotState {
  /** Step key (`{orderId}#{line}`) → its holder. */
  holders: Record<string, Holder>;
  /** Orders refused a slot → until when they count as waiting (ISO time). */
  waiting: Record<string, string>;
}

/** A slot, or a refusal with how many orders are counted as waiting (the caller's wait grows with it). */
export type SlotAnswer = { granted: true; lease: Lease } | { granted: false; waitingOrders: number };

export interface SlotRequest {
  /** One step of one line: `{orderId}#{line}`. */
  holder: string;
  orderId: string;
  /** Slots of the account. */
  slots: number;
}

/**
 * Whether the request gets a slot, given the slots' state (leases already run out dropped):
 * a holder that comes back keeps its own; otherwise a free slot, within the order's fair share.
 */
export function admits(state: SlotState, request: SlotRequest): boolean {
  if (state.holders[request.holder]) return true;
  const holders = Object.values(state.holders);
  if (holders.length >= request.slots) return false;
  const orders = new Set([...holders.map((h) => h.orderId), ...Object.keys(state.waiting), request.orderId]);
  const share = Math.max(1, Math.floor(request.slots / orders.size));
  return holders.filter((h) => h.orderId === request.orderId).length < share;
}

/** The state without leases that ran out by `now`. */
export function live(state: Partial<SlotState>, now: Date): SlotState {
  const at = now.toISOString();
  return {
    holders: Object.fromEntries(Object.entries(state.holders ?? {}).filter(([, h]) => h.until > at)),
    waiting: Object.fromEntries(Object.entries(state.waiting ?? {}).filter(([, until]) => until > at)),
  };
}

/**
 * Whether a refusal needs no write: the order's waiting mark still has more than half of `waitingMs`
 * to live, or `slots` other orders already wait (every share is one slot whatever this order does).
 */
export function refusalIsRecorded(state: SlotState, request: SlotRequest, now: Date, waitingMs: number): boolean {
  const mark = state.waiting[request.orderId];
  if (mark !== undefined && Date.parse(mark) - now.getTime() > waitingMs / 2) return true;
  return Object.keys(state.waiting).filter((orderId) => orderId !== request.orderId).length >= request.slots;
}

/** The waiting marks, at most `slots` of them, the latest kept. */
function capWaiting(waiting: Record<string, string>, slots: number): Record<string, string> {
  const entries = Object.entries(waiting);
  if (entries.length <= slots) return waiting;
  return Object.fromEntries(entries.sort(([, a], [, b]) => b.localeCompare(a)).slice(0, slots));
}

/**
 * Tries at the item while other steps change it at the same moment (every line of an order starts
 * at once), with a short jittered pause between them: contention is not a refusal.
 */
const WRITE_TRIES = 30;
const RETRY_PAUSE_MS = { min: 5, spread: 45 };

export class WorkSlotRepository {
  constructor(private readonly table: Table) {}

  /**
   * A slot for `leaseMs`, or a refusal (the order is then counted as waiting for `waitingMs`).
   * A refusal too when the item stayed contended for every try (about a second).
   */
  async acquire(request: SlotRequest, leaseMs: number, waitingMs: number): Promise<SlotAnswer> {
    let waitingOrders = 0;
    for (let attempt = 0; attempt < WRITE_TRIES; attempt++) {
      const read = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.workSlots, ConsistentRead: true }));
      const item = read.Item as (Partial<SlotState> & { version?: number }) | undefined;
      const now = this.table.now();
      const state = live(item ?? {}, now);
      const admitted = admits(state, request);
      waitingOrders = Object.keys(state.waiting).length;
      if (!admitted && refusalIsRecorded(state, request, now, waitingMs)) return { granted: false, waitingOrders };
      if (admitted) state.holders[request.holder] = { orderId: request.orderId, until: new Date(now.getTime() + leaseMs).toISOString() };
      else state.waiting = capWaiting({ ...state.waiting, [request.orderId]: new Date(now.getTime() + waitingMs).toISOString() }, request.slots);
      try {
        await this.table.db.send(
          new PutCommand({
            TableName: this.table.tableName,
            Item: { ...keys.workSlots, ...state, version: (item?.version ?? 0) + 1 },
            ConditionExpression: item ? 'version = :version' : 'attribute_not_exists(pk)',
            ...(item ? { ExpressionAttributeValues: { ':version': item.version ?? 0 } } : {}),
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        await sleep(RETRY_PAUSE_MS.min + Math.random() * RETRY_PAUSE_MS.spread);
        continue;
      }
      if (!admitted) return { granted: false, waitingOrders: Object.keys(state.waiting).length };
      const until = new Date(now.getTime() + leaseMs);
      return { granted: true, lease: { until, release: () => this.release(request.holder) } };
    }
    return { granted: false, waitingOrders };
  }

  private async release(holder: string): Promise<void> {
    // The version moves too, so that a taker that read the item before this write cannot put the slot back.
    await this.table.db.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.workSlots,
        UpdateExpression: 'REMOVE holders.#holder ADD version :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#holder': holder },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }
}
