import middy from '@middy/core';
import { sfnClient } from '../lib/runtime/sfn.js';
import { workflowRuntime } from '../lib/runtime/workflow-runtime.js';
import { reconcilePending } from '../lib/workflow/regulatory.js';

/**
 * The reconciler (EventBridge Scheduler in AWS, an interval in the local stack): claims numbers
 * that arrived for waiting regulatory lines, resumes complete lines, and reports orphans.
 */
export const handler = middy().handler(async () => {
  const runtime = workflowRuntime();
  const deps = runtime.depsFor({ orderId: '-', step: 'reconciler' });
  const report = await reconcilePending({ ...deps, sfn: sfnClient() });
  return { ...report, orphans: report.orphans.slice(0, 20) };
});
