/**
 * Monthly renewals. Plivo bills a number monthly from the day it was rented: `renewal_date` is
 * "Next billing date" (https://www.plivo.com/docs/numbers/api/account-phone-number/). Plivo does
 * not say what happens on the 31st of a short month; the sandbox clamps to the month's last day,
 * always from the rent day (a number rented on 31 January renews 28/29 February, then 31 March).
 */

/** YYYY-MM-DD of a time. */
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The `k`-th monthly anniversary (k ≥ 1) of `addedAt`, YYYY-MM-DD, clamped to the month's end. */
export function anniversary(addedAt: string, k: number): string {
  const added = new Date(addedAt);
  const year = added.getUTCFullYear();
  const month = added.getUTCMonth() + k;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return day(Date.UTC(year, month, Math.min(added.getUTCDate(), lastDay)));
}

/** How many anniversaries of `addedAt` fall on or before `nowMs`'s day: the renewals billed by then. */
export function renewalsDue(addedAt: string, nowMs: number): number {
  const today = day(nowMs);
  let k = 0;
  while (anniversary(addedAt, k + 1) <= today) k++;
  return k;
}

/** The next billing date after `nowMs`'s day: never in the past, moving as the clock moves. */
export function nextRenewal(addedAt: string, nowMs: number): string {
  return anniversary(addedAt, renewalsDue(addedAt, nowMs) + 1);
}
