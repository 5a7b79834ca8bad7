/** What a rebalance run needs: the order path (store, Step Functions), Plivo, and its settings. */
import type { Metrics } from '../metrics.js';
import type { SubmitDeps } from '../orders/submit.js';
import type { PlivoClient } from '../plivo/client.js';
import type { WorkflowLogger } from '../workflow/deps.js';

export interface PoolsDeps extends SubmitDeps {
  plivo: PlivoClient;
  /** Length of the schedule window for the idempotency key. @default 3600 s */
  windowSeconds?: number;
  now?: () => Date;
  /** How long a run may hold the pool's release lock. @default 15 minutes */
  releaseLeaseMs?: number;
  /** A run still `running` after this long was cut off (above Lambda's 15 minutes). @default 16 minutes */
  staleRunMs?: number;
  logger?: WorkflowLogger;
  /** @default none */
  metrics?: Metrics;
}
