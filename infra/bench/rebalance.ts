/**
 * One scheduled rebalance run over a pool, measured: a rule per area code, each target 5% above
 * what the pool holds of it, so every rule orders. The run's own Plivo calls (counting the pool,
 * pricing the deficits) are counted apart from those of the order it places, which runs in its own
 * execution while the run may still be going.
 */
import { countCalls } from './call-log.js';
import { round, unitsLessIdle, type BenchContext } from './context.js';
import { unitsBetween } from './dynamodb-meter.js';

export interface RebalanceResult {
  rules: number;
  poolNumbers: number;
  ordered: number;
  /** The run's own calls (its scope), by endpoint. */
  plivoCalls: number;
  plivoCallsPerRule: number;
  plivoCallsByEndpoint: Record<string, number>;
  /** Calls of the order the run placed, from the run's start to the order's end. */
  orderPlivoCalls: number;
  orderPlivoCallsByEndpoint: Record<string, number>;
  /** What a run may cost whatever the pool's size: one count per rule (Plivo's `total_count`) and one price search per short rule. */
  targetCalls: number;
  /** The run alone (the scheduled Lambda's duration). */
  wallSeconds: number;
  orderSeconds: number | null;
  orderStatus: string | null;
  /** DynamoDB units of the run and its order together, less the idle stack's. */
  dynamoDbUnits: { read: number; write: number };
}

/** Sets the policy, runs the scheduled rebalance once, follows the order it placed, then deletes the policy. */
export async function runRebalanceBench(ctx: BenchContext, poolUuid: string, held: ReadonlyMap<string, number>): Promise<RebalanceResult> {
  const { stack, calls, meter } = ctx;
  const rules = [...held].map(([prefix, count]) => {
    const target = count + Math.max(1, Math.round(count * 0.05));
    return { countryIso: 'US', numberType: 'local', prefix, min: target, target, max: target * 2 };
  });
  const policyUrl = `${stack.apiUrl}/pools/${poolUuid}/policy`;
  const headers = { 'content-type': 'application/json', 'x-api-key': stack.apiKey };
  const put = await fetch(policyUrl, { method: 'PUT', headers, body: JSON.stringify({ rules }) });
  if (put.status !== 200) throw new Error(`policy refused (${put.status}): ${await put.text()}`);
  const mark = calls.mark();
  const unitsBefore = meter.snapshot();
  const started = Date.now();
  await calls.within('rebalance', () => stack.rebalancer.runOnce());
  const wallSeconds = (Date.now() - started) / 1000;
  const [run] = await stack.store.pools.runs.list(poolUuid, 1);
  const ordered = (run?.rules ?? []).reduce((sum, r) => sum + (r.decision === 'order' || r.decision === 'capped' ? r.quantity : 0), 0);
  let orderStatus: string | null = null;
  let orderSeconds: number | null = null;
  if (run?.orderId) {
    const placed = await stack.store.orders.get(run.orderId);
    await stack.stepFunctions.waitForExecution(placed.executionArn ?? '');
    orderSeconds = round((Date.now() - started) / 1000);
    orderStatus = (await stack.store.orders.get(run.orderId)).status;
  }
  const dynamoDbUnits = unitsLessIdle(unitsBetween(unitsBefore, meter.snapshot()), (Date.now() - started) / 1000, ctx.idleUnitsPerSecond);
  const own = countCalls(calls.since(mark, 'rebalance'));
  const order = countCalls(calls.since(mark, undefined));
  const deleted = await fetch(policyUrl, { method: 'DELETE', headers });
  if (deleted.status >= 300) throw new Error(`policy not deleted (${deleted.status}): ${await deleted.text()}`);
  const poolNumbers = [...held.values()].reduce((a, b) => a + b, 0);
  return {
    rules: rules.length,
    poolNumbers,
    ordered,
    plivoCalls: own.total,
    plivoCallsPerRule: round(own.total / rules.length, 2),
    plivoCallsByEndpoint: own.byRoute,
    orderPlivoCalls: order.total,
    orderPlivoCallsByEndpoint: order.byRoute,
    targetCalls: 2 * rules.length,
    wallSeconds: round(wallSeconds),
    orderSeconds,
    orderStatus,
    dynamoDbUnits: { read: round(dynamoDbUnits.read, 1), write: round(dynamoDbUnits.write, 1) },
  };
}
