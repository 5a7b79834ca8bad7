/**
 * Plivo's callbacks: asynchronous-mode answers, kept once per `api_id`; 10DLC link statuses, kept
 * per campaign and number (the latest wins); and the nonces of their signatures, each accepted
 * once. All expire by TTL.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './paging.js';
import { StateConflictError } from '../errors.js';
import { epochSeconds, keys, type Table } from './table.js';

/** A callback as stored and looked up. */
export interface StoredPlivoCallback {
  apiId: string;
  /** The HTTP status the asynchronous call would have answered with. */
  statusCode?: number;
  /** The call's JSON answer, as Plivo sent it (text). */
  responseText: string;
  receivedAt: string;
}

/** A 10DLC link's outcome, as a status callback reported it. */
export interface CampaignLinkStatus {
  campaignId: string;
  /** E.164 digits, no "+". */
  number: string;
  status: 'COMPLETED' | 'FAILED';
  receivedAt: string;
}

export class PlivoCallbackRepository {
  constructor(private readonly table: Table) {}

  /**
   * Keeps a callback under its `api_id` for `ttlSeconds`, once: the first one wins and a repeat
   * changes nothing. Returns what is stored, and whether this call stored it.
   */
  async record(callback: StoredPlivoCallback, ttlSeconds: number): Promise<{ recorded: boolean; callback: StoredPlivoCallback }> {
    const expiresAt = epochSeconds(new Date(callback.receivedAt)) + ttlSeconds;
    if (await this.putOnce({ ...keys.plivoCallback(callback.apiId), ...callback, expiresAt })) return { recorded: true, callback };
    const existing = await this.find(callback.apiId);
    if (!existing) throw new StateConflictError(`Plivo callback ${callback.apiId} was stored and is gone (expired meanwhile)`);
    return { recorded: false, callback: existing };
  }

  /** The callback of an asynchronous call, by the `api_id` its spawn answer gave; undefined until it arrives. */
  async find(apiId: string): Promise<StoredPlivoCallback | undefined> {
    const result = await this.table.db.send(new GetCommand({ TableName: this.table.tableName, Key: keys.plivoCallback(apiId), ConsistentRead: true }));
    if (!result.Item) return undefined;
    const { apiId: id, statusCode, responseText, receivedAt } = result.Item as Record<string, unknown>;
    return {
      apiId: String(id),
      ...(typeof statusCode === 'number' ? { statusCode } : {}),
      responseText: String(responseText),
      receivedAt: String(receivedAt),
    };
  }

  /** Keeps the link status a 10DLC callback reported for a number, for `ttlSeconds` (a later callback replaces it). */
  async recordLinkStatus(link: CampaignLinkStatus, ttlSeconds: number): Promise<void> {
    const expiresAt = epochSeconds(new Date(link.receivedAt)) + ttlSeconds;
    await this.table.db.send(new PutCommand({ TableName: this.table.tableName, Item: { ...keys.campaignLink(link.campaignId, link.number), ...link, expiresAt } }));
  }

  /** The link statuses callbacks reported for these numbers of a campaign, by number (numbers without one are absent). */
  async linkStatuses(campaignId: string, numbers: readonly string[]): Promise<Map<string, CampaignLinkStatus>> {
    const items = await batchGetAll<CampaignLinkStatus>(this.table, [...new Set(numbers)].map((number) => keys.campaignLink(campaignId, number)));
    return new Map(items.map((link) => [link.number, link]));
  }

  /** Takes the nonce for this callback, remembered `ttlSeconds`; false when it was used already (a replay). */
  async useNonce(nonce: string, apiId: string, now: Date, ttlSeconds: number): Promise<boolean> {
    return this.putOnce({ ...keys.plivoNonce(nonce), apiId, usedAt: now.toISOString(), expiresAt: epochSeconds(now) + ttlSeconds });
  }

  /** Puts the item unless its key exists; false when it did. */
  private async putOnce(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.table.db.send(new PutCommand({ TableName: this.table.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
