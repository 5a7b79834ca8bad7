/**
 * Numbers rented outside any order (as another system renting in the same account would, or a rent
 * whose claim a crash cut off), and added to a pool behind the workflow's back: what the cost,
 * audit and orphan tests start from.
 */
import pMap from 'p-map';
import type { PlivoClient } from '../../functions/lib/plivo/index.js';

/** Rents `quantity` US local SMS numbers of `prefix` from one group. */
export async function rentOutside(plivo: PlivoClient, prefix: string, quantity: number): Promise<{ groupId: string; numbers: string[] }> {
  const [group] = (await plivo.searchNumberGroups({ countryIso: 'US', numberType: 'local', prefix, services: 'sms', limit: 1 })).objects;
  if (!group) throw new Error(`no stock of US ${prefix}`);
  const rented = await plivo.rentFromGroup(group.group_id, { quantity });
  if (rented.status !== 'fulfilled') throw new Error('expected a fulfilled rent');
  return { groupId: group.group_id, numbers: rented.rented };
}

/** Adds numbers to a pool (service sms), eight at a time. */
export async function addToPool(plivo: PlivoClient, poolUuid: string, numbers: readonly string[]): Promise<void> {
  await pMap(numbers, (number) => plivo.addToPool(poolUuid, number, { service: 'sms' }), { concurrency: 8 });
}
