/**
 * The log lines the deployed alarms count: CloudWatch metric filters match a JSON line's `message`
 * (and a numeric field). The code that logs a line and the stack that counts it both take its
 * text from here, so rewording a message cannot quietly stop an alarm.
 */

/** ERROR, one per number that could not be unrented after retries: it is then LEAKED. */
export const LEAKED_NUMBER_LOG_MESSAGE = 'number could not be released: LEAKED';

/** ERROR, one per pool whose scheduled rebalance failed (the other pools still run). */
export const REBALANCE_FAILED_LOG_MESSAGE = 'pool rebalance failed';

/** WARN, each reconciler run that read the account; `orphanCount` holds how many numbers no order owns. */
export const ORPHANED_NUMBERS_LOG_MESSAGE = 'orphaned numbers in the account';
/** Numbers our records prove we rented, owned by nobody for a whole reconciler pass: their settling is stuck. */
export const PROVABLE_ORPHANS_LOG_MESSAGE = 'numbers we rented are still owned by nobody';

/** INFO, a notify task that attempted deliveries; `failed` holds how many attempts failed. */
export const NOTIFY_LOG_MESSAGE = 'notify';

/** INFO, a webhook dispatcher run that attempted deliveries; `failed` as for `NOTIFY_LOG_MESSAGE`. */
export const WEBHOOK_DISPATCH_LOG_MESSAGE = 'webhook dispatch';

/** WARN, one per order whose execution had died and that a recovery execution now carries on. */
export const ORDER_RECOVERED_LOG_MESSAGE = 'order recovered: its execution had ended';

/** ERROR, each reconciler run with open orders whose execution is dead and whose recoveries are used up; `count` holds how many. */
export const ORDERS_NOT_RECOVERED_LOG_MESSAGE = 'orders not recovered: their executions keep dying';
