/** The reconciler's last run: what it read, recovered and settled, and the orphans it found (provable ones ours, foreign ones not). */
import type { z } from 'zod';
import type { reconciliationSchema } from '../ops-routes.js';
import { ApiError } from './api.js';
import { href } from './router.js';
import { useApi } from './use-api.js';
import { ErrorNote, Loading, Section, Time } from './ui.js';

type Reconciliation = z.infer<typeof reconciliationSchema>;

const LATE_WORK: readonly [keyof Reconciliation, string][] = [
  ['claimed', 'Numbers delivered late for waiting lines, claimed for them'],
  ['resumed', 'Waiting lines resumed'],
  ['activated', 'Pending numbers Plivo activated'],
  ['lateReleased', 'Late numbers no line needed, released'],
  ['lateLeaked', 'Late numbers Plivo would not take back (leaked)'],
  ['rejected', 'Waiting lines failed: Plivo withdrew their pending numbers'],
  ['expired', 'Waiting lines that reached their deadline'],
  ['expectedDeliveries', 'Deliveries still expected'],
];

function OrderLinks({ orderIds }: { orderIds: readonly string[] }) {
  return (
    <>
      {orderIds.map((orderId, i) => (
        <span key={orderId}>
          {i > 0 && ', '}
          <a href={href.order(orderId)}>{orderId.slice(0, 8)}</a>
        </span>
      ))}
    </>
  );
}

function Recovered({ recoveries }: { recoveries: Reconciliation['recoveries'] }) {
  if (!recoveries) return <p class="muted">This report does not say what its run recovered.</p>;
  const { recovered, startedUnstarted, notRecovered } = recoveries;
  return (
    <dl class="facts">
      <dt>Dead executions recovered</dt>
      <dd>{recovered.length === 0 ? 'none' : <OrderLinks orderIds={recovered.map((r) => r.orderId)} />}</dd>
      <dt>Unstarted orders started</dt>
      <dd>{startedUnstarted.length === 0 ? 'none' : <OrderLinks orderIds={startedUnstarted} />}</dd>
      <dt>Not recovered (an operator must look)</dt>
      <dd>{notRecovered.length === 0 ? 'none' : <OrderLinks orderIds={notRecovered} />}</dd>
    </dl>
  );
}

function NumberList({ numbers, empty }: { numbers: readonly string[]; empty: string }) {
  if (numbers.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="numbers">
      {numbers.map((n) => (
        <li key={n}>
          <code>+{n}</code>
        </li>
      ))}
    </ul>
  );
}

export function ReconciliationPage() {
  const { data, error } = useApi<Reconciliation>('/reconciliation');
  const notYet = error instanceof ApiError && error.status === 404;
  const provable = new Set(data?.provableOrphans ?? []);
  const foreign = (data?.orphans ?? []).filter((n) => !provable.has(n));
  return (
    <>
      <h1>Reconciliation</h1>
      {notYet ? <p>The reconciler has not run yet.</p> : <ErrorNote error={error} />}
      {!data && !error && <Loading what="the last run" />}
      {data && (
        <>
          <Section title="Last run">
            <dl class="facts">
              <dt>Checked</dt>
              <dd>
                <Time at={data.checkedAt} />
              </dd>
              <dt>Account read</dt>
              <dd>
                {data.scan}, {data.accountNumbers} numbers
                {data.accountPass && ` (pass ${data.accountPass.complete ? 'complete' : `at ${data.accountPass.offset} of ${data.accountPass.total}`})`}
              </dd>
              <dt>Waiting lines</dt>
              <dd>{data.waitingLines}</dd>
              <dt>Orphan report from</dt>
              <dd>
                <Time at={data.orphansCheckedAt} />
              </dd>
            </dl>
          </Section>
          <Section title="Recoveries">
            <Recovered recoveries={data.recoveries} />
            <table>
              <caption>Late numbers and waiting lines</caption>
              <tbody>
                {LATE_WORK.map(([key, label]) => (
                  <tr key={key}>
                    <th scope="row">{label}</th>
                    <td class="num">{String(data[key] ?? 0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title={`Provable orphans (${data.provableOrphanCount})`} id="provable">
            <p class="muted">Ours by our records (a delivery waiting for its line, a rent whose outcome is open): the system settles them.{data.provableSurvivors > 0 && ` ${data.provableSurvivors} were already there last run: their settling is stuck.`}</p>
            <NumberList numbers={data.provableOrphans} empty="None." />
          </Section>
          <Section title={`Foreign orphans (${Math.max(data.orphanCount - data.provableOrphanCount, foreign.length)})`} id="foreign">
            <p class="muted">In the account, owned by no order and awaited by no line: someone must decide what they are.</p>
            <NumberList numbers={foreign} empty="None." />
          </Section>
        </>
      )}
    </>
  );
}
