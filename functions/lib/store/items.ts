/** The items the order repositories keep: orders, lines, rent intents, numbers and their owners. */
import type { LineCounts, LineNumberType, LineStatus, NumberStatus, OrderLine, OrderRequest, OrderStatus, PlannedGroup } from '../orders/model.js';

/** An error as an order or line records it (Plivo's text kept). */
export interface RecordedError {
  at: string;
  line?: number;
  name: string;
  message: string;
  plivoMessage?: string;
  apiId?: string;
}

export interface OrderItem {
  orderId: string;
  status: OrderStatus;
  request: Omit<OrderRequest, 'lines'>;
  lineCount: number;
  requested: number;
  createdAt: string;
  updatedAt: string;
  executionArn?: string;
  /** Executions started to carry on the order after the previous one died (orders/recovery.ts). */
  recoveries?: number;
  /**
   * The pool's size (Plivo's `total_count`) when the order was planned: Verify lists the pool only
   * when that is cheaper than looking its numbers up ten at a time.
   */
  poolSizeAtPlan?: number;
  rollback?: 'all' | 'unusable';
  /** Set by POST /orders/{id}/cancel: the order rolls back and ends CANCELLED. */
  cancelRequested?: boolean;
  errors: RecordedError[];
  idempotencyKey?: string;
}

export interface LineItem extends LineCounts {
  orderId: string;
  line: number;
  spec: OrderLine;
  status: LineStatus;
  plan: PlannedGroup[];
  /** Times the plan was topped up after numbers failed at rent. */
  replans?: number;
  nextIntentSeq: number;
  errors: RecordedError[];
  pendingDetails?: string;
  /** While the line waits on address regulations: the Step Functions task token that resumes it. */
  taskToken?: string;
  /** When the wait for regulatory numbers ends (ISO time). */
  deadlineAt?: string;
  /** When the line's first 10DLC link was asked for, and when a number not linked by then is given up (ISO times). */
  linkStartedAt?: string;
  linkDeadlineAt?: string;
  updatedAt: string;
}

export interface NumberItem {
  orderId: string;
  line: number;
  number: string;
  status: NumberStatus;
  groupId: string;
  readds: number;
  updatedAt: string;
  error?: string;
}

export interface IntentItem {
  orderId: string;
  line: number;
  seq: number;
  groupId: string;
  quantity: number;
  status: 'STARTED' | 'DONE' | 'NOT_APPLIED' | 'REJECTED';
  startedAt: string;
  rented?: number;
  failed?: number;
}

/**
 * Numbers a line expects Plivo to deliver into the account later: what a pending order will
 * bring (`uncertain: false`), or what a rent whose answer was lost may have ordered (`uncertain:
 * true`: only in a country and type Plivo has answered pending before, and only numbers added to
 * the account on or after `since`). The reconciler claims each matching number for the line.
 */
export interface ExpectationItem {
  orderId: string;
  line: number;
  /** The rent intent it comes from. */
  seq: number;
  groupId: string;
  quantity: number;
  delivered: number;
  countryIso: string;
  /** The line's number type (as the order asked for it). */
  numberType: LineNumberType;
  /** Digits after the calling code every delivered number starts with, when known. */
  prefix: string | null;
  region: string | null;
  uncertain: boolean;
  /** When the rent was sent (ISO). */
  since: string;
  /**
   * After this the line stops expecting the delivery (ISO). Not `expiresAt`: that is the table's
   * TTL attribute, which the repositories strip from every item they return.
   */
  expectedUntil: string;
}

export interface OwnerItem {
  number: string;
  orderId: string;
  line: number;
}
