/**
 * The real order state machine (statemachines/order.asl.json) on the local Step Functions
 * endpoint, its Tasks calling the real handler modules, over a workflow test environment. The
 * handlers get their dependencies from the workflow runtime, as in Lambda; here that runtime hands
 * out the environment's dependencies, or — for one order — whatever a test passes (a store that
 * crashes, say), so faults are injected below the handlers while the ASL decides every transition.
 */
import { readFile } from 'node:fs/promises';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { createSfnClient } from '../../functions/lib/aws-clients.js';
import { setSfnClient } from '../../functions/lib/runtime/sfn.js';
import { setWorkflowRuntime } from '../../functions/lib/runtime/workflow-runtime.js';
import { createWebhookRuntime, setWebhookRuntime } from '../../functions/lib/webhooks/index.js';
import type { WorkflowDeps } from '../../functions/lib/workflow/deps.js';
import { LOCAL_WEBHOOK_SECRET, loadOrderHandlers, ORDER_STATE_MACHINE } from '../../infra/local/stack.js';
import {
  lambdaFunctionArn,
  LOCAL_PARTITION,
  startLocalStepFunctions,
  substituteDefinition,
  type ExecutionView,
  type LocalStepFunctions,
} from '../../infra/local/stepfunctions/index.js';
import { ORDER_ASL_PATH, ORDER_FUNCTION_KEYS, ORDER_FUNCTIONS, orderSubstitutions } from '../../statemachines/order-functions.js';
import type { WorkflowEnv } from './workflow-env.js';


export interface OrderRun {
  /** The order's status once the execution ended (what the store says, as the API would). */
  status: string;
  execution: ExecutionView;
}

export interface OrderMachine {
  local: LocalStepFunctions;
  /** A client of the endpoint (what ops tools use to resume or fail a waiting line). */
  sfn: SFNClient;
  /** Start the order's execution (named after the order, as the API does); `deps` replace the environment's for this order's tasks. */
  start(orderId: string, deps?: WorkflowDeps): Promise<string>;
  /** Start the order's execution and wait for it to end. */
  run(orderId: string, deps?: WorkflowDeps): Promise<OrderRun>;
  close(): Promise<void>;
}

export interface OrderMachineOptions {
  /**
   * Pause before every Retry instead of the ASL's intervals (seconds, with backoff): the retries
   * still happen as the ASL says, only sooner. @default 5
   */
  retryPauseMs?: number;
}

/** Start the local endpoint with the order state machine and install the runtimes its handlers read. */
export async function startOrderMachine(env: WorkflowEnv, options: OrderMachineOptions = {}): Promise<OrderMachine> {
  const depsByOrder = new Map<string, WorkflowDeps>();
  const logger = new Logger({ serviceName: 'workflow-test', logLevel: 'SILENT' });
  setWorkflowRuntime({
    store: env.store,
    plivo: env.plivo,
    logger,
    metrics: env.metrics,
    concurrency: env.deps.concurrency ?? 8,
    depsFor: ({ orderId }) => depsByOrder.get(orderId) ?? env.deps,
  });
  setWebhookRuntime(
    createWebhookRuntime({ TABLE_NAME: env.tableName, WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET, POWERTOOLS_LOG_LEVEL: 'SILENT' }, { db: env.db, metrics: env.metrics }),
  );

  const arns = Object.fromEntries(ORDER_FUNCTION_KEYS.map((key) => [key, lambdaFunctionArn(ORDER_FUNCTIONS[key].functionName)]));
  // The handler modules Lambda runs, loaded as the local stack loads them.
  const handlers = await loadOrderHandlers();
  const definition = substituteDefinition(await readFile(ORDER_ASL_PATH, 'utf8'), orderSubstitutions(arns, LOCAL_PARTITION));
  const local = await startLocalStepFunctions({
    port: 0,
    stateMachines: [{ name: ORDER_STATE_MACHINE, definition }],
    retryPauseMs: options.retryPauseMs ?? 5,
    lambdaHandlers: Object.fromEntries(ORDER_FUNCTION_KEYS.map((key) => [arns[key] as string, handlers[key]])),
  });
  const stateMachineArn = local.stateMachineArn(ORDER_STATE_MACHINE);
  // The regulatory wait resumes and fails lines through Step Functions' API: this endpoint's.
  const handlersSfn = createSfnClient({ SFN_ENDPOINT: local.endpoint });
  setSfnClient(handlersSfn);
  const sfn = new SFNClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  const start = async (orderId: string, deps?: WorkflowDeps): Promise<string> => {
    if (deps) depsByOrder.set(orderId, deps);
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: orderId, input: JSON.stringify({ orderId }) }));
    if (!started.executionArn) throw new Error(`StartExecution for ${orderId} returned no executionArn`);
    return started.executionArn;
  };

  return {
    local,
    sfn,
    start,
    run: async (orderId, deps) => {
      const execution = await local.waitForExecution(await start(orderId, deps));
      return { status: (await env.store.orders.get(orderId)).status, execution };
    },
    close: async () => {
      await local.close();
      sfn.destroy();
      handlersSfn.destroy();
      setSfnClient(undefined);
      setWorkflowRuntime(undefined);
      setWebhookRuntime(undefined);
    },
  };
}
