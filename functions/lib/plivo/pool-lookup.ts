/**
 * Which of some numbers a pool holds, ten per call, whatever the pool's size: Plivo's pool listing
 * takes up to ten `starts_with` prefixes (without the country code), and a whole national number
 * is a prefix. Used where reading the whole pool would cost more than the numbers in question.
 */
import type { PlivoClient, PoolNumberFilters } from './client.js';
import { PLIVO_MAX_PAGE_SIZE } from './paginate.js';
import type { PoolNumber } from './schemas.js';

/** Prefixes Plivo takes in one pool listing. */
export const MAX_POOL_PREFIXES = 10;

export interface PoolLookup {
  poolUuid: string;
  /** The numbers' country (the listing requires it with `starts_with`). */
  countryIso2: string;
  /** The country's calling code: stripped from each number to make its national prefix. */
  callingCode: string;
  /** The other filters of the listing (type, service). */
  filter?: Omit<PoolNumberFilters, 'startsWith' | 'countryIso2' | 'offset' | 'limit'>;
  /** Called once per Plivo call made. */
  onCall?: () => void;
}

/** Pool calls needed to look up `count` numbers. */
export const lookupCalls = (count: number): number => Math.ceil(count / MAX_POOL_PREFIXES);

/** Yields the members among `numbers` (E.164 digits) that the pool holds; ten numbers per call. */
export async function* poolMembersAmong(plivo: PlivoClient, lookup: PoolLookup, numbers: readonly string[]): AsyncGenerator<PoolNumber> {
  const wanted = new Set(numbers);
  for (let i = 0; i < numbers.length; i += MAX_POOL_PREFIXES) {
    const startsWith = numbers.slice(i, i + MAX_POOL_PREFIXES).map((number) => number.slice(lookup.callingCode.length));
    // Ten whole numbers match ten members at most (a page holds 20), unless a country's numbers are
    // prefixes of longer ones: the walk then reads on, and keeps only the numbers asked about.
    for (let offset = 0; ; ) {
      const page = await plivo.listPoolNumbers(lookup.poolUuid, { ...lookup.filter, countryIso2: lookup.countryIso2, startsWith, offset, limit: PLIVO_MAX_PAGE_SIZE });
      lookup.onCall?.();
      for (const member of page.objects) if (wanted.has(member.number)) yield member;
      offset += page.objects.length;
      if (page.objects.length === 0 || offset >= page.meta.total_count) break;
    }
  }
}
