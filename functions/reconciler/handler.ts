import middy from '@middy/core';
import { readReconcilerConfig } from '../lib/config.js';
import { reconcilerEvent, runReconciler } from '../lib/runtime/reconciler.js';
import { parseStepInput } from '../lib/runtime/step-input.js';

/**
 * The reconciler (EventBridge Scheduler in AWS, an interval in the local stack): first starts the
 * executions of orders recorded but never started (older than `UNSTARTED_GRACE_SECONDS`, default
 * 60; needs `STATE_MACHINE_ARN` or `{stateMachineArn}` in the event), then claims numbers that
 * arrived for waiting regulatory lines, resumes complete lines, and reports orphans. The whole
 * account is read for the orphan report every `ORPHAN_SCAN_HOURS` (default 24; `orphanScanHours`
 * in the event wins); in between only where a waiting line could find its numbers.
 */
const config = readReconcilerConfig(process.env);

export const handler = middy<unknown>().handler(async (event) => runReconciler(config, parseStepInput('reconciler', reconcilerEvent, event)));
