/**
 * Sorting the account's unowned numbers: *provable* orphans — numbers this system rented, as a
 * record shows (a rent intent still open whose kind they match, or a delivery a line expects that
 * waits for its line to end) — which the system itself settles; and *foreign* numbers, rented by
 * something else, which are reported and never touched. A provable orphan that is still there one
 * pass later means the settling is stuck: it is logged for the alarm.
 */
import type { AccountNumber } from '../plivo/schemas.js';
import type { IntentItem, LineItem } from '../store/items.js';
import type { WorkflowDeps } from './deps.js';
import { kindOfGroup, matchesKind, type NumberKind } from './numbering.js';

/** A rent intent still open (its outcome unknown), with the line it rents for and the kind of number it asked for. */
export interface OpenRent {
  kind: NumberKind;
  line: LineItem;
  intent: IntentItem;
}

/** Every rent whose outcome is still open, across the open orders. */
export async function listOpenRents(store: WorkflowDeps['store']): Promise<OpenRent[]> {
  const rents: OpenRent[] = [];
  for (const { orderId } of await store.orders.open(new Date().toISOString())) {
    const started = (await store.intents.list(orderId)).filter((intent) => intent.status === 'STARTED');
    if (started.length === 0) continue;
    const lines = new Map((await store.lines.list(orderId)).map((line) => [line.line, line]));
    for (const intent of started) {
      const line = lines.get(intent.line);
      if (line) rents.push({ kind: kindOfGroup(line, intent.groupId), line, intent });
    }
  }
  return rents;
}

/** Open rents' kinds, read once per pass and only when an unowned number needs sorting. */
export class OpenRents {
  private kinds: NumberKind[] | undefined;

  constructor(private readonly deps: Pick<WorkflowDeps, 'store'>) {}

  /** Whether an unowned number may come from a rent whose outcome is still open. */
  async mayHaveRented(number: Pick<AccountNumber, 'number' | 'number_type' | 'region'>): Promise<boolean> {
    this.kinds ??= (await listOpenRents(this.deps.store)).map((rent) => rent.kind);
    return this.kinds.some((kind) => matchesKind(kind, number));
  }
}

/** Provable orphans seen in the previous pass too: the ones whose settling is stuck. */
export function survivors(now: readonly string[], before: readonly string[] | undefined): string[] {
  const previous = new Set(before ?? []);
  return now.filter((number) => previous.has(number));
}
