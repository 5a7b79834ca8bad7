/**
 * Submitting an order: record it (with its idempotency key) in DynamoDB, then start its execution,
 * named after the order id so that Step Functions itself refuses a second one.
 */
import { randomUUID } from 'node:crypto';
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { bodyHash } from '../store/body-hash.js';
import type { OrderItem } from '../store/items.js';
import type { Stores } from '../store/stores.js';
import type { OrderRequest } from './model.js';

export interface SubmitDeps {
  store: Stores;
  sfn: SFNClient;
  stateMachineArn: string;
}

export interface SubmitInput {
  request: OrderRequest;
  /** The raw body as the client sent it (parsed JSON), for the idempotency hash. */
  rawBody: unknown;
  /** `Idempotency-Key` header, scoped to the caller (e.g. its API key id). */
  idempotency?: { scope: string; key: string };
}

export interface SubmitResult {
  order: OrderItem;
  /** False when the idempotency key returned an existing order. */
  created: boolean;
}

/**
 * The execution ARN of `orderId`: under the state machine's name, also when executions are started
 * through an alias or a version (`…:stateMachine:<name>:<alias or version>`, as the stack does).
 */
export function executionArnFor(stateMachineArn: string, orderId: string): string {
  const unqualified = stateMachineArn.split(':').slice(0, 7).join(':');
  return `${unqualified.replace(':stateMachine:', ':execution:')}:${orderId}`;
}

export async function submitOrder(deps: SubmitDeps, input: SubmitInput): Promise<SubmitResult> {
  const orderId = randomUUID();
  const { created, order } = await deps.store.orders.create({
    orderId,
    request: input.request,
    ...(input.idempotency ? { idempotency: { ...input.idempotency, bodyHash: bodyHash(input.rawBody) } } : {}),
  });
  // A replay whose first attempt died before StartExecution starts it now; the execution name
  // (the order id) guarantees there is never a second one.
  if (created || !order.executionArn) {
    const executionArn = await startExecution(deps, order.orderId);
    await deps.store.orders.setExecutionArn(order.orderId, executionArn);
    order.executionArn = executionArn;
  }
  return { order, created };
}

/**
 * Starts the execution of every order recorded more than `graceMs` ago whose execution ARN was
 * never recorded: an order whose StartExecution failed, or whose process died between the write
 * and the start, with no client retrying it. The execution name (the order id) makes a start
 * that raced the original one harmless. Returns the orders started.
 */
export async function startUnstarted(
  deps: SubmitDeps,
  options: { graceMs?: number; now?: Date; onError?: (orderId: string, error: unknown) => void } = {},
): Promise<string[]> {
  const before = new Date((options.now ?? new Date()).getTime() - (options.graceMs ?? 60_000)).toISOString();
  const started: string[] = [];
  for (const { orderId } of await deps.store.orders.unstarted(before)) {
    // Each order on its own: one that cannot start now (throttled, say) waits for the next sweep.
    try {
      const order = await deps.store.orders.find(orderId);
      if (!order || order.executionArn) {
        await deps.store.orders.forgetUnstarted(orderId);
        continue;
      }
      await deps.store.orders.setExecutionArn(orderId, await startExecution(deps, orderId));
      started.push(orderId);
    } catch (error) {
      options.onError?.(orderId, error);
    }
  }
  return started;
}

async function startExecution(deps: SubmitDeps, orderId: string): Promise<string> {
  try {
    const started = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: orderId, input: JSON.stringify({ orderId }) }),
    );
    return started.executionArn ?? executionArnFor(deps.stateMachineArn, orderId);
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return executionArnFor(deps.stateMachineArn, orderId);
    throw error;
  }
}
