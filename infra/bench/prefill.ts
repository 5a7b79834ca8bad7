/**
 * Numbers in the account before a measurement (`--prefill`, `--pool-size`, `--scan-size`): rented
 * through the Plivo client with the sandbox's rate limit off (`withoutRateLimit`) and no call
 * counter, so neither the calls nor the limit's windows show in the figures measured after.
 */
import pMap from 'p-map';
import { PlivoClient, unlimited } from '../../functions/lib/plivo/index.js';
import type { PlivoSandbox } from '../local/plivo-sandbox/index.js';

export interface PrefillTarget {
  /** US area code. */
  prefix: string;
  quantity: number;
}

export interface PrefillResult {
  /** Numbers rented and (with a pool) added to it. */
  numbers: number;
  seconds: number;
}

/**
 * Rents `quantity` US local numbers of each prefix, and adds each to `poolUuid` when given.
 * @throws Error when the sandbox's stock of a prefix runs out
 */
export async function prefill(sandbox: PlivoSandbox, targets: readonly PrefillTarget[], poolUuid?: string): Promise<PrefillResult> {
  const started = Date.now();
  const plivo = new PlivoClient({ authId: sandbox.authId, authToken: sandbox.authToken, baseUrl: sandbox.url, limiter: unlimited });
  const numbers = await sandbox.withoutRateLimit(async () => {
    let total = 0;
    for (const { prefix, quantity } of targets) {
      const rented: string[] = [];
      for await (const group of plivo.allNumberGroups({ countryIso: 'US', numberType: 'local', prefix, services: 'sms' })) {
        while (rented.length < quantity && group.stock > 0) {
          const take = Math.min(quantity - rented.length, group.stock, 1000);
          const rent = await plivo.rentFromGroup(group.group_id, { quantity: take });
          if (rent.status !== 'fulfilled') throw new Error(`prefill: a rent in ${prefix} answered ${rent.status}`);
          rented.push(...rent.rented);
          group.stock -= take;
        }
        if (rented.length >= quantity) break;
      }
      if (rented.length < quantity) throw new Error(`prefill: the sandbox had ${rented.length} numbers of US ${prefix}, not ${quantity}`);
      if (poolUuid) await pMap(rented, (number) => plivo.addToPool(poolUuid, number, { service: 'sms' }), { });
      total += rented.length;
    }
    return total;
  });
  return { numbers, seconds: (Date.now() - started) / 1000 };
}
