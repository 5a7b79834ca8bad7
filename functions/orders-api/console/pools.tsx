/**
 * Pools: every pool with a policy; a pool's stock per rule against min / target / max as a bar
 * chart, its policy, its rebalance runs with their decisions and orders, and a dry run on demand.
 */
import { useState } from 'preact/hooks';
import type { PoolRunList, PoolRunView, StoredPolicyView } from '../../lib/orders/contract.js';
import type { PoolList } from '../pools-routes.js';
import { api, encode } from './api.js';
import { href, navigate } from './router.js';
import { useApi } from './use-api.js';
import { ErrorNote, Loading, Section, Time } from './ui.js';

type RuleOutcome = PoolRunView['rules'][number];

export function PoolsPage() {
  const { data, error } = useApi<PoolList>('/pools');
  const [uuid, setUuid] = useState('');
  return (
    <>
      <h1>Pools</h1>
      <ErrorNote error={error} />
      {!data && !error && <Loading what="pools" />}
      {data && data.pools.length === 0 && <p class="muted">No pool has a rebalancing policy yet (PUT /pools/{'{poolUuid}'}/policy).</p>}
      {data && data.pools.length > 0 && (
        <ul class="cards">
          {data.pools.map((pool) => (
            <li key={pool.poolUuid} class="card">
              <a href={href.pool(pool.poolUuid)}>
                <code>{pool.poolUuid}</code>
              </a>
              <p class="muted">
                policy version {pool.policyVersion}, {pool.rules} {pool.rules === 1 ? 'rule' : 'rules'}, updated <Time at={pool.updatedAt} />
              </p>
            </li>
          ))}
        </ul>
      )}
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          if (uuid.trim()) navigate(href.pool(uuid.trim()));
        }}
      >
        <label>
          Open a pool by uuid
          <input value={uuid} onInput={(event) => setUuid(event.currentTarget.value)} autoComplete="off" />
        </label>
        <button type="submit">Open</button>
      </form>
    </>
  );
}

function ruleName(rule: Record<string, unknown>): string {
  const parts = [rule.countryIso, rule.numberType, rule.prefix ? `prefix ${String(rule.prefix)}` : rule.region ? String(rule.region) : 'any prefix'];
  return parts.filter(Boolean).map(String).join(' ');
}

/** One rule's stock: in pool and in transit against min, target and max, in an SVG (no inline styles under the CSP). */
function StockChart({ outcome }: { outcome: RuleOutcome }) {
  const width = 300;
  const top = Math.max(outcome.max, outcome.inPool + outcome.inTransit, 1) * 1.1;
  const x = (value: number) => (value / top) * width;
  const label = `${ruleName(outcome.rule)}: ${outcome.inPool} in pool, ${outcome.inTransit} in transit; min ${outcome.min}, target ${outcome.target}, max ${outcome.max}`;
  const marker = (value: number, kind: string) => <line class={`mark mark-${kind}`} x1={x(value)} x2={x(value)} y1="2" y2="26" />;
  return (
    <svg class="stock" viewBox={`0 0 ${width} 28`} preserveAspectRatio="none" role="img" aria-label={label}>
      <rect class="bar-track" x="0" y="6" width={width} height="16" />
      <rect class="seg-verified" x="0" y="6" width={x(outcome.inPool)} height="16" />
      <rect class="seg-transit" x={x(outcome.inPool)} y="6" width={x(outcome.inTransit)} height="16" />
      {marker(outcome.min, 'min')}
      {marker(outcome.target, 'target')}
      {marker(outcome.max, 'max')}
    </svg>
  );
}

