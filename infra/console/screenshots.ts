/**
 * `npm run console:screenshots`: the screenshots in docs/console.md, taken from the real console on
 * a local stack with a little history (a completed order of three lines, one of them linked to a
 * 10DLC campaign, one waiting on address
 * regulations, a pool with a policy and a rebalance run, a reconciler run), in Debian's Chromium,
 * at 1280 px and at a phone's 390 px. Writes docs/console/*.png.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { startLocalStack, type LocalStack } from '../local/stack.js';
import { chromiumMissing, launchChromium } from './chromium.js';

const OUT = fileURLToPath(new URL('../../docs/console/', import.meta.url));

async function call(stack: LocalStack, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': stack.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function history(stack: LocalStack): Promise<{ poolUuid: string; orderId: string }> {
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  const poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'console screenshots' }));
  // A 10DLC campaign in the sandbox, so one line shows its numbers linked before the pool.
  const campaign = await fetch(`${stack.plivoUrl}/__sandbox/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ campaignId: 'CLAUNCH', usecase: 'MIXED' }),
  });
  if (campaign.status !== 201) throw new Error(`the sandbox did not register the campaign: ${campaign.status}`);
  const order = await call(stack, 'POST', '/orders', {
    poolUuid,
    reference: 'launch-2026-12',
    lines: [
      { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 25 },
      { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 20, campaignId: 'CLAUNCH' },
      { countryIso: 'CA', numberType: 'local', quantity: 15 },
    ],
  });
  await stack.stepFunctions.waitForExecution(String(order.executionArn));
  await call(stack, 'POST', '/orders', { poolUuid, reference: 'paris-office', lines: [{ countryIso: 'FR', numberType: 'local', quantity: 2 }] });
  await call(stack, 'PUT', `/pools/${poolUuid}/policy`, {
    rules: [
      { countryIso: 'US', numberType: 'local', prefix: '512', min: 30, target: 35, max: 40 },
      { countryIso: 'US', numberType: 'local', prefix: '415', min: 10, target: 20, max: 30 },
      { countryIso: 'CA', numberType: 'local', min: 5, target: 10, max: 12 },
    ],
  });
  const run = await call(stack, 'POST', `/pools/${poolUuid}/rebalance`, { dryRun: false });
  if (typeof run.orderId === 'string') {
    const placed = await call(stack, 'GET', `/orders/${run.orderId}`);
    await stack.stepFunctions.waitForExecution(String(placed.executionArn));
  }
  await stack.reconciler.runOnce();
  return { poolUuid, orderId: String(order.orderId) };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (chromiumMissing) throw new Error(`cannot take screenshots: ${chromiumMissing}`);
  await mkdir(OUT, { recursive: true });
  const stack = await startLocalStack({ apiPort: 0, sandboxPort: 0, sfnPort: 0, dynamodbPort: 0, reconcileIntervalSeconds: 0, logLevel: 'SILENT' });
  const browser = await launchChromium({ width: 1280, height: 800 });
  try {
    const { poolUuid, orderId } = await history(stack);
    const page = await browser.context.newPage();
    await page.goto(stack.consoleUrl);
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Open the console' }).click();
    /** `ready`: a text the page shows once loaded, or `svg` for its chart. */
    const shoot = async (hash: string, file: string, ready: string) => {
      await page.goto(`${stack.consoleUrl}${hash}`);
      await (ready === 'svg' ? page.locator('svg.stock') : page.getByText(ready)).first().waitFor({ timeout: 15_000 });
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: `${OUT}${file}`, fullPage: true });
      process.stdout.write(`docs/console/${file}\n`);
    };
    await shoot('#/orders', 'orders.png', 'launch-2026-12');
    await shoot(`#/orders/${orderId}`, 'order.png', 'SUCCEEDED');
    await shoot(`#/pools/${poolUuid}`, 'pool.png', 'svg');
    await shoot('#/reconciliation', 'reconciliation.png', 'Last run');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(`#/orders/${orderId}`, 'order-phone.png', 'SUCCEEDED');
  } finally {
    await browser.close();
    await stack.close();
  }
}

await main();
