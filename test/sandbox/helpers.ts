/**
 * Helpers for the sandbox suites: real HTTP with fetch against a sandbox started in-process.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPlivoSandbox, type PlivoSandbox, type SandboxOptions } from '../../infra/local/plivo-sandbox/index.js';

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: Record<string, unknown> & { api_id?: string; error?: string };
  text: string;
}

export interface CallOptions {
  /** JSON body. */
  json?: unknown;
  /** Form-urlencoded body. */
  form?: Record<string, string>;
  /** Credentials; null sends none. Defaults to the sandbox's. */
  auth?: [string, string] | null;
}

export const basicAuth = (id: string, token: string): string => `Basic ${Buffer.from(`${id}:${token}`).toString('base64')}`;

async function toAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Answer['body']), text };
}

/** Calls `path` below the account URL (e.g. `Number/?limit=5`). */
export async function api(sandbox: PlivoSandbox, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const auth = options.auth === undefined ? ([sandbox.authId, sandbox.authToken] as [string, string]) : options.auth;
  if (auth) headers.authorization = basicAuth(...auth);
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const url = path.startsWith('/') ? `${sandbox.url}${path}` : `${sandbox.accountUrl}/${path}`;
  return toAnswer(await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) }));
}

/** Calls an admin route (`/__sandbox/…`). */
export async function admin(sandbox: PlivoSandbox, method: string, path: string, json?: unknown): Promise<Answer> {
  return toAnswer(
    await fetch(`${sandbox.url}/__sandbox/${path}`, {
      method,
      ...(json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
    }),
  );
}

/** A sandbox on a free port, without the rate limit unless asked. */
export function startTestSandbox(options: SandboxOptions = {}): Promise<PlivoSandbox> {
  return startPlivoSandbox({ port: 0, rateLimit: null, ...options });
}

export interface GroupObject {
  group_id: string;
  prefix: string;
  region: string;
  stock: number;
  rental_rate: string;
  setup_rate: string;
  number_type: string;
  sms_enabled: boolean;
  mms_enabled: boolean;
  voice_enabled: boolean;
}

/** The first group a search finds. */
export async function findGroup(sandbox: PlivoSandbox, query: string): Promise<GroupObject> {
  const answer = await api(sandbox, 'GET', `AvailableNumberGroup/?${query}`);
  const group = (answer.body.objects as GroupObject[] | undefined)?.[0];
  if (!group) throw new Error(`no group for ${query}: ${answer.text}`);
  return group;
}

/** Rents `quantity` numbers from the first group of a search; returns the numbers (none when pending). */
export async function rent(sandbox: PlivoSandbox, query: string, quantity: number): Promise<string[]> {
  const group = await findGroup(sandbox, query);
  const answer = await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json: { quantity } });
  if (answer.status !== 201) throw new Error(`rent failed: ${answer.text}`);
  return ((answer.body.numbers ?? []) as { number: string }[]).map((entry) => entry.number);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A request the callback receiver got. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server on loopback that keeps every request it gets and answers `status` (200 until set). */
export interface CallbackReceiver {
  url: string;
  received: Received[];
  status: number;
  /** Forgets the requests so far and answers 200 again. */
  clear(): void;
  close(): Promise<void>;
}

export async function startCallbackReceiver(path: string): Promise<CallbackReceiver> {
  const receiver: Omit<CallbackReceiver, 'url'> = {
    received: [],
    status: 200,
    clear: () => {
      receiver.received.length = 0;
      receiver.status = 200;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      receiver.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(receiver, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}` });
}
