/**
 * One order: a progress bar per line, its numbers, its timeline, its webhook deliveries, and the
 * actions the API allows (cancel, resolve a waiting line, retry a delivery). Refreshes while it runs.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { OrderLineView, OrderNumbersPage, OrderView } from '../../lib/orders/contract.js';
import type { OrderTimeline } from '../../lib/orders/timeline.js';
import { terminalOrderStatuses } from '../../lib/orders/statuses.js';
import type { OrderWebhooks } from '../schemas.js';
import { api, ApiError, encode } from './api.js';
import { href } from './router.js';
import { useApi } from './use-api.js';
import { duration, ErrorNote, Loading, Section, StackedBar, Status, Time } from './ui.js';

const running = (order: OrderView) => !terminalOrderStatuses.includes(order.status);

function lineLabel(line: OrderLineView): string {
  const request = line.request;
  const where = request.numbers ? `${request.numbers.length} given numbers` : [request.prefix ? `prefix ${request.prefix}` : '', request.region ?? ''].filter(Boolean).join(' ');
  return `#${line.line} ${request.countryIso} ${request.numberType}${where ? ` ${where}` : ''}${line.campaignId ? ` 10DLC ${line.campaignId}` : ''}`;
}

export function OrderPage({ orderId }: { orderId: string }) {
  const base = `/orders/${encode(orderId)}`;
  const order = useApi<OrderView>(base, running);
  const live = order.data ? running(order.data) : true;
  return (
    <>
      <p>
        <a href={href.orders()}>← Orders</a>
      </p>
      <h1>
        Order <code>{orderId}</code>
      </h1>
      <ErrorNote error={order.error} />
      {!order.data && !order.error && <Loading what="the order" />}
      {order.data && (
        <>
          <Summary order={order.data} onChange={order.reload} />
          <Lines order={order.data} onChange={order.reload} />
        </>
      )}
      <Numbers path={`${base}/numbers?limit=1000`} live={live} version={order.data?.updatedAt} />
      <Timeline path={`${base}/timeline`} live={live} version={order.data?.updatedAt} />
      <Webhooks path={`${base}/webhooks`} live={live} version={order.data?.updatedAt} />
    </>
  );
}

function Summary({ order, onChange }: { order: OrderView; onChange: () => Promise<void> }) {
  return (
    <Section title="Summary">
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Status status={order.status} /> {order.rollback && <span class="tag">rollback: {order.rollback}</span>}
          {running(order) && <span class="muted"> (refreshing)</span>}
        </dd>
        <dt>Pool</dt>
        <dd>
          <a href={href.pool(order.poolUuid)}>
            <code>{order.poolUuid}</code>
          </a>
        </dd>
        <dt>Reference</dt>
        <dd>{order.reference ?? '–'}</dd>
        <dt>Numbers</dt>
        <dd>
          {order.totals.verified} verified of {order.requested} requested{order.dryRun ? ' (dry run)' : ''}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time at={order.createdAt} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <Time at={order.updatedAt} />
        </dd>
      </dl>
      {order.errors.length > 0 && (
        <ul class="errors">
          {order.errors.map((error, i) => (
            <li key={i}>
              <Time at={error.at} /> <code>{error.name}</code> {error.message}
            </li>
          ))}
        </ul>
      )}
      {running(order) && <CancelOrder orderId={order.orderId} onChange={onChange} />}
    </Section>
  );
}

function CancelOrder({ orderId, onChange }: { orderId: string; onChange: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [done, setDone] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  // Focus moves in the render that shows the question, before it is painted: with an effect after paint a
  // keyboard user (or a screen reader) could act on the page between the two.
  useLayoutEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  const cancel = async () => {
    setError(undefined);
    try {
      await api('POST', `/orders/${encode(orderId)}/cancel`);
      setDone(true);
      setConfirming(false);
      await onChange();
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  };
  if (done) return <p role="status">Cancel requested: the order releases its numbers and ends CANCELLED.</p>;
  return (
    <div class="actions">
      {!confirming && (
        <button type="button" class="danger" ref={openRef} onClick={() => setConfirming(true)}>
          Cancel order…
        </button>
      )}
      {confirming && (
        <div role="alertdialog" aria-labelledby="cancel-question" class="confirm">
          <p id="cancel-question">Cancel this order? Every number rented for it is removed from the pool and unrented.</p>
          <button type="button" class="danger" ref={confirmRef} onClick={() => void cancel()}>
            Yes, cancel the order
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setConfirming(false);
              setTimeout(() => openRef.current?.focus());
            }}
          >
            Keep it running
          </button>
        </div>
      )}
      <ErrorNote error={error} />
    </div>
  );
}

function Lines({ order, onChange }: { order: OrderView; onChange: () => Promise<void> }) {
  return (
    <Section title="Lines">
      {order.lines.map((line) => {
        const c = line.counts;
        // A line with a 10DLC campaign: its numbers are linked before they go into the pool.
        const linking = line.campaignId !== undefined;
        const linked = linking ? `${c.linked} linked, ` : '';
        const label = `${lineLabel(line)}: ${c.verified} verified, ${c.assigned} assigned, ${linked}${c.rented} rented, ${c.failed} failed, ${c.released} released of ${c.requested} requested`;
        return (
          <div class="line" key={line.line}>
            <div class="line-head">
              <span>{lineLabel(line)}</span> <Status status={line.status} />
            </div>
            <StackedBar
              label={label}
              total={Math.max(c.requested, c.rented)}
              segments={[
                { label: 'verified', value: c.verified, kind: 'seg-verified' },
                { label: 'assigned', value: Math.max(c.assigned - c.verified, 0), kind: 'seg-assigned' },
                ...(linking ? [{ label: 'linked', value: Math.max(c.linked - c.assigned, 0), kind: 'seg-linked' }] : []),
                { label: 'rented', value: Math.max(c.rented - Math.max(c.assigned, c.linked) - c.failed - c.released, 0), kind: 'seg-rented' },
                { label: 'failed', value: c.failed, kind: 'seg-failed' },
                { label: 'released', value: c.released, kind: 'seg-released' },
              ]}
            />
            <ul class="counts" aria-hidden="true">
              <li>requested {c.requested}</li>
              <li>rented {c.rented}</li>
              {linking && <li class="k-linked">linked {c.linked}</li>}
              <li class="k-assigned">assigned {c.assigned}</li>
              <li class="k-verified">verified {c.verified}</li>
              <li class="k-failed">failed {c.failed}</li>
              <li class="k-released">released {c.released}</li>
              {c.leaked > 0 && <li class="k-failed">leaked {c.leaked}</li>}
            </ul>
            {line.pendingDetails && <p class="muted">Plivo: {line.pendingDetails}</p>}
            {line.errors.map((error, i) => (
              <p key={i} class="muted">
                <code>{error.name}</code> {error.message}
              </p>
            ))}
            {line.status === 'PENDING_REGULATORY' && <ResolveLine orderId={order.orderId} line={line.line} onChange={onChange} />}
          </div>
        );
      })}
    </Section>
  );
}

function ResolveLine({ orderId, line, onChange }: { orderId: string; line: number; onChange: () => Promise<void> }) {
  const [numbers, setNumbers] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [result, setResult] = useState<string | undefined>(undefined);
  const send = async (body: unknown) => {
    setError(undefined);
    try {
      const answer = await api<{ claimed: string[]; resumed: boolean; rejected: boolean }>('POST', `/orders/${encode(orderId)}/lines/${line}/resolve`, body);
      setResult(answer.rejected ? 'The line failed as rejected.' : `${answer.claimed.length} numbers claimed${answer.resumed ? '; the line resumed' : ''}.`);
      await onChange();
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  };
  const given = numbers.split(/[\s,]+/).filter(Boolean);
  return (
    <div class="card">
      <h3>Resolve line {line} (waiting on address regulations)</h3>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void send({ numbers: given });
        }}
      >
        <label>
          Numbers the account holds for it (E.164 digits, separated by spaces or commas)
          <textarea rows={2} value={numbers} onInput={(event) => setNumbers(event.currentTarget.value)} />
        </label>
        <button type="submit" disabled={given.length === 0}>
          Serve the line with these numbers
        </button>
      </form>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void send({ outcome: 'rejected', reason: reason.trim() });
        }}
      >
        <label>
          Or: the regulator rejected it, because
          <input value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
        </label>
        <button type="submit" class="danger" disabled={!reason.trim()}>
          Fail the line as rejected
        </button>
      </form>
      {result && <p role="status">{result}</p>}
      <ErrorNote error={error} />
    </div>
  );
}

function Numbers({ path, live, version }: { path: string; live: boolean; version: string | undefined }) {
  const { data, error } = useApi<OrderNumbersPage>(path, () => live, version);
  return (
    <Section title="Numbers">
      <ErrorNote error={error} />
      {!data && !error && <Loading what="numbers" />}
      {data && data.numbers.length === 0 && <p class="muted">No numbers yet.</p>}
      {data && data.numbers.length > 0 && (
        <div class="scroll short">
          <table>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col" class="num">Line</th>
                <th scope="col">Status</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {data.numbers.map((n) => (
                <tr key={n.number}>
                  <td>
                    <code>+{n.number}</code>
                  </td>
                  <td class="num">{n.line}</td>
                  <td>
                    <Status status={n.status} />
                    {n.error && <span class="muted"> {n.error}</span>}
                  </td>
                  <td>
                    <Time at={n.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.nextCursor && <p class="muted">The first {data.numbers.length} numbers; `npm run orders -- numbers` lists them all.</p>}
    </Section>
  );
}

function Timeline({ path, live, version }: { path: string; live: boolean; version: string | undefined }) {
  const { data, error } = useApi<OrderTimeline>(path, (timeline) => live || timeline.status === 'RUNNING', version);
  return (
    <Section title="Timeline">
      <ErrorNote error={error} />
      {!data && !error && <Loading what="the timeline" />}
      {data && (
        <>
          <p>
            Execution <Status status={data.status} /> {data.startedAt && <>started <Time at={data.startedAt} /></>}
            {data.stoppedAt && <>, stopped <Time at={data.stoppedAt} /></>}
            {data.truncated && <span class="muted"> (the newest states are left out)</span>}
          </p>
          {data.states.length > 0 && (
            <div class="scroll short">
              <table>
                <thead>
                  <tr>
                    <th scope="col">State</th>
                    <th scope="col">Type</th>
                    <th scope="col">Entered</th>
                    <th scope="col" class="num">Took</th>
                  </tr>
                </thead>
                <tbody>
                  {data.states.map((state, i) => (
                    <tr key={i}>
                      <td>{state.name}</td>
                      <td class="muted">{state.type}</td>
                      <td>
                        <Time at={state.enteredAt} />
                      </td>
                      <td class="num">{state.exitedAt ? duration(state.enteredAt, state.exitedAt) : 'running'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Section>
  );
}

function Webhooks({ path, live, version }: { path: string; live: boolean; version: string | undefined }) {
  const { data, error, reload } = useApi<OrderWebhooks>(path, (webhooks) => live || webhooks.deliveries.some((d) => d.status === 'PENDING'), version);
  const [retryError, setRetryError] = useState<Error | undefined>(undefined);
  const retry = async (deliveryId: string) => {
    setRetryError(undefined);
    try {
      await api('POST', `${path}/${encode(deliveryId)}/retry`);
      await reload();
    } catch (failure) {
      setRetryError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  };
  const noWebhooks = error instanceof ApiError && error.status === 404;
  return (
    <Section title="Webhook deliveries">
      {!noWebhooks && <ErrorNote error={error} />}
      <ErrorNote error={retryError} />
      {!data && !error && <Loading what="deliveries" />}
      {data && data.deliveries.length === 0 && <p class="muted">None: the order has no callbackUrl, or nothing was sent yet.</p>}
      {data && data.deliveries.length > 0 && (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">Attempts</th>
                <th scope="col">Last attempt</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.deliveries.map((delivery) => {
                const last = delivery.attempts.at(-1);
                return (
                  <tr key={delivery.deliveryId}>
                    <td>{delivery.type}</td>
                    <td>
                      <Status status={delivery.status} />
                    </td>
                    <td class="num">{delivery.attempts.length}</td>
                    <td>
                      {last ? (
                        <>
                          <Time at={last.at} /> {last.statusCode ?? last.error ?? ''}
                        </>
                      ) : (
                        '–'
                      )}
                    </td>
                    <td>
                      {delivery.status !== 'DELIVERED' && (
                        <button type="button" class="secondary" onClick={() => void retry(delivery.deliveryId)}>
                          Retry <span class="visually-hidden">{delivery.type}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
