/** The items the order repositories keep: orders, lines, rent intents, numbers and their owners. */
import type { LineCounts, LineStatus, NumberStatus, OrderLine, OrderRequest, OrderStatus, PlannedGroup } from '../orders/model.js';

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
  /** Numbers bought that await verification (in the account, not active until approved). */
  pending?: number;
}

export interface OwnerItem {
  number: string;
  orderId: string;
  line: number;
}
