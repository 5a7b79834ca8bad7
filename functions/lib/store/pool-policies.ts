/**
 * Pool policies under `POOL#{uuid}` / `POLICY`, with a version for `If-Match`. A deleted policy
 * stays as a tombstone (off the policies index), so its version keeps counting.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PolicyVersionError } from '../errors.js';
import type { PoolPolicy } from '../pools/policy.js';
import { queryAll } from './paging.js';
import { keys, TABLE_KEYS, type Table } from './table.js';

export interface StoredPolicy {
  poolUuid: string;
  version: number;
  policy: PoolPolicy;
  updatedAt: string;
}

type PolicyRecord = StoredPolicy & { deleted?: boolean };

export class PolicyRepository {
  constructor(private readonly table: Table) {}

  async get(poolUuid: string): Promise<StoredPolicy | undefined> {
    const item = await this.read(poolUuid);
    if (!item || item.deleted) return undefined;
    const { poolUuid: uuid, version, policy, updatedAt } = item;
    return { poolUuid: uuid, version, policy, updatedAt };
  }

  /** Writes the policy; with `ifMatch`, only over that version. @throws PolicyVersionError */
  async put(poolUuid: string, policy: PoolPolicy, ifMatch?: number): Promise<StoredPolicy> {
    const current = await this.read(poolUuid);
    if (ifMatch !== undefined && (current?.deleted || current?.version !== ifMatch)) throw new PolicyVersionError(`the policy is at version ${current?.version ?? 'none'}, not ${ifMatch}`);
    const item: StoredPolicy = { poolUuid, version: (current?.version ?? 0) + 1, policy, updatedAt: this.table.now().toISOString() };
    await this.write({ ...keys.policy(poolUuid), gsi1pk: keys.policiesIndexPk, gsi1sk: poolUuid, ...item }, current?.version);
    return item;
  }

  /** Stops rebalancing the pool (a tombstone, out of the policies index); false when it had no policy. @throws PolicyVersionError */
  async delete(poolUuid: string): Promise<boolean> {
    const current = await this.read(poolUuid);
    if (!current || current.deleted) return false;
    await this.write({ ...keys.policy(poolUuid), poolUuid, version: current.version, deleted: true, updatedAt: this.table.now().toISOString() }, current.version);
    return true;
  }

  /** Every pool with a policy. */
  async poolsWithPolicy(): Promise<string[]> {
    const items = await queryAll<{ poolUuid: string }>(this.table, {
      IndexName: TABLE_KEYS.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.policiesIndexPk },
    });
    return items.map((item) => String(item.poolUuid));
  }

  /** The item as stored, tombstone included. */
  private async read(poolUuid: string): Promise<PolicyRecord | undefined> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.policy(poolUuid), ConsistentRead: true }));
    return result.Item as PolicyRecord | undefined;
  }

  /** Puts the item over `version` (or where none is), else PolicyVersionError. */
  private async write(item: Record<string, unknown>, version: number | undefined): Promise<void> {
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: item,
          ConditionExpression: version === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(version === undefined ? {} : { ExpressionAttributeValues: { ':v': version } }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new PolicyVersionError('the policy changed meanwhile', { cause: error });
      throw error;
    }
  }
}
