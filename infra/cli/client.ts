/**
 * A small client of the orders API for the CLI (plain `fetch`): orders, and pool rebalancing.
 * Answers are checked with the API's own response schemas, so a CLI that no longer fits the API
 * says so instead of guessing.
 */
import { z } from 'zod';
import type { OrderRequestInput, OrderStatus } from '../../functions/lib/orders/model.js';
import {
  errorResponseSchema,
  orderAcceptedSchema,
  orderListSchema,
  orderNumbersPageSchema,
  orderViewSchema,
  runListSchema,
  runRecordSchema,
  storedPolicySchema,
  type ErrorResponse,
  type OrderAccepted,
  type OrderList,
  type OrderNumbersPage,
  type OrderView,
  type PoolRunList,
  type PoolRunView,
  type StoredPolicyView,
} from '../../functions/lib/orders/contract.js';
const policyDeletedSchema = z.object({ poolUuid: z.string(), deleted: z.literal(true) });

/** The API answered with an error. */
export class ApiError extends Error {
  override readonly name = 'ApiError' as const;
  constructor(
    readonly status: number,
    readonly body: ErrorResponse | undefined,
    text: string,
  ) {
    super(`HTTP ${status}: ${body?.error ?? (text.slice(0, 200) || 'no body')}`);
  }
}

/** The API could not be reached at all. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError' as const;
}

export interface OrdersClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:3000` or `https://…/prod`. */
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
}

export class OrdersClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OrdersClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
  }

  async createOrder(request: OrderRequestInput, idempotencyKey?: string): Promise<{ order: OrderAccepted; replayed: boolean }> {
    const { body, headers } = await this.send('POST', '/orders', orderAcceptedSchema, {
      body: JSON.stringify(request),
      headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    });
    return { order: body, replayed: headers.get('idempotent-replayed') === 'true' };
  }

  async getOrder(orderId: string): Promise<OrderView> {
    return (await this.send('GET', `/orders/${encodeURIComponent(orderId)}`, orderViewSchema)).body;
  }

  async listOrders(query: { status?: OrderStatus; limit?: number; cursor?: string } = {}): Promise<OrderList> {
    return (await this.send('GET', `/orders${queryString(query)}`, orderListSchema)).body;
  }

  async listNumbers(orderId: string, query: { line?: number; limit?: number; cursor?: string } = {}): Promise<OrderNumbersPage> {
    return (await this.send('GET', `/orders/${encodeURIComponent(orderId)}/numbers${queryString(query)}`, orderNumbersPageSchema)).body;
  }

  /** Sends the policy as given: the API checks it and names the field of any problem (422). */
  async putPoolPolicy(poolUuid: string, policy: unknown, ifMatch?: number): Promise<StoredPolicyView> {
    return (
      await this.send('PUT', `${poolPath(poolUuid)}/policy`, storedPolicySchema, {
        body: JSON.stringify(policy),
        headers: { 'content-type': 'application/json', ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }) },
      })
    ).body;
  }

  async getPoolPolicy(poolUuid: string): Promise<StoredPolicyView> {
    return (await this.send('GET', `${poolPath(poolUuid)}/policy`, storedPolicySchema)).body;
  }

  async deletePoolPolicy(poolUuid: string): Promise<z.output<typeof policyDeletedSchema>> {
    return (await this.send('DELETE', `${poolPath(poolUuid)}/policy`, policyDeletedSchema)).body;
  }

  /** What a run now would decide, per rule; records nothing. */
  async getPool(poolUuid: string): Promise<PoolRunView> {
    return (await this.send('GET', poolPath(poolUuid), runRecordSchema)).body;
  }

  async rebalancePool(poolUuid: string, options: { dryRun: boolean }): Promise<PoolRunView> {
    return (
      await this.send('POST', `${poolPath(poolUuid)}/rebalance`, runRecordSchema, {
        body: JSON.stringify({ dryRun: options.dryRun }),
        headers: { 'content-type': 'application/json' },
      })
    ).body;
  }

  /** The pool's runs, newest first (the API gives at most 20). */
  async listPoolRuns(poolUuid: string): Promise<PoolRunList> {
    return (await this.send('GET', `${poolPath(poolUuid)}/runs`, runListSchema)).body;
  }

  private async send<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<{ body: z.output<S>; headers: Headers }> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await this.fetch(url, { method, headers: { accept: 'application/json', 'x-api-key': this.options.apiKey, ...init.headers }, body: init.body });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
      throw new UnreachableError(`cannot reach ${this.base} (${why})`, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const parsed = errorResponseSchema.safeParse(json);
      throw new ApiError(response.status, parsed.success ? parsed.data : undefined, text);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new Error(`${method} ${path}: the answer does not have the shape this CLI knows: ${parsed.error.message}`);
    return { body: parsed.data, headers: response.headers };
  }
}

const poolPath = (poolUuid: string) => `/pools/${encodeURIComponent(poolUuid)}`;

function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
