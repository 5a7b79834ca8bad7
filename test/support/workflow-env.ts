/**
 * A workflow test environment: a fresh table in the run's DynamoDB Local, a Plivo sandbox on a
 * free port, and the workflow dependencies wired to both over real HTTP. `dynamodbFaults` injects
 * DynamoDB's own failures (conflicts, throttles, timeouts) into the client every step uses;
 * `faults` steers them during the test.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbFaults, type DynamoDbFaultRates } from '../../functions/lib/dynamodb-faults.js';
import { PlivoCallCounter, PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { orderRequestSchema, type OrderRequestInput } from '../../functions/lib/orders/model.js';
import { MetricsRecorder } from '../../functions/lib/metrics.js';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import { silentLogger, type WorkflowDeps } from '../../functions/lib/workflow/deps.js';
import { startPlivoSandbox, type PlivoSandbox, type SandboxOptions } from '../../infra/local/plivo-sandbox/index.js';
import { createTestTable } from './dynamodb.js';
import { withSandboxVariant } from './sandbox-variant.js';

export interface WorkflowEnv {
  sandbox: PlivoSandbox;
  db: DynamoDBDocumentClient;
  store: Stores;
  plivo: PlivoClient;
  deps: WorkflowDeps;
  /** What the steps and the store emitted (deps.metrics, the store's counts). */
  metrics: MetricsRecorder;
  calls: PlivoCallCounter;
  poolUuid: string;
  tableName: string;
  dynamodbEndpoint: string;
  /** The DynamoDB faults of `db` (none unless `dynamodbFaults` was given, or set later). */
  faults: DynamoDbFaults;
  createOrder(orderId: string, request: Omit<OrderRequestInput, 'poolUuid'> & { poolUuid?: string }): Promise<void>;
  close(): Promise<void>;
}

export interface WorkflowEnvOptions extends SandboxOptions {
  /** Probabilities of DynamoDB faults per attempt, e.g. `{ conflict: 0.3, throttle: 0.2 }`. @default none */
  dynamodbFaults?: Partial<DynamoDbFaultRates>;
}

export async function startWorkflowEnv(options: WorkflowEnvOptions = {}): Promise<WorkflowEnv> {
  const { dynamodbFaults, ...sandboxOptions } = options;
  const faults = new DynamoDbFaults(dynamodbFaults);
  const table = await createTestTable({ faults });
  const sandbox = await startPlivoSandbox(withSandboxVariant({ port: 0, rateLimit: null, ...sandboxOptions }));
  const calls = new PlivoCallCounter();
  const plivo = new PlivoClient({
    authId: sandbox.authId,
    authToken: sandbox.authToken,
    baseUrl: sandbox.url,
    limiter: unlimited,
    retry: { limit: 4, backoffLimitMs: 20, maxRetryAfterMs: 1_000 },
    timeoutMs: 5_000,
    onAttempt: calls.record,
  });
  const metrics = new MetricsRecorder();
  const store = createStores(table.db, table.tableName, { metrics });
  const deps: WorkflowDeps = { store, plivo, logger: silentLogger, metrics, concurrency: 8 };
  const poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'workflow-test' }));
  calls.reset();
  return {
    sandbox,
    db: table.db,
    store,
    plivo,
    deps,
    metrics,
    calls,
    poolUuid,
    tableName: table.tableName,
    dynamodbEndpoint: table.endpoint,
    faults,
    async createOrder(orderId, request) {
      await store.orders.create({ orderId, request: orderRequestSchema.parse({ poolUuid, ...request }) });
    },
    async close() {
      await sandbox.close();
      await table.drop();
    },
  };
}
