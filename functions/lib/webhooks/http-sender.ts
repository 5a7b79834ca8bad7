/**
 * Sends one webhook request, refusing to connect anywhere the address policy forbids.
 *
 * Written over node:http/node:https on purpose, not fetch: fetch (undici) resolves the name and
 * connects by itself and offers no hook between the two, so it cannot tell which address it is
 * about to connect to; checking the name beforehand with a DNS lookup of our own leaves a window
 * in which the name may resolve elsewhere (DNS rebinding: public at the check, 169.254.169.254 at
 * the connect). node:http takes a `lookup` function and connects to exactly the addresses it
 * returns, so the check and the connection use the same answer. Hosts that are IP literals are
 * never looked up; they are checked before the request. Redirects are not followed (a 3xx is a
 * failed attempt), so a receiver cannot bounce us somewhere else either. Each request has its own
 * socket (`agent: false`): nothing is reused from a connection checked under other rules.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { type CallbackPolicy, checkUrlShape, classifyAddress, type HostResolver, systemResolver } from './address-policy.js';

export interface WebhookRequest {
  url: string;
  /** Content type, the Standard Webhooks headers. */
  headers: Record<string, string>;
  body: string;
  /** From the start of the request to the answer's status line. */
  timeoutMs: number;
}

export type SendResult =
  | { kind: 'answered'; statusCode: number; durationMs: number }
  | {
      kind: 'failed';
      /** What went wrong, for the attempt record: no headers, no body, no secret. */
      error: string;
      durationMs: number;
      /** The address policy refused the destination; nothing was sent. */
      refused: boolean;
    };

/** What delivery uses to send; tests may give their own. */
export type WebhookSend = (request: WebhookRequest) => Promise<SendResult>;

export interface WebhookSenderOptions extends CallbackPolicy {
  /** Name resolution; every address it returns is checked. @default the system resolver */
  resolve?: HostResolver;
  /** @default "number-orders-webhooks/1" */
  userAgent?: string;
}

class RefusedDestinationError extends Error {
  override readonly name = 'RefusedDestinationError';
}

class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
}

function familyOf(options: LookupOptions): 0 | 4 | 6 {
  const family: unknown = options.family;
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/** A `lookup` for node:net that resolves the name and refuses it if any address is forbidden. */
export function guardedLookup(resolve: HostResolver, policy: CallbackPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = familyOf(options);
        const addresses: LookupAddress[] = found.filter((a) => family === 0 || a.family === family).map((a) => ({ address: a.address, family: a.family }));
        // One forbidden address refuses the name: with several answers, which one gets used is not ours to pick.
        for (const { address } of addresses) {
          const verdict = classifyAddress(address, policy);
          if (!verdict.allowed) {
            callback(new RefusedDestinationError(`refused: ${hostname} resolves to ${address}, ${verdict.what}`), '');
            return;
          }
        }
        const [first] = addresses;
        if (!first) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    );
  };
}

function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof AttemptTimeoutError) return `no answer within ${timeoutMs} ms`;
  if (error instanceof RefusedDestinationError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Builds the sender: one POST per call, the policy checked at connect time. */
export function createWebhookSender(options: WebhookSenderOptions = {}): WebhookSend {
  const policy: CallbackPolicy = { allowLocalCallbacks: options.allowLocalCallbacks ?? false };
  const lookup = guardedLookup(options.resolve ?? systemResolver, policy);
  const userAgent = options.userAgent ?? 'number-orders-webhooks/1';

  return (request) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const shape = checkUrlShape(request.url, policy);
    if (!shape.ok) return Promise.resolve({ kind: 'failed', error: `refused: callback URL ${shape.reason}`, durationMs: elapsed(), refused: true });
    const url = shape.url;
    const transport = url.protocol === 'https:' ? https : http;
    const body = Buffer.from(request.body, 'utf8');

    return new Promise<SendResult>((settle) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        settle(result);
      };
      const req = transport.request(url, {
        method: 'POST',
        agent: false,
        lookup,
        headers: { 'user-agent': userAgent, 'content-length': String(body.length), ...request.headers },
      });
      // One deadline for connect, send and the status line; it also ends a body that never finishes.
      const timer = setTimeout(() => req.destroy(new AttemptTimeoutError()), request.timeoutMs);
      req.on('response', (res) => {
        finish({ kind: 'answered', statusCode: res.statusCode ?? 0, durationMs: elapsed() });
        res.on('error', () => undefined);
        res.on('close', () => clearTimeout(timer));
        res.resume();
      });
      req.on('error', (error) => {
        clearTimeout(timer);
        finish({ kind: 'failed', error: describeError(error, request.timeoutMs), durationMs: elapsed(), refused: error instanceof RefusedDestinationError });
      });
      req.end(body);
    });
  };
}
