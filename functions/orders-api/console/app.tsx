/** The console's frame: the API key, the navigation, and the page the URL's fragment names. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { storedApiKey, storeApiKey, UNAUTHORIZED_EVENT } from './api.js';
import { OrderPage } from './order.js';
import { OrdersPage } from './orders.js';
import { PoolPage, PoolsPage } from './pools.js';
import { ReconciliationPage } from './reconciliation.js';
import { href, useRoute, type Route } from './router.js';

function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <main id="main" class="narrow">
      <h1>number-orders console</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <label>
          API key
          <input type="password" name="apiKey" value={key} onInput={(event) => setKey(event.currentTarget.value)} autoComplete="off" required autoFocus />
        </label>
        <p class="muted">Sent as x-api-key on every call; kept in this tab only (sessionStorage).</p>
        <button type="submit">Open the console</button>
      </form>
    </main>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'order':
      return <OrderPage orderId={route.orderId} />;
    case 'pools':
      return <PoolsPage />;
    case 'pool':
      return <PoolPage poolUuid={route.poolUuid} />;
    case 'reconciliation':
      return <ReconciliationPage />;
    default:
      return <OrdersPage />;
  }
}

export function App() {
  const [key, setKey] = useState(storedApiKey());
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  // A new page: move focus to it, as a screen reader user would expect after following a link
  // (not on the first one: there, the skip link comes first).
  const firstPage = useRef(true);
  useEffect(() => {
    if (firstPage.current) firstPage.current = false;
    else main.current?.focus();
  }, [route]);
  useEffect(() => {
    // Any answer saying the key is wrong brings the key form back.
    const unauthorized = () => {
      storeApiKey(null);
      setKey(null);
    };
    addEventListener(UNAUTHORIZED_EVENT, unauthorized);
    return () => removeEventListener(UNAUTHORIZED_EVENT, unauthorized);
  }, []);
  if (!key) {
    return (
      <KeyForm
        onKey={(value) => {
          storeApiKey(value);
          setKey(value);
        }}
      />
    );
  }
  const current = route.page === 'order' ? 'orders' : route.page === 'pool' ? 'pools' : route.page;
  const link = (page: 'orders' | 'pools' | 'reconciliation', label: string) => (
    <a href={href[page]()} aria-current={current === page ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => { event.preventDefault(); main.current?.focus(); }}>
        Skip to content
      </a>
      <header>
        <span class="brand">number-orders</span>
        <nav aria-label="Console">
          {link('orders', 'Orders')}
          {link('pools', 'Pools')}
          {link('reconciliation', 'Reconciliation')}
        </nav>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            storeApiKey(null);
            setKey(null);
          }}
        >
          Forget key
        </button>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        <Page route={route} />
      </main>
    </>
  );
}
