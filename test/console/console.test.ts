/**
 * The operations console in a real browser (Debian's Chromium through playwright-core) against the
 * whole local stack: the URL `npm start` prints, the API key form, an order placed through the page
 * and watched to its end (progress bars, numbers, timeline), a waiting line resolved as rejected
 * and its order cancelled after a confirmation, a pool's stock chart and a dry run, the reconciler's report, the keyboard, a phone.
 * Without Chromium the suite is left out (global-setup.ts says so in one line).
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { chromiumMissing, launchChromium, type Browser } from '../../infra/console/chromium.js';

const UI_TIMEOUT = 15_000;

let stack: LocalStack;
let browser: Browser;
let page: Page;
let poolUuid: string;
const said: string[] = [];
/** Every URL the page asked for, and every error it logged (a CSP violation among them). */
const requested: string[] = [];
const pageErrors: string[] = [];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': stack.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** An expression evaluated in the page (as a string: these tests are typed for Node, not the DOM). */
const inPage = <T = unknown>(expression: string) => page.evaluate(expression) as Promise<T>;

const section = (name: string) => page.getByRole('region', { name });

async function placeThroughPage(lines: readonly { country: string; prefix?: string; quantity: number; campaign?: string }[], reference: string): Promise<string> {
  await page.goto(`${stack.consoleUrl}#/orders`);
  await page.getByText('New order').click();
  await page.getByLabel('Number pool uuid').fill(poolUuid);
  await page.getByLabel('Reference').first().fill(reference);
  for (const [i, line] of lines.entries()) {
    if (i > 0) await page.getByRole('button', { name: 'Add a line' }).click();
    const fields = page.getByRole('group', { name: `Line ${i}` });
    await fields.getByLabel('Country').fill(line.country);
    if (line.prefix) await fields.getByLabel('Prefix').fill(line.prefix);
    await fields.getByLabel('Quantity').fill(String(line.quantity));
    if (line.campaign) await fields.getByLabel('10DLC campaign').fill(line.campaign);
  }
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/#\/orders\/[0-9a-f-]{36}$/, { timeout: UI_TIMEOUT });
  return decodeURIComponent(new URL(page.url()).hash.split('/').at(-1) ?? '');
}

const summaryStatus = (status: string) => section('Summary').locator('.status', { hasText: new RegExp(`^${status}$`) });

