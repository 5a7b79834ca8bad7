/**
 * The demo order of `npm start`: a Powerpack in the sandbox, then a three-line order through the
 * HTTP API exactly as a customer would place it, followed until it ends, then a summary table.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { isTerminal, renderProgress, renderSummary, type OrderProgress } from '../cli/progress.js';
import type { LocalStack } from './stack.js';

export const DEMO_LINES = [
  { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 25 },
  { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 20 },
  { countryIso: 'CA', numberType: 'local', quantity: 15 },
] as const;

export interface DemoOptions {
  tty: boolean;
  write: (text: string) => void;
  /** How often to poll the order, in ms. @default 250 */
  pollMs?: number;
}

export async function runDemo(stack: LocalStack, options: DemoOptions): Promise<{ orderId: string; status: string }> {
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  const powerpack = await plivo.createPowerpack({ name: 'number-orders demo' });
  const poolUuid = poolUuidOf(powerpack);
  options.write(`\nDemo: Powerpack ${powerpack.uuid}, number pool ${poolUuid}\n`);
  const headers = { 'content-type': 'application/json', 'x-api-key': stack.apiKey };
  const created = await fetch(`${stack.apiUrl}/orders`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ poolUuid, service: 'sms', lines: DEMO_LINES, reference: 'npm-start-demo' }),
  });
  const accepted = (await created.json()) as { orderId?: string; error?: string };
  if (created.status !== 202 || !accepted.orderId) throw new Error(`the demo order was refused (${created.status}): ${accepted.error ?? ''}`);
  const orderId = accepted.orderId;
  options.write(`Demo order ${orderId} accepted (202); following it:\n\n`);

  let previous = '';
  let linesDrawn = 0;
  for (;;) {
    const response = await fetch(`${stack.apiUrl}/orders/${orderId}`, { headers });
    const order = (await response.json()) as OrderProgress;
    const frame = renderProgress(order, { tty: options.tty });
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
      return { orderId, status: order.status };
    }
    await sleep(options.pollMs ?? 250);
  }
}
