/**
 * Numbers rented outside any order (as another system renting in the same account would, or a rent
 * whose claim a crash cut off), and added to a pool behind the workflow's back: what the cost,
 * audit and orphan tests start from.
 */
import pMap from 'p-map';
import type { PlivoClient } from '../../functions/lib/plivo/index.js';
import type { AccountNumber } from '../../functions/lib/plivo/schemas.js';

/** Rents `quantity` US local SMS numbers of `prefix` from one group. */
export async function rentOutside(plivo: PlivoClient, prefix: string, quantity: number): Promise<{ groupId: string; numbers: string[] }> {
  const [group] = (await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local', prefix, services: 'sms', limit: 1 })).objects;
  if (!group) throw new Error(`no stock of US ${prefix}`);
  const rented = await plivo.rentFromGroup(group.group_id, { quantity });
  if (rented.status !== 'fulfilled') throw new Error('expected a fulfilled rent');
  return { groupId: group.group_id, numbers: rented.rented };
}

/** Which of `numbers` the account holds, as Plivo lists them (all of one calling code and area code, at most 20). */
export async function inAccount(plivo: PlivoClient, numbers: readonly string[]): Promise<AccountNumber[]> {
  const prefix = numbers[0]?.slice(0, 4) ?? '';
  const listed = await plivo.listAccountNumbers({ numberStartsWith: prefix, offset: 0, limit: 20 });
  return listed.objects.filter((n) => numbers.includes(n.number));
}

/** Adds numbers to a pool (service sms), eight at a time. */
export async function addToPool(plivo: PlivoClient, poolUuid: string, numbers: readonly string[]): Promise<void> {
  await pMap(numbers, (number) => plivo.addToPool(poolUuid, number, { service: 'sms' }), { concurrency: 8 });
}
