import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readReconcilerConfig } from '../lib/config.js';
import { reconcilerEvent, runReconciler } from '../lib/runtime/reconciler.js';
import { parseStepInput } from '../lib/runtime/step-input.js';
import { budgetFromContext } from '../lib/runtime/task-handler.js';
import { metricsMiddleware } from '../lib/runtime/metrics.js';

/**
 * The reconciler (EventBridge Scheduler in AWS, an interval in the local stack): first starts the
 * executions of orders recorded but never started (older than `UNSTARTED_GRACE_SECONDS`, default
 * 60; needs `STATE_MACHINE_ARN` or `{stateMachineArn}` in the event), then claims numbers that
 * arrived for waiting regulatory lines, resumes complete lines, and reports orphans. The whole
 * account is read for the orphan report every `ORPHAN_SCAN_HOURS` (default 24; `orphanScanHours`
 * in the event wins), in slices that fit the invocation's time (a cursor in DynamoDB carries a
 * pass across runs); in between only where a waiting line could find its numbers.
 */
const config = readReconcilerConfig(process.env);

export const handler = middy<unknown, unknown, Error, Context>()
  .use(metricsMiddleware())
  .handler(async (event, context) =>
  runReconciler(config, parseStepInput('reconciler', reconcilerEvent, event), budgetFromContext(context)),
);
