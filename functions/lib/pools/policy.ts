/**
 * Pool policies: what a pool must hold per rule (min/target/max) and what a rebalance may do.
 * Stored in the one table under `POOL#{uuid}` / `POLICY`, with a version for `If-Match`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { NumberOrdersError } from '../errors.js';
import { orderLineSchema } from '../orders/model.js';
import type { OrderStore } from '../store/order-store.js';

export const MAX_RULES = 100;

const count = (field: string) =>
  z
    .number({ error: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .min(0, `${field} must not be negative`)
    .max(10_000, `${field} must be at most 10000`);

const line = orderLineSchema.shape;

export const poolRuleSchema = z
  .object({
    countryIso: line.countryIso,
    numberType: line.numberType,
    prefix: line.prefix,
    region: line.region,
    min: count('min'),
    target: count('target'),
    max: count('max'),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.min > rule.target) ctx.addIssue({ code: 'custom', path: ['min'], message: 'min must not be above target' });
    if (rule.target > rule.max) ctx.addIssue({ code: 'custom', path: ['max'], message: 'max must not be below target' });
    if (rule.region !== undefined && rule.numberType !== 'local') ctx.addIssue({ code: 'custom', path: ['region'], message: 'region is only allowed when numberType is "local"' });
  });
export type PoolRule = z.infer<typeof poolRuleSchema>;

export const ruleKey = (rule: Pick<PoolRule, 'countryIso' | 'numberType' | 'prefix' | 'region'>): string =>
  [rule.countryIso, rule.numberType, rule.prefix ?? '*', rule.region ?? '*'].join('/');

export const poolPolicySchema = z
  .object({
    service: z.enum(['sms', 'mms']).default('sms'),
    rules: z.array(poolRuleSchema).min(1, 'must hold at least one rule').max(MAX_RULES, `must hold at most ${MAX_RULES} rules`),
    releaseSurplus: z.boolean().default(false),
    releaseWithinDaysOfRenewal: z.number().int('must be a whole number of days').min(0, 'must not be negative').max(31, 'must be at most 31').default(3),
    maxMonthlyIncrease: z
      .string()
      .regex(/^\d{1,6}(\.\d{1,5})?$/, 'must be a decimal amount in USD such as "25.00"')
      .optional(),
    partialAllowed: z.boolean().default(true),
    callbackUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const seen = new Map<string, number>();
    policy.rules.forEach((rule, index) => {
      const key = ruleKey(rule);
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', index], message: `overlaps rule ${first} (same country, type, prefix and region)` });
      else seen.set(key, index);
    });
  });
export type PoolPolicy = z.infer<typeof poolPolicySchema>;

export interface StoredPolicy {
  poolUuid: string;
  version: number;
  policy: PoolPolicy;
  updatedAt: string;
}

export class PolicyVersionError extends NumberOrdersError {}

export const poolKeys = {
  policy: (poolUuid: string) => ({ pk: `POOL#${poolUuid}`, sk: 'POLICY' }),
  run: (poolUuid: string, runId: string) => ({ pk: `POOL#${poolUuid}`, sk: `RUN#${runId}` }),
  runPrefix: 'RUN#',
  /** Pools with a policy, on gsi1 (for the scheduled run). */
  policiesIndexPk: 'POOL_POLICIES',
} as const;

export class PolicyStore {
  constructor(readonly store: Pick<OrderStore, 'db' | 'tableName'>) {}

  async get(poolUuid: string): Promise<StoredPolicy | undefined> {
    const item = await this.read(poolUuid);
    if (!item || item.deleted) return undefined;
    const { poolUuid: uuid, version, policy, updatedAt } = item;
    return { poolUuid: uuid, version, policy, updatedAt };
  }

  /** The item as stored: a deleted policy stays as a tombstone, so its version keeps counting. */
  private async read(poolUuid: string): Promise<(StoredPolicy & { deleted?: boolean }) | undefined> {
    const result = await this.store.db.send(new GetCommand({ TableName: this.store.tableName, Key: poolKeys.policy(poolUuid), ConsistentRead: true }));
    return result.Item as (StoredPolicy & { deleted?: boolean }) | undefined;
  }

  /** Writes the policy; with `ifMatch`, only over that version (else PolicyVersionError). */
  async put(poolUuid: string, policy: PoolPolicy, ifMatch?: number): Promise<StoredPolicy> {
    const current = await this.read(poolUuid);
    if (ifMatch !== undefined && (current?.deleted || current?.version !== ifMatch)) throw new PolicyVersionError(`the policy is at version ${current?.version ?? 'none'}, not ${ifMatch}`);
    const version = (current?.version ?? 0) + 1;
    const item: StoredPolicy = { poolUuid, version, policy, updatedAt: new Date().toISOString() };
    try {
      await this.store.db.send(
        new PutCommand({
          TableName: this.store.tableName,
          Item: { ...poolKeys.policy(poolUuid), gsi1pk: poolKeys.policiesIndexPk, gsi1sk: poolUuid, ...item },
          ConditionExpression: current ? 'version = :v' : 'attribute_not_exists(pk)',
          ...(current ? { ExpressionAttributeValues: { ':v': current.version } } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new PolicyVersionError('the policy changed meanwhile', { cause: error });
      throw error;
    }
    return item;
  }

  /** Stops rebalancing the pool (a tombstone, out of the policies index); false when it had no policy. */
  async delete(poolUuid: string): Promise<boolean> {
    const current = await this.read(poolUuid);
    if (!current || current.deleted) return false;
    try {
      await this.store.db.send(
        new PutCommand({
          TableName: this.store.tableName,
          Item: { ...poolKeys.policy(poolUuid), poolUuid, version: current.version, deleted: true, updatedAt: new Date().toISOString() },
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': current.version },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new PolicyVersionError('the policy changed meanwhile', { cause: error });
      throw error;
    }
    return true;
  }

  /** Every pool with a policy. */
  async poolsWithPolicy(): Promise<string[]> {
    const pools: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.store.db.send(
        new QueryCommand({
          TableName: this.store.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': poolKeys.policiesIndexPk },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) pools.push(String(item.poolUuid));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return pools;
  }
}
