import { sfnClient } from '../lib/runtime/sfn.js';
import { createTaskHandler } from '../lib/runtime/task-handler.js';
import { announceOrderStatus } from '../lib/webhooks/index.js';
import { awaitInput } from '../lib/workflow/inputs.js';
import { awaitRegulatory } from '../lib/workflow/regulatory.js';

/** WaitForRegulatory (.waitForTaskToken): park the line on its task token until its numbers arrive. */
export const handler = createTaskHandler('await-regulatory', awaitInput, (deps, input) =>
  awaitRegulatory(
    {
      ...deps,
      sfn: sfnClient(),
      // order.pending_regulatory goes to the outbox; the dispatcher delivers it.
      announce: (orderId) => announceOrderStatus({ db: deps.store.db, tableName: deps.store.tableName }, orderId),
    },
    input.orderId,
    input.line,
    input.token,
  ),
);
