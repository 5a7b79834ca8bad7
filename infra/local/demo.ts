/**
 * The demo of `npm start`: a Powerpack in the sandbox, then a three-line order through the HTTP
 * API exactly as a customer would place it, followed until it ends, then a summary table. Then
 * one pool rebalance run: a policy for the pool, a run that orders one rule's deficit
 * through the same workflow and reports another's surplus, that order followed to its end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PlivoBadRequestError } from '../../functions/lib/errors.js';
import { type PlivoClient, poolUuidOf, type Powerpack } from '../../functions/lib/plivo/index.js';
import { renderRun } from '../cli/pool-view.js';
import { isTerminal, renderProgress, renderSummary, type OrderProgress } from '../cli/progress.js';
import { setupPlivoClient, type LocalStack } from './stack.js';

export const DEMO_LINES = [
  { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 25 },
  { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 20 },
  { countryIso: 'CA', numberType: 'local', quantity: 15 },
] as const;

/**
 * The pool's policy for the demo's rebalance run, against what the demo order leaves in the pool
 * (US 512 ×25, US 415 ×20, CA ×15): 512 is below its min (order 10 to reach the target), 415 is
 * fine, CA is above its max (surplus reported, not released).
 */
export const DEMO_POLICY = {
  service: 'sms',
  rules: [
    { countryIso: 'US', numberType: 'local', prefix: '512', min: 30, target: 35, max: 40 },
    { countryIso: 'US', numberType: 'local', prefix: '415', min: 10, target: 20, max: 30 },
    { countryIso: 'CA', numberType: 'local', min: 5, target: 10, max: 12 },
  ],
  releaseSurplus: false,
  maxMonthlyIncrease: '25.00',
} as const;

export interface DemoOptions {
  tty: boolean;
  /** The terminal's width: progress lines are cut to fit it. @default no limit */
  columns?: number;
  write: (text: string) => void;
  /** How often to poll the order, in ms. @default 250 */
  pollMs?: number;
  /** Also show one pool rebalance run after the order. @default true */
  rebalance?: boolean;
}

export interface DemoResult {
  orderId: string;
  status: string;
  /** The rebalance run's order and how it ended, when the run ordered something. */
  rebalance?: { runId: string; orderId?: string; status?: string };
}

/**
 * A fresh Powerpack (and pool) each run, so the rebalance decides as documented: "number-orders
 * demo", or "number-orders demo N" when a stack started with --data-dir kept earlier runs' (Plivo
 * refuses a name already used).
 */
async function createDemoPowerpack(plivo: PlivoClient): Promise<Powerpack> {
  for (let run = 1; ; run++) {
    try {
      return await plivo.createPowerpack({ name: run === 1 ? 'number-orders demo' : `number-orders demo ${run}` });
    } catch (error) {
      if (!(error instanceof PlivoBadRequestError && /already used/.test(error.message)) || run >= 1_000) throw error;
    }
  }
}

export async function runDemo(stack: LocalStack, options: DemoOptions): Promise<DemoResult> {
  const plivo = setupPlivoClient(stack);
  const powerpack = await createDemoPowerpack(plivo);
  const poolUuid = poolUuidOf(powerpack);
  options.write(`\nDemo: Powerpack ${powerpack.uuid}, number pool ${poolUuid}\n`);
  const api = apiOf(stack);
  const accepted = await api<{ orderId?: string }>('POST', '/orders', { poolUuid, service: 'sms', lines: DEMO_LINES, reference: 'npm-start-demo' }, 202);
  const orderId = String(accepted.orderId);
  options.write(`Demo order ${orderId} accepted (202); following it:\n\n`);
  const status = await followOrder(stack, orderId, options);
  if (options.rebalance === false || status !== 'COMPLETED') return { orderId, status };

  options.write(`\nRebalance: policy for pool ${poolUuid} (PUT /pools/${poolUuid}/policy):\n`);
  for (const rule of DEMO_POLICY.rules) options.write(`  ${rule.countryIso} ${rule.numberType} ${'prefix' in rule ? rule.prefix : '(any prefix)'}: min ${rule.min}, target ${rule.target}, max ${rule.max}\n`);
  await api('PUT', `/pools/${poolUuid}/policy`, DEMO_POLICY, 200);
  const run = await api<Parameters<typeof renderRun>[0] & { runId: string; orderId?: string }>('POST', `/pools/${poolUuid}/rebalance`, { dryRun: false }, 200);
  options.write(`One run (POST /pools/${poolUuid}/rebalance):\n${renderRun(run, { url: stack.apiUrl })}\n`);
  if (!run.orderId) return { orderId, status, rebalance: { runId: run.runId } };
  options.write(`\nFollowing the rebalance order ${run.orderId}:\n\n`);
  const rebalanced = await followOrder(stack, run.orderId, options);
  return { orderId, status, rebalance: { runId: run.runId, orderId: run.orderId, status: rebalanced } };
}

/** A JSON call to the local API that must answer `expected`. */
function apiOf(stack: LocalStack) {
  return async <T = Record<string, unknown>>(method: string, path: string, body: unknown, expected: number): Promise<T> => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as T & { error?: string };
    if (response.status !== expected) throw new Error(`the demo's ${method} ${path} was refused (${response.status}): ${answer.error ?? ''}`);
    return answer;
  };
}

/** Shows an order's progress until it ends, then its summary; returns its final status. */
async function followOrder(stack: LocalStack, orderId: string, options: DemoOptions): Promise<string> {
  const headers = { 'x-api-key': stack.apiKey };
  let previous = '';
  let linesDrawn = 0;
  for (;;) {
    const response = await fetch(`${stack.apiUrl}/orders/${orderId}`, { headers });
    const order = (await response.json()) as OrderProgress;
    const frame = renderProgress(order, { tty: options.tty, ...(options.columns ? { columns: options.columns } : {}) });
    if (options.tty) {
      // Redraw in place: move up over the previous frame.
      options.write(`${linesDrawn > 0 ? `\x1b[${linesDrawn}A\x1b[J` : ''}${frame}\n`);
      linesDrawn = frame.split('\n').length;
    } else if (frame !== previous) {
      options.write(`${frame}\n`);
    }
    previous = frame;
    if (isTerminal(order.status)) {
      options.write(`\n${renderSummary(order)}\n`);
      return order.status;
    }
    await sleep(options.pollMs ?? 250);
  }
}
