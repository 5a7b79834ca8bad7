/**
 * `npm run fuzz`: requests generated from the orders API's own `GET /openapi.json` (every route,
 * the keyless Plivo callback route included) with mutated bodies,
 * queries, headers, path parameters and methods, sent to the whole local stack. Pass: no 5xx, no
 * keyed route answers 2xx without a valid key, and nothing rented but by an order the API accepted.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { auditAccount } from '../audit/audit.js';
import { setupPlivoClient, startLocalStack } from '../local/stack.js';
import { seeded } from '../seeded.js';

export const HELP = `Usage: npm run fuzz -- [--requests N] [--seed S] [--json]

Sends N requests (default 2000) generated from GET /openapi.json, mutated (seed S, default 1), to a
local stack it starts on free ports. Exit 1 on a 5xx, a keyed route answering 2xx without a valid
key, or a number rented for anything but an order the API accepted.
`;

type Random = () => number;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
/** A header value fetch will send (visible ASCII, no edge spaces); others become "x". */
const headerValue = (value: string): string => (/^[\x21-\x7e](?:[\x20-\x7e]{0,500}[\x21-\x7e])?$/.test(value) ? value : 'x');
/** A generated value as text (JSON for objects: one with its own `toString` member has no string form). */
const text = (value: unknown): string => (value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value));

/** Names that are members of Object.prototype: a parser that indexes a plain object with them breaks. */
const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__'];
const STRINGS = ['', ' ', 'x', '0', '-1', '1e-300', '1e309', 'NaN', 'null', 'true', '../..', '%2F', '%00', '\u0000', 'é', '😀', '<script>', "' OR 1=1", 'x'.repeat(5_000), ...PROTO_NAMES];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

function randomValue(r: Random, depth = 0): unknown {
  const kind = Math.floor(r() * (depth > 2 ? 6 : 8));
  switch (kind) {
    case 0:
      return pick(r, STRINGS);
    case 1:
      return pick(r, [0, -1, 1, 1e-300, -0, 1e300, 2 ** 53, 0.5, 10_001, 365, 366]);
    case 2:
      return pick(r, [true, false]);
    case 3:
      return null;
    case 4:
      return pick(r, ['US', 'FR', 'local', 'tollfree', 'sms', '512', '14155550100', 'https://example.com/h']);
    case 5:
      return [];
    case 6:
      return Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(r() * 3) }, () => [pick(r, [...PROTO_NAMES, 'x', 'lines', 'quantity']), randomValue(r, depth + 1)]));
  }
}

/** A copy of `value` with one thing changed somewhere: a key dropped, a value replaced, a key added. */
function mutate(r: Random, value: unknown): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || r() < 0.2) return [...value, randomValue(r)];
    const i = Math.floor(r() * value.length);
    return value.map((item, j) => (j === i ? mutate(r, item) : item));
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    const roll = r();
    if (entries.length === 0 || roll < 0.2) return { ...value, [pick(r, [...PROTO_NAMES, 'extra', 'dryRun', 'quantity'])]: randomValue(r) };
    const [key] = pick(r, entries);
    if (roll < 0.4) return Object.fromEntries(entries.filter(([k]) => k !== key));
    if (roll < 0.7) return Object.fromEntries(entries.map(([k, v]) => [k, k === key ? randomValue(r) : v]));
    return Object.fromEntries(entries.map(([k, v]) => [k, k === key ? mutate(r, v) : v]));
  }
  return randomValue(r);
}

interface Operation {
  method: string;
  path: string;
  keyed: boolean;
  json: boolean;
  query: string[];
  example: unknown;
}

/** The operations the document lists, and the Plivo callback route it leaves out. */
function operationsOf(document: { paths: Record<string, Record<string, Record<string, unknown>>>; security?: unknown[] }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const security = (operation.security ?? document.security ?? []) as unknown[];
      const content = (operation.requestBody as { content?: Record<string, { examples?: Record<string, { value: unknown }>; example?: unknown }> } | undefined)?.content?.['application/json'];
      const examples = content?.examples ? Object.values(content.examples).map((e) => e.value) : content?.example !== undefined ? [content.example] : [];
      const parameters = (operation.parameters ?? []) as { in: string; name: string }[];
      operations.push({
        method: method.toUpperCase(),
        path,
        keyed: security.length > 0,
        json: content !== undefined,
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        example: examples[0] ?? {},
      });
    }
  }
  return operations;
}

export interface FuzzFigures {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  unauthorizedSuccesses: number;
  acceptedOrders: number;
  /** Numbers in the account that no accepted order owns (rented by a refused request), or audit findings. */
  rentedWithoutOrder: number;
  findings: string[];
  wallSeconds: number;
}

