/**
 * What the webhook suites share: a receiver on loopback (node:http) that records every request
 * and answers from a script, orders written straight into the store, and the orders API with its
 * webhook routes behind the real local gateway.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { orderRequestSchema, type OrderRequestInput, type OrderStatus } from '../../functions/lib/orders/model.js';
import type { OrderItem } from '../../functions/lib/store/items.js';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import { createOrdersApi, ordersApiPublicPaths, ordersApiResources, type OrdersApiDeps } from '../../functions/orders-api/api.js';
import { startLocalApiGateway, type LocalApiGateway } from '../../infra/local/api-gateway.js';
import { CapturingLogger } from '../api/support/capture-logger.js';
import type { createTestTable } from '../support/dynamodb.js';

export type Table = Awaited<ReturnType<typeof createTestTable>>;

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A status to answer with, or `hang`: never answer (the sender's timeout must end it). */
export type Reply = number | 'hang';

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Replies in order; once used up, `then` (default 200). */
  script(replies: readonly Reply[], then?: Reply): void;
  close(): Promise<void>;
}

export async function startReceiver(replies: readonly Reply[] = [], then: Reply = 200): Promise<Receiver> {
  let queue = [...replies];
  let fallback = then;
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const reply = queue.length > 0 ? (queue.shift() as Reply) : fallback;
      if (reply === 'hang') return; // the sender's timeout ends it; close() drops it
      res.writeHead(reply, { 'content-type': 'text/plain' }).end(reply >= 200 && reply < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/numbers`,
    port,
    requests,
    script: (next, after = 200) => {
      queue = [...next];
      fallback = after;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function orderBody(overrides: Partial<OrderRequestInput> = {}): OrderRequestInput {
  return {
    poolUuid: 'pool-6b4e2b0a',
    lines: [
      { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 3 },
      { countryIso: 'CA', numberType: 'local', quantity: 2 },
    ],
    ...overrides,
  };
}

/** An order written straight into the store (no API, no workflow), optionally moved to a status. */
export async function createOrder(store: Stores, overrides: Partial<OrderRequestInput> = {}, status?: OrderStatus): Promise<OrderItem> {
  const { order } = await store.orders.create({ orderId: randomUUID(), request: orderRequestSchema.parse(orderBody(overrides)) });
  if (status && status !== order.status) {
    await store.orders.setStatus(order.orderId, status);
    return store.orders.get(order.orderId);
  }
  return order;
}

export async function scanTable(table: Table): Promise<Record<string, unknown>[]> {
  return (await table.db.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }))).Items ?? [];
}

export const API_KEY = 'webhooks-test-key';

export interface OrdersApiUnderTest {
  url: string;
  gateway: LocalApiGateway;
  logger: CapturingLogger;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

/** The orders API (Step Functions mocked) with the given extra deps, behind the real local gateway. */
export async function startOrdersApi(table: Table, extra: Omit<OrdersApiDeps, 'store' | 'sfn' | 'stateMachineArn'>): Promise<OrdersApiUnderTest> {
  const sfn = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const sfnMock = mockClient(sfn);
  sfnMock.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
  const logger = new CapturingLogger('orders-api');
  const handler = createOrdersApi({
    store: createStores(table.db, table.tableName),
    sfn,
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:number-orders-order',
    logger,
    ...extra,
  });
  const gateway = await startLocalApiGateway({
    port: 0,
    apiKey: API_KEY,
    handler,
    publicPaths: ordersApiPublicPaths,
    resources: ordersApiResources,
    logger: new CapturingLogger('local-api-gateway'),
  });
  return {
    url: gateway.url,
    gateway,
    logger,
    call: async (method, path, body) => {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: response.status, json };
    },
    close: async () => {
      await gateway.close();
      sfnMock.restore();
    },
  };
}

/** A Lambda context good enough for the task handlers. */
export function lambdaContext(remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: randomUUID() } as unknown as Context;
}
