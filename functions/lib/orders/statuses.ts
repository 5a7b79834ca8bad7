/**
 * The statuses an order, a line and a number go through, and the number types a line may ask for:
 * plain constants with no dependency, so that the console's browser bundle can share them.
 */
export const orderStatuses = [
  'RECEIVED',
  'IN_PROGRESS',
  'PENDING_REGULATORY',
  'PLANNED',
  'COMPLETED',
  'PARTIAL',
  'FAILED',
  'ROLLED_BACK',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export const terminalOrderStatuses: readonly OrderStatus[] = ['PLANNED', 'COMPLETED', 'PARTIAL', 'FAILED', 'ROLLED_BACK', 'CANCELLED'];

export const lineStatuses = [
  'RECEIVED',
  'PLANNED',
  'RENTING',
  'PENDING_REGULATORY',
  'LINKING',
  'ASSIGNING',
  'VERIFYING',
  'COMPLETED',
  'PARTIAL',
  'FAILED',
  'ROLLED_BACK',
] as const;
export type LineStatus = (typeof lineStatuses)[number];
/** A line in one of these has ended: nothing more is rented, added or verified for it. */
export const terminalLineStatuses: readonly LineStatus[] = ['COMPLETED', 'PARTIAL', 'FAILED', 'ROLLED_BACK'];

/**
 * A number's life: RENTED (in the account, ours), or PENDING (in the account and ours, but not
 * active until Plivo approves the verification documents); on a line with a 10DLC campaign, LINKING
 * (the link to the campaign asked for) then LINKED (Plivo says COMPLETED); then ASSIGNED to the
 * pool, VERIFIED there, or FAILED; finally RELEASED (given back) or LEAKED (could not be given
 * back: alarmed).
 */
export const numberStatuses = ['RENTED', 'PENDING', 'LINKING', 'LINKED', 'ASSIGNED', 'VERIFIED', 'FAILED', 'RELEASED', 'LEAKED'] as const;
export type NumberStatus = (typeof numberStatuses)[number];

export const lineNumberTypes = ['local', 'national', 'tollfree', 'mobile'] as const;
export type LineNumberType = (typeof lineNumberTypes)[number];
