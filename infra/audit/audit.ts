/**
 * The account audit: a read-only comparison of a Plivo account with the records in DynamoDB. It
 * never writes to Plivo nor to the table. Findings:
 * - numbers in the account that no record owns, sorted as the reconciler sorts them: *provable*
 *   orphans (a rent whose outcome is open, or a delivery a line expects, matches them: the system
 *   settles them itself) and *foreign* numbers (rented by something else);
 * - numbers held by two order records at once (owned twice);
 * - records that still hold a number the account no longer has (gone).
 * A number we pay for must be owned by exactly one record: any of these is a finding.
 */
import type { PlivoClient } from '../../functions/lib/plivo/client.js';
import type { AccountNumber } from '../../functions/lib/plivo/schemas.js';
import type { Stores } from '../../functions/lib/store/stores.js';
import { matchesExpectation } from '../../functions/lib/workflow/deliveries.js';
import { OpenRents } from '../../functions/lib/workflow/orphans.js';

/** Number statuses that hold a number (in the account, paid for). */
const HOLDING = new Set(['RENTED', 'PENDING', 'LINKING', 'LINKED', 'ASSIGNED', 'VERIFIED']);
/** Numbers listed per finding at most (the counts are complete). */
const SAMPLE = 20;

export interface AuditReport {
  accountNumbers: number;
  /** Orders read, and numbers their records hold. */
  orders: number;
  heldByRecords: number;
  owned: number;
  /** Order id → how many of the account's numbers it owns. */
  ownedByOrder: Record<string, number>;
  provableOrphans: string[];
  foreignNumbers: string[];
  /** Number → the order lines (`{orderId}#{line}`) that hold it, for numbers held twice or more. */
  ownedTwice: Record<string, string[]>;
  /** Numbers records hold that the account no longer has: `{number, holder}`. */
  gone: { number: string; holder: string }[];
  /** Whether anything above is a finding (foreign numbers included: nobody owns them). */
  clean: boolean;
}

export async function auditAccount(deps: { plivo: PlivoClient; store: Stores }): Promise<AuditReport> {
  // The records: every order's numbers that still hold one (newest order first, page by page).
  const holders = new Map<string, string[]>();
  let orders = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.store.orders.list({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const order of page.items) {
      orders++;
      for (const item of await deps.store.numbers.list(order.orderId, undefined)) {
        if (HOLDING.has(item.status)) holders.set(item.number, [...(holders.get(item.number) ?? []), `${order.orderId}#${item.line}`]);
      }
    }
    cursor = page.cursor;
  } while (cursor);

  // The account, read whole (read-only listings).
  const account = new Map<string, AccountNumber>();
  for await (const number of deps.plivo.allAccountNumbers()) account.set(number.number, number);

  const owners = new Set<string>();
  const ownedByOrder: Record<string, number> = {};
  const numbers = [...account.keys()];
  for (let i = 0; i < numbers.length; i += 100) {
    for (const owner of await deps.store.numbers.owners(numbers.slice(i, i + 100))) {
      owners.add(owner.number);
      ownedByOrder[owner.orderId] = (ownedByOrder[owner.orderId] ?? 0) + 1;
    }
  }
  const openRents = new OpenRents(deps);
  const expectations = (await deps.store.expectations.list()).filter((e) => e.delivered < e.quantity);
  const provableOrphans: string[] = [];
  const foreignNumbers: string[] = [];
  for (const number of account.values()) {
    if (owners.has(number.number)) continue;
    const provable = expectations.some((e) => matchesExpectation(e, number)) || (await openRents.mayHaveRented(number));
    (provable ? provableOrphans : foreignNumbers).push(number.number);
  }
  const ownedTwice = Object.fromEntries([...holders].filter(([, held]) => held.length > 1));
  const gone = [...holders].filter(([number]) => !account.has(number)).flatMap(([number, held]) => held.map((holder) => ({ number, holder })));
  return {
    accountNumbers: account.size,
    orders,
    heldByRecords: holders.size,
    owned: owners.size,
    ownedByOrder,
    provableOrphans,
    foreignNumbers,
    ownedTwice,
    gone,
    clean: provableOrphans.length + foreignNumbers.length + Object.keys(ownedTwice).length + gone.length === 0,
  };
}

/** The report as a table, samples included. */
export function auditTable(report: AuditReport): string {
  const sample = (list: readonly string[]) => (list.length ? `: ${list.slice(0, SAMPLE).join(', ')}${list.length > SAMPLE ? ', …' : ''}` : '');
  const twice = Object.keys(report.ownedTwice);
  const rows: [string, string | number][] = [
    ['numbers in the account', report.accountNumbers],
    ['owned by a record', report.owned],
    ['orders read', report.orders],
    ['numbers their records hold', report.heldByRecords],
    ['in the account, owned by nobody', report.provableOrphans.length + report.foreignNumbers.length],
    ['  provable orphans (ours, settling)', `${report.provableOrphans.length}${sample(report.provableOrphans)}`],
    ['  foreign numbers', `${report.foreignNumbers.length}${sample(report.foreignNumbers)}`],
    ['numbers owned twice', `${twice.length}${sample(twice)}`],
    ['records whose number is gone', `${report.gone.length}${sample(report.gone.map((g) => `${g.number} (${g.holder})`))}`],
    ['verdict', report.clean ? 'clean: every number is owned by exactly one record' : 'FINDINGS (above)'],
  ];
  return rows.map(([name, value]) => `${name.padEnd(36)} ${value}`).join('\n');
}
