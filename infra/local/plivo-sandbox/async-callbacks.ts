/**
 * Plivo's asynchronous mode: a call with `callback_url` is answered at once with
 * `{"message":"async api spawned","api_id"}`, and the real answer is sent to the callback later,
 * signed the way Plivo signs its callbacks (V3 signature with the auth token and a nonce).
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  SIGNATURE_MA_V3_HEADER,
  SIGNATURE_NONCE_HEADER,
  SIGNATURE_V3_HEADER,
  computeSignatureV3,
} from '../../../functions/lib/plivo/signature.js';
import type { Params } from './http.js';
import { enumParam, optionalText, parseParams } from './params.js';

export interface AsyncRequest {
  url: string;
  method: 'GET' | 'POST';
}

/** An optional callback URL parameter: absolute http or https. */
export const callbackUrlParam = (name: string) =>
  optionalText(name).refine(
    (url) => {
      if (url === undefined) return true;
      try {
        return ['http:', 'https:'].includes(new URL(url).protocol);
      } catch {
        return false;
      }
    },
    { error: `${name} must be an absolute http or https URL` },
  );

const asyncSchema = z.object({
  callback_url: callbackUrlParam('callback_url'),
  callback_method: enumParam('callback_method', ['get', 'post']),
});

/**
 * The async part of a call's parameters, if it has `callback_url`.
 * @throws ApiError 400 when callback_url or callback_method is malformed.
 */
export function parseAsyncRequest(params: Params): AsyncRequest | undefined {
  const p = parseParams(asyncSchema, params);
  if (p.callback_url === undefined) return undefined;
  return { url: p.callback_url, method: p.callback_method === 'get' ? 'GET' : 'POST' };
}

export interface CallbackDelivery extends AsyncRequest {
  apiId: string;
  statusCode: number;
  /** The JSON text of the real answer ("" for a 204). */
  response: string;
}

export interface CallbackSenderOptions {
  authToken: string;
  /** A fresh nonce per delivery (from the seeded ids stream). */
  nonce: () => string;
  log: (message: string) => void;
  /** @default 3 */
  attempts?: number;
  /** Per attempt. @default 5000 */
  timeoutMs?: number;
  /** Before the second attempt; doubled for each later one. @default 250 */
  retryDelayMs?: number;
}

/** Sends callbacks in the background; a few tries each, failures logged (never retried forever). */
export class CallbackSender {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private counts = { delivered: 0, failed: 0 };

  constructor(private readonly options: CallbackSenderOptions) {
    // Every callback in flight listens to it (a settled batch of 100 10DLC links is 100 at once): no limit to warn about.
    setMaxListeners(0, this.closing.signal);
  }

  /**
   * On the next turn of the event loop (after the current answer has been written), calls
   * `produce` — which carries out the operation — and delivers what it returns.
   */
  sendLater(produce: () => CallbackDelivery): void {
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.deliver(produce()))
      .catch((error: unknown) => this.options.log(`async operation failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Sends `params` to `request` now (in the background), signed as every callback is. */
  send(request: AsyncRequest, params: Record<string, string>, label: string): void {
    const task = this.post(request, params, label).finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  stats(): { delivered: number; failed: number; inFlight: number } {
    return { ...this.counts, inFlight: this.inFlight.size };
  }

  resetStats(): void {
    this.counts = { delivered: 0, failed: 0 };
  }

  /** Resolves when every callback under way has been delivered or given up. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Abandons the callbacks under way. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.idle();
  }

  private deliver(delivery: CallbackDelivery): Promise<void> {
    const params = { api_id: delivery.apiId, status_code: String(delivery.statusCode), response: delivery.response };
    return this.post(delivery, params, `async callback for api_id ${delivery.apiId}`);
  }

  private async post(delivery: AsyncRequest, params: Record<string, string>, label: string): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    const form = new URLSearchParams(params).toString();
    const url = delivery.method === 'GET' ? `${delivery.url}${delivery.url.includes('?') ? '&' : '?'}${form}` : delivery.url;
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts && !this.closing.signal.aborted; attempt++) {
      // A fresh nonce for each attempt, as a new request would have.
      const nonce = this.options.nonce();
      const signature = computeSignatureV3({
        method: delivery.method,
        url,
        ...(delivery.method === 'POST' ? { params } : {}),
        nonce,
        authToken: this.options.authToken,
      });
      try {
        const answer = await fetch(url, {
          method: delivery.method,
          headers: {
            [SIGNATURE_V3_HEADER]: signature,
            // The sandbox has no subaccounts: the main account's signature uses the same token.
            [SIGNATURE_MA_V3_HEADER]: signature,
            [SIGNATURE_NONCE_HEADER]: nonce,
            ...(delivery.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          ...(delivery.method === 'POST' ? { body: form } : {}),
          signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.timeoutMs ?? 5_000)]),
        });
        await answer.arrayBuffer().catch(() => undefined);
        if (answer.ok) {
          this.counts.delivered++;
          return;
        }
        lastProblem = `HTTP ${answer.status}`;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      if (attempt < attempts) {
        await sleep((this.options.retryDelayMs ?? 250) * 2 ** (attempt - 1), undefined, { signal: this.closing.signal }).catch(
          () => undefined,
        );
      }
    }
    this.counts.failed++;
    this.options.log(`${label} to ${delivery.url} failed after ${attempts} tries: ${lastProblem}`);
  }
}
