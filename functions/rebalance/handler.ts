import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readRebalanceConfig } from '../lib/config.js';
import { rebalanceEvent, runScheduledRebalance } from '../lib/runtime/rebalance.js';
import { parseStepInput } from '../lib/runtime/step-input.js';
import { metricsMiddleware } from '../lib/runtime/metrics.js';

/**
 * The scheduled rebalance (EventBridge Scheduler in AWS, an interval in the local stack): runs
 * every pool with a policy, each isolated (one pool's failure is reported, the others still run).
 * Needs `STATE_MACHINE_ARN` (orders go through the order workflow); `REBALANCE_WINDOW_SECONDS`
 * (the schedule's rate, for the idempotency window) defaults to 3600.
 */
const config = readRebalanceConfig(process.env);

export const handler = middy<unknown, unknown, Error, Context>()
  .use(metricsMiddleware())
  .handler(async (event, context) =>
  runScheduledRebalance(config, parseStepInput('rebalance', rebalanceEvent, event), () => context.getRemainingTimeInMillis()),
);
