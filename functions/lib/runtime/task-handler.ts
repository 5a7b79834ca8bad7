/**
 * The one middy stack for Step Functions task handlers: parse the task input with zod, give the
 * step a per-invocation logger (order id on every line) and a time budget from the Lambda
 * context, publish the invocation's metrics (runtime/metrics.ts) when it ends, and let errors
 * through with their names (the state machine's Retry/Catch match them).
 * Every Plivo call of a step is customer work of its order: orders take turns at the rate limit.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { type Budget, budgetOf } from '../workflow/deps.js';
import type { WorkflowDeps } from '../workflow/deps.js';
import { withPlivoCallContext } from '../plivo/call-context.js';
import { parseStepInput } from './step-input.js';
import { workflowRuntime } from './workflow-runtime.js';
import { metricsMiddleware } from './metrics.js';

/** Leaves room for the last writes after the step stops starting work. */
const CONTEXT_MARGIN_MS = 5_000;

export function budgetFromContext(context: Pick<Context, 'getRemainingTimeInMillis'> | undefined): Budget {
  if (!context?.getRemainingTimeInMillis) return budgetOf(60_000);
  return { remainingMs: () => context.getRemainingTimeInMillis() - CONTEXT_MARGIN_MS };
}

export function createTaskHandler<S extends z.ZodType<{ orderId: string; line?: number }>, R>(
  step: string,
  schema: S,
  run: (deps: WorkflowDeps, input: z.infer<S>, budget: Budget) => Promise<R>,
) {
  return middy<unknown, R, Error, Context>()
    .use(metricsMiddleware())
    .handler(async (event, context) => {
    const input: z.infer<S> = parseStepInput(step, schema, event);
    const deps = workflowRuntime().depsFor({ orderId: input.orderId, step, ...(input.line === undefined ? {} : { line: input.line }) });
    try {
      return await withPlivoCallContext({ key: input.orderId, priority: 'customer' }, () => run(deps, input, budgetFromContext(context)));
    } catch (error) {
      deps.logger.error(`${step} failed`, { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
      throw error;
    }
  });
}
