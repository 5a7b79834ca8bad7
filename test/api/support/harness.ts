/**
 * The orders API as the tests drive it: the real handler behind the real local gateway, over
 * HTTP, on the real repositories (`createStores`) in DynamoDB Local, with the Step Functions client mocked.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { createOrdersApi, ordersApiPublicPaths, ordersApiResources, type OrdersApiDeps } from '../../../functions/orders-api/api.js';
import { createStores, type Stores } from '../../../functions/lib/store/stores.js';
import { startLocalApiGateway, type LocalApiGateway } from '../../../infra/local/api-gateway.js';
import { createTestTable } from '../../support/dynamodb.js';
import { CapturingLogger } from './capture-logger.js';

export const API_KEY = 'test-api-key-5b1f';
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:number-orders-order';

export interface ApiHarness {
  url: string;
  gateway: LocalApiGateway;
  store: Stores;
  sfn: SFNClient;
  sfnMock: AwsClientStub<SFNClient>;
  logger: CapturingLogger;
  gatewayLogger: CapturingLogger;
  table: Awaited<ReturnType<typeof createTestTable>>;
  /** Every item in the table (to prove a refused request wrote nothing). */
  scan(): Promise<Record<string, unknown>[]>;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** Sent as JSON unless it is a string or a Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
  /** `null` sends no key. @default API_KEY */
  apiKey?: string | null;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

export function stubStartExecution(sfnMock: ApiHarness['sfnMock']): void {
  sfnMock.reset();
  sfnMock.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
}

/** `deps`: more of the API's dependencies (the console's assets). */
export async function startApiHarness(deps: Partial<Pick<OrdersApiDeps, 'console'>> = {}): Promise<ApiHarness> {
  const table = await createTestTable();
  const store = createStores(table.db, table.tableName);
  const sfn = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const sfnMock = mockClient(sfn);
  stubStartExecution(sfnMock);
  const logger = new CapturingLogger('orders-api');
  const gatewayLogger = new CapturingLogger('local-api-gateway');
  const handler = createOrdersApi({ store, sfn, stateMachineArn: STATE_MACHINE_ARN, logger, ...deps });
  const gateway = await startLocalApiGateway({
    port: 0,
    apiKey: API_KEY,
    handler,
    publicPaths: ordersApiPublicPaths,
    resources: ordersApiResources,
    logger: gatewayLogger,
  });

  async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const apiKey = options.apiKey === undefined ? API_KEY : options.apiKey;
    if (apiKey !== null) headers['x-api-key'] = apiKey;
    let body: string | Buffer | undefined;
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const response = await fetch(`${gateway.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  return {
    url: gateway.url,
    gateway,
    store,
    sfn,
    sfnMock,
    logger,
    gatewayLogger,
    table,
    call,
    scan: async () => (await table.db.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }))).Items ?? [],
    close: async () => {
      await gateway.close();
      sfnMock.restore();
      await table.drop();
    },
  };
}

/** A valid order body (as the client sends it). */
export function validOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    poolUuid: 'pool-6b4e2b0a',
    service: 'sms',
    lines: [
      { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 25 },
      { countryIso: 'CA', numberType: 'local', quantity: 15 },
    ],
    ...overrides,
  };
}
