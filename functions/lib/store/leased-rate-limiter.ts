/**
 * Plivo's rate limit shared by every process of an account: workers lease tokens in batches from
 * one DynamoDB item per account and clock-aligned window (docs/design.md, invariant 7), so the
 * limit holds across Lambdas for about one conditional write per `leaseSize` Plivo calls.
 * Windows are the same fixed windows the sandbox and the in-memory limiter count.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

export class LeasedRateLimiter extends WindowedRateLimiter {
  private readonly leaseSize: number;
  private tokens = 0;
  private tokensWindow = Number.NaN;

  constructor(private readonly options: LeasedRateLimiterOptions) {
    super(options.limit, options);
    this.leaseSize = Math.max(1, Math.min(options.leaseSize ?? 20, options.limit.requests));
  }

  protected async grant(nowMs: number): Promise<number> {
    const window = this.windows.windowOf(nowMs);
    if (this.tokensWindow === window && this.tokens > 0) {
      this.tokens--;
      return 0;
    }
    const granted = await this.lease(window, this.leaseSize);
    if (granted > 0) {
      this.tokens = granted - 1;
      this.tokensWindow = window;
      return 0;
    }
    return this.windows.msUntilNextWindow(this.now());
  }

  /** Takes up to `wanted` tokens of `window`; fewer if fewer are left; 0 if none. */
  private async lease(window: number, wanted: number): Promise<number> {
    const { db, tableName, account, limit } = this.options;
    let ask = wanted;
    for (let attempt = 0; attempt < 3 && ask > 0; attempt++) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.rateWindow(account, window),
            UpdateExpression: 'ADD used :n SET expiresAt = :expires',
            ConditionExpression: 'attribute_not_exists(used) OR used <= :room',
            ExpressionAttributeValues: {
              ':n': ask,
              ':room': limit.requests - ask,
              ':expires': Math.floor(((window + 1) * limit.windowMs) / 1000) + 3600,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        this.options.onLease?.(ask);
        return ask;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The document client leaves this Item marshalled ({"N": "300"}); accept either form.
        const raw = (error.Item as { used?: { N?: string } | number } | undefined)?.used;
        const used = typeof raw === 'number' ? raw : Number(raw?.N ?? limit.requests);
        ask = Math.min(ask, limit.requests - used);
      }
    }
    return 0;
  }
}
