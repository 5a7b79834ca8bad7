/**
 * The workflow Lambdas: one per entry of `ORDER_FUNCTIONS` (statemachines/order-functions.ts: the
 * substitution name in the ASL → the function's name and handler module, shared with the local
 * stack). A step the workflow gains there is deployed here as a Plivo step
 * (the workflow runtime: table, Plivo secret, 300 s) unless `STEP_SPECS` says otherwise; the
 * state machine construct fails the synth if a step's timeout does not fit its tasks.
 *
 * Timeouts. A task's Lambda must end before the state machine's `TimeoutSeconds` (330 s) gives up
 * on it: otherwise Step Functions retries while the first invocation is still running. And one
 * Plivo call must fit in it with every retry the client may make: with the defaults that is
 * `PlivoHttp.worstCaseMs()` = 10 s + 4 × (30 s Retry-After cap + 10 s) = 170 s. 300 s holds both;
 * `taskTimeoutProblems` (state-machine.ts) fails the synth if the ASL and this number ever disagree.
 * Handlers stop starting work when their remaining time runs low (`budgetFromContext`).
 *
 * Reserved concurrency. Plivo's 300 requests / 5 s are shared through the DynamoDB-leased token
 * bucket, whatever the number of Lambdas: the bucket is the mechanism. Reserved concurrency bounds
 * what waits on it — rent (not idempotent at Plivo) and assign-to-pool (one Plivo call per number,
 * most of all calls) — so that many orders at once cannot start hundreds of invocations that each
 * hold a Lambda and lease tokens only to queue. One order runs at most 10 lines at once (the Map's
 * MaxConcurrency), so the default of 20 lets two full-width orders run without a throttle. It also
 * caps the damage if the limiter is ever configured off. Steps that must never be throttled
 * (rollback-unrent, finalize) are not capped.
 */
import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ORDER_ASL_FILE, ORDER_FUNCTIONS, type OrderFunctionKey } from '../../statemachines/order-functions.js';
import { PlivoHttp } from '../../functions/lib/plivo/http.js';
import { FUNCTION_MEMORY_MB } from './function-memory.js';
import { NodeFunction } from './node-function.js';
import { grantTaskResponse } from './grants.js';
import type { Secrets } from './secrets.js';
import type { OrdersTable } from './table.js';

/** Every workflow function's timeout (see the module comment). */
export const WORKFLOW_FUNCTION_TIMEOUT = Duration.seconds(300);

/** `PLIVO_TIMEOUT_MS` of every workflow function: one attempt's wait for Plivo's answer. */
export const PLIVO_TIMEOUT_MS = 10_000;

/** The longest one Plivo call can take with all its retries, with the settings deployed. */
export const PLIVO_WORST_CALL_MS = new PlivoHttp({ authId: 'synth', authToken: 'synth', timeoutMs: PLIVO_TIMEOUT_MS }).worstCaseMs();

/** The functions whose concurrency `workerReservedConcurrency` caps (see the module comment). */
export const PLIVO_HEAVY_FUNCTIONS: readonly OrderFunctionKey[] = ['RentFunctionArn', 'AssignToPoolFunctionArn'];

/** What a workflow step needs beyond the table. */
export interface StepSpec {
  /** Runs on the workflow runtime: the Plivo secret and settings. @default true */
  plivo?: boolean;
  /** Signs customer webhooks: the webhook signing secret. @default false */
  webhookSecret?: boolean;
  /** Ends task-token waits (SendTaskSuccess/SendTaskFailure). @default false */
  taskResponse?: boolean;
  /** @default WORKFLOW_FUNCTION_TIMEOUT */
  timeout?: Duration;
  /**
   * Ends orders (a terminal status takes the order off its pool's active list: a DeleteItem).
   * The declaration the DeleteItem grant follows: a step that gains a path to a terminal status
   * must say so here. @default false
   */
  endsOrders?: boolean;
}

/** Steps that differ from the default (a Plivo step). Keys are the ASL's substitution names. */
export const STEP_SPECS: Partial<Record<OrderFunctionKey, StepSpec>> = {
  // Parks a line on its task token, and ends the wait itself if the numbers are already in; a
  // cancelled order's wait ends the order. Never calls Plivo: no Plivo secret, no Plivo settings.
  AwaitRegulatoryFunctionArn: { plivo: false, taskResponse: true, endsOrders: true },
  // Their code can set an order's final status (the orders repository's setStatus, which then drops
  // the pool's active-order marker): finalize does; the others reach it through shared workflow code
  // (a failed plan, rent or release ends the order).
  SearchFunctionArn: { endsOrders: true },
  RentFunctionArn: { endsOrders: true },
  RollbackUnrentFunctionArn: { endsOrders: true },
  // Decides the order's status from its records; releasing is RollbackUnrent's. Never calls Plivo.
  FinalizeFunctionArn: { plivo: false, endsOrders: true },
  // Records and delivers customer webhooks; its Tasks (AnnounceReceived, AnnounceOutcome) allow 60 s
  // and it stops starting deliveries when its remaining time runs low.
  NotifyFunctionArn: { plivo: false, webhookSecret: true, timeout: Duration.seconds(50) },
};

