/**
 * Orders whose execution died: stopped from outside (StopExecution), failed, timed out, or gone
 * (a local stack restarted). Such an order stays open in DynamoDB with numbers rented and nothing
 * would ever verify or release them; a cancel would answer 202 and change nothing. Each pass looks
 * at every open order and, when its execution is not running, starts a recovery execution of the
 * same state machine: every step is idempotent and reads the recorded state, so the order goes on
 * from where it was (Plan keeps the plans already made), or — cancelled — rolls back.
 * docs/design.md, "Dead executions".
 */
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { terminalOrderStatuses } from './model.js';
import type { Stores } from '../store/stores.js';
import { executionArnFor } from './submit.js';

export interface RecoveryDeps {
  store: Stores;
  sfn: SFNClient;
  stateMachineArn: string;
}

/** Recovery executions per order before it is left to an operator (an execution that dies each time). */
export const MAX_RECOVERIES = 3;

export interface RecoveryReport {
  /** Orders whose dead execution was replaced by a recovery execution in this pass. */
  recovered: { orderId: string; previousStatus: string; executionArn: string }[];
  /** Orders whose execution is dead and that have used up their recoveries: an operator must look. */
  exhausted: string[];
}

/** An execution's status, or `MISSING` when Step Functions does not know it (a restarted local stack). */
async function executionStatus(sfn: SFNClient, executionArn: string): Promise<string> {
  try {
    return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'MISSING';
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return 'MISSING';
    throw error;
  }
}

/** Starts the `attempt`-th recovery execution; a start that a previous pass made but did not record is reused. */
async function startRecovery(deps: RecoveryDeps, orderId: string, attempt: number): Promise<string> {
  const name = `${orderId}-recovery-${attempt}`;
  try {
    const started = await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify({ orderId }) }));
    return started.executionArn ?? executionArnFor(deps.stateMachineArn, name);
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return executionArnFor(deps.stateMachineArn, name);
    throw error;
  }
}

/**
 * One pass over the open orders recorded more than `graceMs` ago. An order that has ended leaves
 * the open list; an order with no execution yet is the unstarted sweep's (orders/submit.ts); an
 * order whose execution runs is left alone. Each order on its own: one that cannot be looked at now
 * (a throttle) is reported through `onError` and waits for the next pass.
 */
export async function recoverDeadExecutions(
  deps: RecoveryDeps,
  options: { graceMs?: number; now?: Date; onError?: (orderId: string, error: unknown) => void } = {},
): Promise<RecoveryReport> {
  const before = new Date((options.now ?? new Date()).getTime() - (options.graceMs ?? 60_000)).toISOString();
  const report: RecoveryReport = { recovered: [], exhausted: [] };
  for (const { orderId } of await deps.store.orders.open(before)) {
    try {
      const order = await deps.store.orders.find(orderId);
      if (!order || terminalOrderStatuses.includes(order.status)) {
        await deps.store.orders.forgetOpen(orderId);
        continue;
      }
      if (!order.executionArn) continue;
      const previousStatus = await executionStatus(deps.sfn, order.executionArn);
      if (previousStatus === 'RUNNING') continue;
      const recoveries = order.recoveries ?? 0;
      if (recoveries >= MAX_RECOVERIES) {
        report.exhausted.push(orderId);
        continue;
      }
      const executionArn = await startRecovery(deps, orderId, recoveries + 1);
      if (await deps.store.orders.recordRecovery(orderId, order.executionArn, executionArn)) {
        report.recovered.push({ orderId, previousStatus, executionArn });
      }
    } catch (error) {
      options.onError?.(orderId, error);
    }
  }
  return report;
}
