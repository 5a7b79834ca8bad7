/**
 * Pages by the URL's fragment (`#/orders/{id}`), so that the one `GET /console` route serves them
 * all, under any stage prefix, and the browser's back button and bookmarks work.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'orders' }
  | { page: 'order'; orderId: string }
  | { page: 'pools' }
  | { page: 'pool'; poolUuid: string }
  | { page: 'reconciliation' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'orders' && parts[1]) return { page: 'order', orderId: parts[1] };
  if (parts[0] === 'pools' && parts[1]) return { page: 'pool', poolUuid: parts[1] };
  if (parts[0] === 'pools') return { page: 'pools' };
  if (parts[0] === 'reconciliation') return { page: 'reconciliation' };
  return { page: 'orders' };
}

export const href = {
  orders: () => '#/orders',
  order: (orderId: string) => `#/orders/${encodeURIComponent(orderId)}`,
  pools: () => '#/pools',
  pool: (poolUuid: string) => `#/pools/${encodeURIComponent(poolUuid)}`,
  reconciliation: () => '#/reconciliation',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function navigate(to: string): void {
  location.hash = to;
}