const FUNCTION_NAME_PREFIX = 'number-orders-';

/** `number-orders-assign-to-pool` → `assign-to-pool`. */
export function functionDirectory(functionName: string): string {
  if (!functionName.startsWith(FUNCTION_NAME_PREFIX)) throw new Error(`function name ${functionName} does not start with ${FUNCTION_NAME_PREFIX}`);
  return functionName.slice(FUNCTION_NAME_PREFIX.length);
}

/** `assign-to-pool` → `AssignToPool` (the construct id, hence stable logical ids). */
function constructId(directory: string): string {
  return directory
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

export interface WorkflowFunctionsProps {
  table: OrdersTable;
  secrets: Secrets;
  plivoBaseUrl: string;
  plivoRateLimit: string;
  plivoBackgroundShare: string;
  /** `undefined`: no reservation. */
  reservedConcurrency: number | undefined;
  /** Line steps in flight across the account (`WORK_SLOTS`); `undefined`: no limit. */
  workSlots: number | undefined;
  logLevel: string;
  logRetention: logs.RetentionDays;
}

export class WorkflowFunctions extends Construct {
  /** By the ASL's substitution name. */
  readonly bySubstitution: Readonly<Record<OrderFunctionKey, NodeFunction>>;
  /** Each function's timeout, by the ASL's substitution name (checked against the ASL's tasks). */
  readonly timeouts: Readonly<Record<OrderFunctionKey, Duration>>;
  /** The steps on the workflow runtime (they may release numbers, so their logs are watched for leaks). */
  readonly plivoSteps: readonly NodeFunction[];

  constructor(scope: Construct, id: string, props: WorkflowFunctionsProps) {
    super(scope, id);
    const entries = Object.entries(ORDER_FUNCTIONS) as [OrderFunctionKey, (typeof ORDER_FUNCTIONS)[OrderFunctionKey]][];
    const timeouts: Partial<Record<OrderFunctionKey, Duration>> = {};
    const plivoSteps: NodeFunction[] = [];
    this.bySubstitution = Object.fromEntries(
      entries.map(([key, { functionName, handler }]) => {
        const spec = STEP_SPECS[key] ?? {};
        const plivo = spec.plivo ?? true;
        const timeout = spec.timeout ?? WORKFLOW_FUNCTION_TIMEOUT;
        if (plivo && PLIVO_WORST_CALL_MS >= timeout.toMilliseconds()) {
          throw new Error(`${key}: timeout ${timeout.toSeconds()} s is not above one Plivo call's worst case (${PLIVO_WORST_CALL_MS} ms)`);
        }
        const directory = functionDirectory(functionName);
        const reserved = PLIVO_HEAVY_FUNCTIONS.includes(key) ? props.reservedConcurrency : undefined;
        const fn = new NodeFunction(this, constructId(directory), {
          entry: handler,
          description: `number-orders workflow step ${directory} (${key.replace(/FunctionArn$/, '')} in ${ORDER_ASL_FILE})`,
          timeout,
          memorySize: FUNCTION_MEMORY_MB,
          ...(reserved === undefined ? {} : { reservedConcurrentExecutions: reserved }),
          logRetention: props.logRetention,
          environment: {
            ...(plivo ? plivoEnvironment(props) : {}),
            WORK_SLOTS: props.workSlots === undefined ? 'off' : String(props.workSlots),
            POWERTOOLS_SERVICE_NAME: 'number-orders',
            POWERTOOLS_LOG_LEVEL: props.logLevel,
          },
        });
        props.table.connect(fn.handler, { deletes: spec.endsOrders ?? false });
        if (plivo) {
          props.secrets.connectPlivoCredentials(fn.handler);
          plivoSteps.push(fn);
        }
        if (spec.webhookSecret) props.secrets.connectWebhookSecret(fn.handler);
        if (spec.taskResponse) grantTaskResponse(fn);
        timeouts[key] = timeout;
        return [key, fn];
      }),
    ) as Record<OrderFunctionKey, NodeFunction>;
    this.timeouts = timeouts as Record<OrderFunctionKey, Duration>;
    this.plivoSteps = plivoSteps;
  }

  get all(): NodeFunction[] {
    return Object.values(this.bySubstitution);
  }
}

/** The Plivo settings of a function on the workflow runtime (credentials come from the secret). */
export function plivoEnvironment(settings: { plivoBaseUrl: string; plivoRateLimit: string; plivoBackgroundShare: string }): Record<string, string> {
  return {
    PLIVO_BASE_URL: settings.plivoBaseUrl,
    PLIVO_RATE_LIMIT: settings.plivoRateLimit,
    PLIVO_BACKGROUND_SHARE: settings.plivoBackgroundShare,
    PLIVO_TIMEOUT_MS: String(PLIVO_TIMEOUT_MS),
  };
}