interface FuzzOptions {
  requests: number;
  seed: number;
  /** Run the stack on this DynamoDB endpoint (in `tableName`) instead of a DynamoDB Local of its own (the tests: the run's one). */
  dynamodb?: { dynamodbUrl: string; tableName: string };
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzFigures> {
  const r = seeded(options.seed);
  const started = Date.now();
  const stack = await startLocalStack({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...(options.dynamodb ?? { dynamodbPort: 0 }), reconcileIntervalSeconds: 0, seed: options.seed, logLevel: 'ERROR' });
  try {
    const plivo = setupPlivoClient(stack);
    const document = (await (await fetch(`${stack.apiUrl}/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
    const operations = operationsOf(document);
    // One real order (a dry run), so that path parameters also name something that exists.
    const real = await fetch(`${stack.apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
      body: JSON.stringify({ poolUuid: 'pool-fuzz', dryRun: true, lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 2 }] }),
    });
    const realId = ((await real.json()) as { orderId?: string }).orderId ?? 'none';
    const ids = [realId, realId, 'x', 'does-not-exist', '6b4e2b0a-5e0c-4a53-9d5c-0d7a2b9f1c11', '0', '%2e%2e', 'a'.repeat(300), ...PROTO_NAMES];
    const byStatus: Record<string, number> = {};
    const findings: string[] = [];
    const accepted = new Set<string>([realId]);
    let serverErrors = 0;
    let unauthorizedSuccesses = 0;
    for (let i = 0; i < options.requests; i++) {
      const operation = pick(r, operations);
      const method = r() < 0.1 ? pick(r, METHODS) : operation.method;
      const path = operation.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(pick(r, ids)));
      const query = new URLSearchParams();
      for (const name of operation.query) if (r() < 0.4) query.append(name, text(randomValue(r)));
      if (r() < 0.2) query.append(pick(r, PROTO_NAMES), text(randomValue(r)));
      const keyRoll = r();
      const key = keyRoll < 0.75 ? stack.apiKey : keyRoll < 0.85 ? undefined : keyRoll < 0.95 ? 'not-the-key' : '';
      const headers: Record<string, string> = {};
      if (key !== undefined) headers['x-api-key'] = key;
      if (r() < 0.15) headers[pick(r, PROTO_NAMES.filter((n) => n !== '__proto__'))] = 'x';
      if (r() < 0.05) headers['idempotency-key'] = pick(r, ['k', '', 'x'.repeat(500)]);
      let body: string | undefined;
      if (method !== 'GET' && method !== 'HEAD') {
        const roll = r();
        if (operation.path === '/webhooks/plivo') {
          headers['content-type'] = r() < 0.7 ? 'application/x-www-form-urlencoded' : pick(r, ['application/json', 'text/plain']);
          if (r() < 0.5) headers['x-plivo-signature-v3'] = headerValue(pick(r, STRINGS));
          if (r() < 0.5) headers['x-plivo-signature-v3-nonce'] = headerValue(pick(r, STRINGS));
          const fields = Array.from({ length: Math.floor(r() * 4) }, (): [string, string] => [pick(r, [...PROTO_NAMES, 'api_id', 'response', 'status_code']), text(randomValue(r))]);
          body = new URLSearchParams(fields).toString();
        } else {
          headers['content-type'] = r() < 0.9 ? 'application/json' : pick(r, ['text/plain', 'application/x-www-form-urlencoded', '']);
          // Orders are dry runs unless a mutation says otherwise: an accepted real order rents.
          const base = operation.path === '/orders' ? { ...(operation.example as object), dryRun: true, poolUuid: 'pool-fuzz' } : operation.example;
          let value: unknown = base;
          for (let m = Math.floor(r() * 4); m > 0; m--) value = mutate(r, value);
          body = roll < 0.05 ? pick(r, ['{', '[1,', '"', 'null', '{"a":' + '['.repeat(2_000)]) : JSON.stringify(value);
        }
      }
      const response = await fetch(`${stack.apiUrl}${path}${query.size ? `?${query}` : ''}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const answer = await response.text();
      byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
      const label = `${method} ${path}${query.size ? `?${query}` : ''} → ${response.status}`;
      if (response.status >= 500) {
        serverErrors++;
        findings.push(`${label}: ${answer.slice(0, 200)}`);
      }
      if (operation.keyed && key !== stack.apiKey && response.status >= 200 && response.status < 300) {
        unauthorizedSuccesses++;
        findings.push(`${label} without a valid key`);
      }
      if (method === 'POST' && operation.path === '/orders' && response.status === 202) {
        const orderId = (JSON.parse(answer) as { orderId?: string }).orderId;
        if (orderId) accepted.add(orderId);
      }
    }
    // Nothing rented but by an accepted order: every number in the account is owned by one of them.
    const audit = await auditAccount({ plivo, store: stack.store });
    const strays =
      audit.provableOrphans.length +
      audit.foreignNumbers.length +
      Object.entries(audit.ownedByOrder).reduce((sum, [orderId, count]) => sum + (accepted.has(orderId) ? 0 : count), 0);
    if (strays > 0) findings.push(`${strays} number(s) rented for no accepted order`);
    return {
      requests: options.requests,
      byStatus,
      serverErrors,
      unauthorizedSuccesses,
      acceptedOrders: accepted.size,
      rentedWithoutOrder: strays,
      findings: findings.slice(0, 50),
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { requests: { type: 'string', default: '2000' }, seed: { type: 'string', default: '1' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const requests = Number(values.requests);
  const seed = Number(values.seed);
  if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(seed)) {
    process.stderr.write(`--requests must be a whole number above 0 and --seed an integer\n\n${HELP}`);
    process.exit(2);
  }
  const figures = await runFuzz({ requests, seed });
  process.stdout.write(
    [
      `requests                ${figures.requests}`,
      `by status               ${Object.entries(figures.byStatus).map(([status, count]) => `${status}: ${count}`).join(', ')}`,
      `5xx                     ${figures.serverErrors}`,
      `2xx without a valid key ${figures.unauthorizedSuccesses}`,
      `orders accepted         ${figures.acceptedOrders}`,
      `rented for no order     ${figures.rentedWithoutOrder}`,
      `wall time (s)           ${figures.wallSeconds}`,
      ...figures.findings.map((finding) => `FINDING ${finding}`),
    ].join('\n') + '\n',
  );
  if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(figures.findings.length > 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`npm run fuzz failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
