import type { Logger } from '@aws-lambda-powertools/logger';
import type { WorkflowLogger } from '../workflow/deps.js';

/** A Powertools logger as the domain's small logger interface (the domain does not know Powertools). */
export function asWorkflowLogger(logger: Logger): WorkflowLogger {
  return {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}