describe.skipIf(chromiumMissing !== undefined)(`the console in Chromium${chromiumMissing ? ` (left out: ${chromiumMissing})` : ''}`, () => {
  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({
        apiPort: 0,
        sandboxPort: 0,
        sfnPort: 0,
        dynamodbUrl: inject('dynamodbEndpoint'),
        tableName: `console-${randomUUID().slice(0, 8)}`,
        reconcileIntervalSeconds: 0,
        retryPauseMs: 50,
        logLevel: 'SILENT',
        say: (line) => said.push(line),
        sandboxBehaviour: { tendlcLinkDelayMs: 200 },
      }),
      launchChromium(),
    ]);
    const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
    poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'console' }));
    page = await browser.context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('is printed by the stack, asks for the API key, and sends it on every data call', async () => {
    expect(said).toContain(`Console         ${stack.apiUrl}/console  (asks for the API key)`);
    const calls: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/orders') calls.push(request.headers()['x-api-key']);
    });
    await page.goto(stack.consoleUrl);
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor({ timeout: UI_TIMEOUT });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((key) => key === stack.apiKey)).toBe(true);
    // Kept for the tab only.
    expect(await inPage('[sessionStorage.length, localStorage.length]')).toEqual([1, 0]);
  });

  it('places an order through the page and watches it complete: a bar per line, its numbers, its timeline', async () => {
    const orderId = await placeThroughPage([{ country: 'US', prefix: '512', quantity: 3 }], 'browser-order');
    await summaryStatus('COMPLETED').waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole('img', { name: /^#0 US local prefix 512: 3 verified, 3 assigned, 3 rented, 0 failed, 0 released of 3 requested$/ }).waitFor({ timeout: UI_TIMEOUT });
    await section('Numbers').locator('tbody tr', { hasText: 'VERIFIED' }).nth(2).waitFor({ timeout: UI_TIMEOUT });
    await section('Timeline').locator('.status', { hasText: 'SUCCEEDED' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await section('Timeline').locator('tbody tr').count()).toBeGreaterThan(3);
    // The list shows it, and the reference search finds it.
    await page.getByRole('link', { name: '← Orders' }).click();
    await page.getByLabel('Reference').last().fill('browser-ord');
    await page.getByRole('link', { name: new RegExp(orderId) }).waitFor({ timeout: UI_TIMEOUT });
    await page.getByLabel('Reference').last().fill('no such reference');
    await page.getByText('No orders match.').waitFor({ timeout: UI_TIMEOUT });
  });

  it('places a line with a 10DLC campaign and shows its numbers linked before the pool', async () => {
    const created = await fetch(`${stack.plivoUrl}/__sandbox/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId: 'CCONSOLE', usecase: 'MIXED' }),
    });
    expect(created.status).toBe(201);
    await placeThroughPage([{ country: 'US', prefix: '415', quantity: 2, campaign: 'CCONSOLE' }], 'browser-10dlc');
    await summaryStatus('COMPLETED').waitFor({ timeout: UI_TIMEOUT });
    await page
      .getByRole('img', { name: /^#0 US local prefix 415 10DLC CCONSOLE: 2 verified, 2 assigned, 2 linked, 2 rented, 0 failed, 0 released of 2 requested$/ })
      .waitFor({ timeout: UI_TIMEOUT });
  });

  it('resolves a waiting line as rejected, then cancels the order after a confirmation, focus on the confirming button', async () => {
    await placeThroughPage([{ country: 'FR', quantity: 1 }, { country: 'FR', quantity: 1 }], 'browser-cancel');
    await summaryStatus('PENDING_REGULATORY').waitFor({ timeout: UI_TIMEOUT });
    const resolve = page.locator('.card', { has: page.getByRole('heading', { name: /Resolve line 0/ }) });
    await resolve.getByLabel(/the regulator rejected it/).fill('address proof refused');
    await resolve.getByRole('button', { name: 'Fail the line as rejected' }).click();
    await page.locator('.line', { hasText: '#0 FR local' }).locator('.status', { hasText: /^FAILED$/ }).waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole('heading', { name: /Resolve line 1/ }).waitFor();
    await page.getByRole('button', { name: 'Cancel order…' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await inPage('document.activeElement?.textContent')).toBe('Yes, cancel the order');
    await page.keyboard.press('Enter');
    await summaryStatus('CANCELLED').waitFor({ timeout: UI_TIMEOUT });
    stack.sandbox?.rejectPending();
  });

  it("shows a pool's stock per rule as a chart, its policy and runs, and runs a dry run", async () => {
    const put = await api('PUT', `/pools/${poolUuid}/policy`, {
      rules: [
        { countryIso: 'US', numberType: 'local', prefix: '512', min: 2, target: 4, max: 6 },
        { countryIso: 'CA', numberType: 'local', min: 1, target: 2, max: 3 },
      ],
    });
    expect(put.status).toBe(200);
    await page.getByRole('link', { name: 'Pools' }).click();
    await page.getByRole('link', { name: poolUuid }).click();
    const chart = section('Stock per rule').getByRole('img', { name: /^US local prefix 512: 3 in pool, 0 in transit; min 2, target 4, max 6$/ });
    await chart.waitFor({ timeout: UI_TIMEOUT });
    expect(await section('Stock per rule').getByRole('img').count()).toBe(2);
    await section('Policy').getByRole('cell', { name: 'US local prefix 512' }).waitFor();
    await page.getByRole('button', { name: /Dry run/ }).click();
    await page.getByRole('status').getByText(/^Dry run \d{13}-[0-9a-f]{8}/).waitFor({ timeout: UI_TIMEOUT });
    await section('Runs').locator('tbody tr').first().waitFor({ timeout: UI_TIMEOUT });
    expect(await section('Runs').locator('.tag', { hasText: 'dry run' }).count()).toBe(1);
  });

  it("shows the reconciler's last run with provable and foreign orphans", async () => {
    await stack.reconciler.runOnce();
    await page.getByRole('link', { name: 'Reconciliation' }).click();
    await section('Last run').waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole('heading', { name: /^Provable orphans \(\d+\)$/ }).waitFor();
    await page.getByRole('heading', { name: /^Foreign orphans \(\d+\)$/ }).waitFor();
    await section('Recoveries').getByText('Dead executions recovered').waitFor();
  });

  it('is usable by keyboard, and readable on a phone without sideways scrolling', async () => {
    await page.goto('about:blank'); // a fresh load, not a change of fragment
    await page.goto(`${stack.consoleUrl}#/orders`);
    await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor({ timeout: UI_TIMEOUT });
    await page.keyboard.press('Tab');
    expect(await inPage('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await inPage('document.activeElement?.textContent')).toBe('Orders');
    expect(await inPage("document.activeElement?.getAttribute('aria-current')")).toBe('page');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const hash of ['#/orders', `#/pools/${poolUuid}`, '#/reconciliation']) {
      await page.goto(`${stack.consoleUrl}${hash}`);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await inPage<number>('document.documentElement.scrollWidth'), hash).toBeLessThanOrEqual(390);
    }
  });

  it('loaded nothing from anywhere but the API, and broke no rule of its Content-Security-Policy', () => {
    expect(requested.length).toBeGreaterThan(20);
    expect(requested.filter((url) => !url.startsWith(`${stack.apiUrl}/`) && url !== 'about:blank')).toEqual([]);
    // The API's 404s and 409s the tests provoke are not page errors; anything else is.
    expect(pageErrors.filter((text) => !/status of 4\d\d/.test(text))).toEqual([]);
  });
});
