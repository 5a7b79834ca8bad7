/** The orders page: a new order, and the list (status filter, reference search, newest first), refreshing while any runs. */
import { useState } from 'preact/hooks';
import type { OrderAccepted, OrderList, OrderSummary } from '../../lib/orders/contract.js';
import { lineNumberTypes, orderStatuses, terminalOrderStatuses, type LineNumberType, type OrderStatus } from '../../lib/orders/statuses.js';
import { api, encode } from './api.js';
import { href, navigate } from './router.js';
import { useApi } from './use-api.js';
import { ErrorNote, Loading, Section, Status, Time } from './ui.js';

const PAGE = 100;

const running = (order: OrderSummary) => !terminalOrderStatuses.includes(order.status);

export function OrdersPage() {
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const [search, setSearch] = useState('');
  const path = `/orders?limit=${PAGE}${status ? `&status=${encode(status)}` : ''}`;
  const { data, error } = useApi<OrderList>(path, (list) => list.orders.some(running));
  const needle = search.trim().toLowerCase();
  const orders = (data?.orders ?? []).filter((order) => !needle || (order.reference ?? '').toLowerCase().includes(needle));
  return (
    <>
      <h1>Orders</h1>
      <NewOrder />
      <Section title="All orders" id="order-list">
        <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
          <label>
            Status
            <select value={status} onChange={(event) => setStatus(event.currentTarget.value as OrderStatus | '')}>
              <option value="">any</option>
              {orderStatuses.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Reference
            <input type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} placeholder="contains…" />
          </label>
        </form>
        <ErrorNote error={error} />
        {!data && !error && <Loading what="orders" />}
        {data && (
          <div class="scroll">
            <table>
              <caption class="visually-hidden">Orders, newest first{data.orders.some(running) ? ' (refreshing while any is running)' : ''}</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Reference</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Numbers</th>
                  <th scope="col" class="num">Lines</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {orders.map((order) => (
                  <tr key={order.orderId}>
                    <td>
                      <a href={href.order(order.orderId)}>
                        <code>{order.orderId.slice(0, 8)}</code>
                        <span class="visually-hidden"> {order.orderId}</span>
                      </a>
                      {order.dryRun && <span class="tag">dry run</span>}
                    </td>
                    <td>{order.reference ?? <span class="muted">–</span>}</td>
                    <td>
                      <Status status={order.status} />
                    </td>
                    <td class="num">{order.requested}</td>
                    <td class="num">{order.lineCount}</td>
                    <td>
                      <Time at={order.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {orders.length === 0 && <p class="muted">No orders{needle || status ? ' match' : ' yet'}.</p>}
            {data.nextCursor && <p class="muted">Showing the newest {PAGE}; narrow by status to see older ones.</p>}
          </div>
        )}
      </Section>
    </>
  );
}

interface LineDraft {
  countryIso: string;
  numberType: LineNumberType;
  prefix: string;
  quantity: string;
  /** A 10DLC campaign (US local lines). */
  campaignId: string;
}

const emptyLine = (): LineDraft => ({ countryIso: 'US', numberType: 'local', prefix: '', quantity: '1', campaignId: '' });

function NewOrder() {
  const [poolUuid, setPoolUuid] = useState('');
  const [reference, setReference] = useState('');
  const [dryRun, setDryRun] = useState(false);
  const [lines, setLines] = useState<LineDraft[]>([emptyLine()]);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const setLine = (index: number, change: Partial<LineDraft>) => setLines(lines.map((line, i) => (i === index ? { ...line, ...change } : line)));

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        poolUuid: poolUuid.trim(),
        ...(reference.trim() ? { reference: reference.trim() } : {}),
        dryRun,
        lines: lines.map((line) => ({
          countryIso: line.countryIso.trim().toUpperCase(),
          numberType: line.numberType,
          ...(line.prefix.trim() ? { prefix: line.prefix.trim() } : {}),
          ...(line.campaignId.trim() ? { campaignId: line.campaignId.trim() } : {}),
          quantity: Number(line.quantity),
        })),
      };
      const accepted = await api<OrderAccepted>('POST', '/orders', body);
      navigate(href.order(accepted.orderId));
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="card" open={false}>
      <summary>New order</summary>
      <form onSubmit={(event) => void submit(event)} aria-describedby="new-order-help">
        <p id="new-order-help" class="muted">
          Numbers are rented from Plivo and added to the Powerpack number pool; a dry run only plans.
        </p>
        <div class="fields">
          <label>
            Number pool uuid
            <input name="poolUuid" required value={poolUuid} onInput={(event) => setPoolUuid(event.currentTarget.value)} autoComplete="off" />
          </label>
          <label>
            Reference
            <input name="reference" value={reference} maxLength={200} onInput={(event) => setReference(event.currentTarget.value)} />
          </label>
          <label class="check">
            <input type="checkbox" name="dryRun" checked={dryRun} onChange={(event) => setDryRun(event.currentTarget.checked)} />
            Dry run (plan only)
          </label>
        </div>
        {lines.map((line, index) => (
          <fieldset key={index} class="line-fields">
            <legend>Line {index}</legend>
            <label>
              Country
              <input name={`lines.${index}.countryIso`} required size={3} maxLength={2} value={line.countryIso} onInput={(event) => setLine(index, { countryIso: event.currentTarget.value })} />
            </label>
            <label>
              Type
              <select name={`lines.${index}.numberType`} value={line.numberType} onChange={(event) => setLine(index, { numberType: event.currentTarget.value as LineNumberType })}>
                {lineNumberTypes.map((type) => (
                  <option key={type} value={type}>
                    {type}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Prefix
              <input name={`lines.${index}.prefix`} inputMode="numeric" size={6} value={line.prefix} onInput={(event) => setLine(index, { prefix: event.currentTarget.value })} />
            </label>
            <label>
              Quantity
              <input name={`lines.${index}.quantity`} type="number" min={1} required value={line.quantity} onInput={(event) => setLine(index, { quantity: event.currentTarget.value })} />
            </label>
            <label>
              10DLC campaign
              <input name={`lines.${index}.campaignId`} size={10} maxLength={32} autoComplete="off" value={line.campaignId} onInput={(event) => setLine(index, { campaignId: event.currentTarget.value })} />
            </label>
            {lines.length > 1 && (
              <button type="button" class="secondary" onClick={() => setLines(lines.filter((_, i) => i !== index))}>
                Remove line {index}
              </button>
            )}
          </fieldset>
        ))}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setLines([...lines, emptyLine()])}>
            Add a line
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Placing…' : 'Place order'}
          </button>
        </div>
        <ErrorNote error={error} />
      </form>
    </details>
  );
}