function RulesTable({ rules, caption }: { rules: readonly RuleOutcome[]; caption: string }) {
  return (
    <div class="scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col" class="chart-col">
              Stock
            </th>
            <th scope="col" class="num">
              In pool
            </th>
            <th scope="col" class="num">
              In transit
            </th>
            <th scope="col" class="num">
              Min / target / max
            </th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((outcome, i) => (
            <tr key={i}>
              <td>{ruleName(outcome.rule)}</td>
              <td class="chart-col">
                <StockChart outcome={outcome} />
              </td>
              <td class="num">{outcome.inPool}</td>
              <td class="num">{outcome.inTransit}</td>
              <td class="num">
                {outcome.min} / {outcome.target} / {outcome.max}
              </td>
              <td>
                {outcome.decision}
                {outcome.quantity > 0 && ` ${outcome.quantity}`}
                {outcome.orderId && (
                  <>
                    {' '}
                    <a href={href.order(outcome.orderId)}>order {outcome.orderId.slice(0, 8)}</a>
                  </>
                )}
                {outcome.note && <span class="muted"> {outcome.note}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="legend" aria-hidden="true">
        <span class="key key-pool">in pool</span> <span class="key key-transit">in transit</span> <span class="key key-min">min</span> <span class="key key-target">target</span>{' '}
        <span class="key key-max">max</span>
      </p>
    </div>
  );
}

/** The policy's settings beside its rules (which the stock table shows with their numbers). */
function PolicySettings({ policy }: { policy: StoredPolicyView['policy'] }) {
  const rules = Array.isArray(policy.rules) ? (policy.rules as Record<string, unknown>[]) : [];
  const settings = Object.entries(policy).filter(([key]) => key !== 'rules');
  return (
    <>
      <dl class="facts">
        {settings.flatMap(([key, value]) => [
          <dt key={`${key}-name`}>{key}</dt>,
          <dd key={`${key}-value`}>
            <code>{JSON.stringify(value)}</code>
          </dd>,
        ])}
      </dl>
      <div class="scroll">
        <table>
          <caption>Rules</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col" class="num">
                Min
              </th>
              <th scope="col" class="num">
                Target
              </th>
              <th scope="col" class="num">
                Max
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule, i) => (
              <tr key={i}>
                <td>{ruleName(rule)}</td>
                <td class="num">{String(rule.min)}</td>
                <td class="num">{String(rule.target)}</td>
                <td class="num">{String(rule.max)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function PoolPage({ poolUuid }: { poolUuid: string }) {
  const base = `/pools/${encode(poolUuid)}`;
  const plan = useApi<PoolRunView>(base);
  const policy = useApi<StoredPolicyView>(`${base}/policy`);
  const runs = useApi<PoolRunList>(`${base}/runs`);
  const [dryRun, setDryRun] = useState<PoolRunView | undefined>(undefined);
  const [dryRunError, setDryRunError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const runDry = async () => {
    setBusy(true);
    setDryRunError(undefined);
    try {
      setDryRun(await api<PoolRunView>('POST', `${base}/rebalance`, { dryRun: true }));
      await Promise.all([plan.reload(), runs.reload()]);
    } catch (failure) {
      setDryRunError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p>
        <a href={href.pools()}>← Pools</a>
      </p>
      <h1>
        Pool <code>{poolUuid}</code>
      </h1>
      <Section title="Stock per rule">
        <ErrorNote error={plan.error} />
        {!plan.data && !plan.error && <Loading what="the pool's stock" />}
        {plan.data && <RulesTable rules={plan.data.rules} caption="Now, and what the next run would decide" />}
        <div class="actions">
          <button type="button" onClick={() => void runDry()} disabled={busy}>
            {busy ? 'Planning…' : 'Dry run (plan, order nothing)'}
          </button>
        </div>
        <ErrorNote error={dryRunError} />
        {dryRun && (
          <div role="status">
            <RulesTable rules={dryRun.rules} caption={`Dry run ${dryRun.runId} (policy version ${dryRun.policyVersion})`} />
          </div>
        )}
      </Section>
      <Section title="Policy">
        <ErrorNote error={policy.error} />
        {policy.data && (
          <>
            <p class="muted">
              Version {policy.data.version}, updated <Time at={policy.data.updatedAt} />
            </p>
            <PolicySettings policy={policy.data.policy} />
          </>
        )}
      </Section>
      <Section title="Runs">
        <ErrorNote error={runs.error} />
        {runs.data && runs.data.runs.length === 0 && <p class="muted">No runs yet.</p>}
        {runs.data && runs.data.runs.length > 0 && (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Started</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Decisions</th>
                  <th scope="col">Orders</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.runs.map((run) => {
                  const orders = run.orderIds ?? (run.orderId ? [run.orderId] : []);
                  return (
                    <tr key={run.runId}>
                      <td>
                        <code>{run.runId}</code>
                        {run.dryRun && <span class="tag">dry run</span>}
                      </td>
                      <td>
                        <Time at={run.startedAt} />
                      </td>
                      <td>{run.trigger}</td>
                      <td>
                        <ul class="plain">
                          {run.rules.map((rule, i) => (
                            <li key={i}>
                              {ruleName(rule.rule)}: {rule.decision}
                              {rule.quantity > 0 ? ` ${rule.quantity}` : ''}
                            </li>
                          ))}
                        </ul>
                      </td>
                      <td>
                        {orders.length === 0
                          ? '–'
                          : orders.map((orderId) => (
                              <a key={orderId} href={href.order(orderId)}>
                                {orderId.slice(0, 8)}
                              </a>
                            ))}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </>
  );
}
