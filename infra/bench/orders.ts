/**
 * Orders placed through the API and measured together: K orders POSTed at once (K = 1 for the
 * plain benchmark), each followed to its end. Plivo calls, 429s and DynamoDB units are counted
 * over the whole measurement; transitions, invocations and their durations per execution.
 */
import { executionInvocationDurations } from './lambda-durations.js';
import { countCalls } from './call-log.js';
import { atWindowStart, type BenchContext } from './context.js';
import { unitsBetween, type DynamoDbUnits } from './dynamodb-meter.js';
import type { CallCounts } from '../../functions/lib/plivo/call-counter.js';

export interface OrderLine {
  countryIso: string;
  numberType: string;
  prefix: string;
  quantity: number;
  /** A 10DLC campaign the line's numbers are linked to. */
  campaignId?: string;
}

export interface MeasuredOrder {
  orderId: string;
  requested: number;
  provisioned: number;
  status: string;
  executionStatus: string;
  /** From the POST to the end of the execution. */
  seconds: number;
  groups: number;
  transitions: number;
  lambdaInvocations: number;
  lambdaInvocationsByFunction: Record<string, number>;
  peakPayloadBytes: number;
  /** Each Lambda invocation's duration (ms), from the execution's history. */
  invocationMs: number[];
  /** Numbers of the order neither VERIFIED in the pool nor RELEASED out of the account (null without the sandbox). */
  numbersLost: number | null;
}

export interface OrdersMeasurement {
  orders: MeasuredOrder[];
  /** From the first POST to the last end. */
  wallSeconds: number;
  startedAt: number;
  calls: CallCounts;
  callTimes: number[];
  /** Requests the sandbox answered in the measurement (null without the sandbox). */
  sandboxCalls: number | null;
  http429: number;
  dynamoDb: DynamoDbUnits;
}

/** Places every order at once (each a list of lines) in `poolUuid` and follows them all to their end. */
export async function measureOrders(ctx: BenchContext, poolUuid: string, orders: readonly OrderLine[][]): Promise<OrdersMeasurement> {
  const { stack, sandbox, calls, meter } = ctx;
  await atWindowStart(ctx.rateLimit);
  const mark = calls.mark();
  const sandboxBefore = sandbox?.snapshot().requests;
  const unitsBefore = meter.snapshot();
  const startedAt = Date.now();
  const placed = await Promise.all(
    orders.map(async (lines) => {
      const response = await fetch(`${stack.apiUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
        body: JSON.stringify({ poolUuid, lines }),
      });
      const accepted = (await response.json()) as { orderId: string; executionArn: string; error?: string };
      if (response.status !== 202) throw new Error(`order refused (${response.status}): ${accepted.error ?? ''}`);
      const execution = await stack.stepFunctions.waitForExecution(accepted.executionArn);
      return { ...accepted, executionStatus: execution.status, endedAt: Date.now(), requested: lines.reduce((sum, line) => sum + line.quantity, 0) };
    }),
  );
  const endedAt = Math.max(...placed.map((order) => order.endedAt));
  const dynamoDb = unitsBetween(unitsBefore, meter.snapshot());
  const made = calls.since(mark);

  let sandboxCalls: number | null = null;
  let http429 = 0;
  let inAccount: Set<string> | undefined;
  let inPool: Set<string> | undefined;
  if (sandbox) {
    const truth = sandbox.snapshot();
    sandboxCalls = truth.requests.total - (sandboxBefore?.total ?? 0);
    for (const [route, counts] of Object.entries(truth.requests.byRoute)) {
      http429 += (counts['429'] ?? 0) - (sandboxBefore?.byRoute[route]?.['429'] ?? 0);
    }
    inAccount = new Set(truth.numbers.map((n) => n.number));
    inPool = new Set((truth.pools[poolUuid]?.members ?? []).map((m) => m.number));
  }

  const measured: MeasuredOrder[] = [];
  for (const order of placed) {
    const record = await stack.store.orders.get(order.orderId);
    const lines = await stack.store.lines.list(order.orderId);
    const stats = stack.stepFunctions.stats(order.executionArn);
    let numbersLost: number | null = null;
    if (inAccount && inPool) {
      const account = inAccount;
      const pool = inPool;
      const numbers = await stack.store.numbers.list(order.orderId, undefined);
      numbersLost = numbers.filter((n) => !((n.status === 'VERIFIED' && pool.has(n.number)) || (n.status === 'RELEASED' && !account.has(n.number)))).length;
    }
    measured.push({
      orderId: order.orderId,
      requested: order.requested,
      provisioned: lines.reduce((sum, line) => sum + line.verified, 0),
      status: record.status,
      executionStatus: order.executionStatus,
      seconds: (order.endedAt - startedAt) / 1000,
      groups: lines.reduce((sum, line) => sum + line.plan.length, 0),
      transitions: stats.transitions,
      lambdaInvocations: stats.totalLambdaInvocations,
      lambdaInvocationsByFunction: stats.lambdaInvocations,
      peakPayloadBytes: stats.maxPayloadBytes,
      invocationMs: await executionInvocationDurations(ctx.sfn, order.executionArn),
      numbersLost,
    });
  }
  return {
    orders: measured,
    wallSeconds: (endedAt - startedAt) / 1000,
    startedAt,
    calls: countCalls(made),
    callTimes: made.map((call) => call.at),
    sandboxCalls,
    http429,
    dynamoDb,
  };
}

/**
 * The fewest calls the orders could have made: every search made, a rent per planned group, an
 * add per number, and a listing page per 20 numbers of each order to verify them.
 */
export function lowerBoundCalls(measurement: Pick<OrdersMeasurement, 'orders' | 'calls'>): number {
  const searches = measurement.calls.byRoute['GET AvailableNumberGroup/'] ?? 0;
  return measurement.orders.reduce((sum, order) => sum + order.groups + order.provisioned + Math.ceil(order.provisioned / 20), searches);
}
