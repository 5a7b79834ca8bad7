/**
 * One scheduled rebalance on the container's workflow runtime: every pool with a policy, each
 * isolated (one pool's failure is reported, the others still run).
 */
import { z } from 'zod';
import type { RebalanceConfig } from '../config.js';
import { ConfigurationError } from '../errors.js';
import { withPlivoCallContext } from '../plivo/call-context.js';
import { rebalanceAll } from '../pools/run.js';
import { sfnClient } from './sfn.js';
import { workflowRuntime } from './workflow-runtime.js';

/**
 * The scheduled event (EventBridge Scheduler sends `{}`); what it names wins over the configuration
 * (the local stack's scheduler loop passes its state machine and its interval).
 */
export const rebalanceEvent = z
  .object({
    stateMachineArn: z.string().min(1).optional(),
    windowSeconds: z.number().int().positive().optional(),
  })
  .nullish()
  .transform((event) => event ?? {});
type RebalanceEvent = z.output<typeof rebalanceEvent>;

/**
 * A scheduled run's Plivo calls (counting pools, releasing surplus) are background work, within
 * its share of the rate limit; the orders it places run as customer work of their own.
 */
export function runScheduledRebalance(config: RebalanceConfig, event: RebalanceEvent, remainingMs: () => number) {
  return withPlivoCallContext({ key: 'rebalance', priority: 'background' }, () => rebalance(config, event, remainingMs));
}

async function rebalance(config: RebalanceConfig, event: RebalanceEvent, remainingMs: () => number) {
  const runtime = workflowRuntime();
  const stateMachineArn = event.stateMachineArn ?? config.stateMachineArn;
  if (stateMachineArn === undefined) throw new ConfigurationError('STATE_MACHINE_ARN is not set');
  const windowSeconds = event.windowSeconds ?? config.windowSeconds;
  const results = await rebalanceAll(
    // Every line carries an order id key, as the workflow's do ('-': a run is about a pool, named by poolUuid).
    { store: runtime.store, plivo: runtime.plivo, sfn: sfnClient(), stateMachineArn, windowSeconds, logger: runtime.depsFor({ orderId: '-', step: 'rebalance' }).logger, metrics: runtime.metrics },
    { remainingMs },
  );
  const failed = results.filter((r) => r.error !== undefined);
  const skipped = results.filter((r) => r.skipped);
  return { pools: results.length, failed: failed.length, skipped: skipped.length, results };
}
