/**
 * Plivo's rate limit shared by every process of an account: workers lease tokens in batches from
 * one DynamoDB item per account and clock-aligned window (docs/design.md, invariant 7), so the
 * limit holds across Lambdas for about one conditional write per `leaseSize` Plivo calls.
 * Windows are the same fixed windows the sandbox and the in-memory limiter count. Background
 * calls lease from a second counter of the same item as well (`background`), so their share of a
 * window holds across processes too.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PlivoCallPriority } from '../plivo/call-context.js';
import { type RateLimit, WindowedRateLimiter, type WindowedLimiterOptions } from '../plivo/rate-limit.js';
import { keys } from './table.js';

export interface LeasedRateLimiterOptions extends WindowedLimiterOptions {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** The Plivo account (auth id) whose budget this is. */
  account: string;
  limit: RateLimit;
  /** Tokens taken per write. @default 20 */
  leaseSize?: number;
  /** Called once per lease write, for the benchmark. */
  onLease?: (granted: number) => void;
}

/** Tokens leased for one priority and not yet handed out, valid in their window only. */
interface Held {
  window: number;
  tokens: number;
}

/** A number attribute of the item a failed condition returned (the document client may leave it marshalled). */
function numberAttribute(item: unknown, name: string): number | undefined {
  const raw = (item as Record<string, { N?: string } | number | undefined> | undefined)?.[name];
  if (raw === undefined) return undefined;
  return typeof raw === 'number' ? raw : Number(raw.N);
}

export class LeasedRateLimiter extends WindowedRateLimiter {
  private readonly leaseSize: number;
  private readonly held: Record<PlivoCallPriority, Held> = {
    customer: { window: Number.NaN, tokens: 0 },
    background: { window: Number.NaN, tokens: 0 },
  };

  constructor(private readonly options: LeasedRateLimiterOptions) {
    super(options.limit, options);
    this.leaseSize = Math.max(1, Math.min(options.leaseSize ?? 20, options.limit.requests));
  }

  protected async grant(nowMs: number, priority: PlivoCallPriority): Promise<number> {
    const window = this.windows.windowOf(nowMs);
    if (this.takeHeld(priority, window)) return 0;
    const granted = await this.lease(window, priority);
    if (granted > 0) {
      this.held[priority] = { window, tokens: granted - 1 };
      return 0;
    }
    // The window is spent for customers; background tokens this process still holds serve them (never the reverse).
    if (priority === 'customer' && this.takeHeld('background', window)) return 0;
    return this.windows.msUntilNextWindow(this.now());
  }

  private takeHeld(priority: PlivoCallPriority, window: number): boolean {
    const held = this.held[priority];
    if (held.window !== window || held.tokens === 0) return false;
    held.tokens--;
    return true;
  }

  /**
   * Takes up to a batch of `window`'s tokens; fewer if fewer are left; 0 if none. A background
   * lease also counts in `background`, conditioned together with `used`, so that background calls
   * of every process together stay within their share of the window.
   */
  private async lease(window: number, priority: PlivoCallPriority): Promise<number> {
    const { db, tableName, account, limit } = this.options;
    const background = priority === 'background';
    let ask = background ? Math.min(this.leaseSize, this.backgroundRequests) : this.leaseSize;
    for (let attempt = 0; attempt < 3 && ask > 0; attempt++) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.rateWindow(account, window),
            UpdateExpression: background ? 'ADD used :n, background :n SET expiresAt = :expires' : 'ADD used :n SET expiresAt = :expires',
            ConditionExpression: background
              ? '(attribute_not_exists(used) OR used <= :room) AND (attribute_not_exists(background) OR background <= :backgroundRoom)'
              : 'attribute_not_exists(used) OR used <= :room',
            ExpressionAttributeValues: {
              ':n': ask,
              ':room': limit.requests - ask,
              ...(background ? { ':backgroundRoom': this.backgroundRequests - ask } : {}),
              ':expires': Math.floor(((window + 1) * limit.windowMs) / 1000) + 3600,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        this.options.onLease?.(ask);
        return ask;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const used = numberAttribute(error.Item, 'used') ?? limit.requests;
        ask = Math.min(ask, limit.requests - used);
        if (background) ask = Math.min(ask, this.backgroundRequests - (numberAttribute(error.Item, 'background') ?? 0));
      }
    }
    return 0;
  }
}
