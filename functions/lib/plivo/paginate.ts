/**
 * Walks Plivo's `limit`/`offset` pagination lazily: the next page is fetched only when the
 * consumer asks for an item beyond the current one, so `break` costs no further calls.
 *
 * The walk is driven by `meta.total_count` and the offset reached, not by `meta.next`.
 *
 * Offset pagination is not a snapshot: if the list changes while it is walked (numbers unrented,
 * added), items can be skipped or seen twice. Callers that need a consistent view de-duplicate
 * and re-read.
 */
import type { Page } from './schemas.js';

/** Plivo's largest page. */
export const PLIVO_MAX_PAGE_SIZE = 20;

export type PageFetcher<T> = (offset: number, limit: number) => Promise<Page<T>>;

export interface PaginateOptions {
  /** Page size, at most 20. @default 20 */
  pageSize?: number;
  /** Where to start. @default 0 */
  startOffset?: number;
  /** Stop after this many items. @default Infinity */
  maxItems?: number;
}

export async function* paginate<T>(fetchPage: PageFetcher<T>, options: PaginateOptions = {}): AsyncGenerator<T> {
  const pageSize = Math.min(Math.max(1, options.pageSize ?? PLIVO_MAX_PAGE_SIZE), PLIVO_MAX_PAGE_SIZE);
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  let offset = options.startOffset ?? 0;
  let yielded = 0;
  while (yielded < maxItems) {
    const page = await fetchPage(offset, pageSize);
    for (const item of page.objects) {
      if (yielded >= maxItems) return;
      yield item;
      yielded++;
    }
    offset += page.objects.length;
    // `total_count` and the offset decide, never `next` alone: Plivo's `next` has been seen null
    // (or "") while more pages remained, and pointing past the end of the list.
    if (page.objects.length === 0 || offset >= page.meta.total_count) return;
  }
}

/** Collects an async iterable into an array (for small lists). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
