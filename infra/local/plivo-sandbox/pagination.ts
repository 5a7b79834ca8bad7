/**
 * Offset pagination as Plivo answers it: `meta` with `limit`, `offset`, `total_count`, and
 * `next`/`previous` as relative URIs that keep the request's filters. The older APIs (search,
 * account numbers) say `null` when there is no such page; the Powerpack and number-pool APIs say
 * `""` (as their reference pages show).
 */

export interface PageMeta {
  limit: number;
  offset: number;
  total_count: number;
  next: string | null;
  previous: string | null;
}

export interface PageRequest {
  /** e.g. `/v1/Account/MA…/Number/` */
  basePath: string;
  limit: number;
  offset: number;
  /** Filters to keep in next/previous, in order; undefined values are left out. */
  filters: [string, string | undefined][];
  /** What next/previous say when there is no such page. */
  none: null | '';
}

export function paginate<T>(items: readonly T[], request: PageRequest): { objects: T[]; meta: PageMeta } {
  return { objects: items.slice(request.offset, request.offset + request.limit), meta: pageMeta(items.length, request) };
}

/** The meta of a page of a list `total` long (for lists too large to build whole). */
export function pageMeta(total: number, request: PageRequest): PageMeta {
  const { limit, offset } = request;
  const uri = (pageOffset: number): string => {
    const query = new URLSearchParams({ limit: String(limit), offset: String(pageOffset) });
    for (const [key, value] of request.filters) if (value !== undefined) query.append(key, value);
    return `${request.basePath}?${query.toString()}`;
  };
  return {
    limit,
    offset,
    total_count: total,
    next: offset + limit < total ? uri(offset + limit) : request.none,
    previous: offset > 0 ? uri(Math.max(0, offset - limit)) : request.none,
  };
}
