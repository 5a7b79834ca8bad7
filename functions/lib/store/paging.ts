/**
 * Reading many items: by key in batches (`batchGetAll`); query results, all of them (`queryAll`),
 * or one page behind an opaque cursor (`queryPage`). A cursor is the base64url of DynamoDB's LastEvaluatedKey; one this API did not
 * give out — not decodable, or refused by DynamoDB as an ExclusiveStartKey — is an
 * InvalidCursorError here, so callers never see DynamoDB's ValidationException for it.
 */
import { BatchGetCommand, type BatchGetCommandOutput, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError } from '../errors.js';
import { stripKeys, type Table } from './table.js';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  cursor?: string;
}

export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;
type Key = Record<string, unknown>;

/** DynamoDB's most keys per BatchGetItem. */
const BATCH_GET_LIMIT = 100;

/** The items these keys hold (absent keys are left out), keys stripped; consistent reads, unprocessed keys asked again. No key twice. */
export async function batchGetAll<T>(table: Table, keyList: readonly Key[]): Promise<T[]> {
  const { tableName } = table;
  const found: T[] = [];
  for (let start = 0; start < keyList.length; start += BATCH_GET_LIMIT) {
    let request: Record<string, { Keys: Key[]; ConsistentRead: boolean }> | undefined = {
      [tableName]: { Keys: keyList.slice(start, start + BATCH_GET_LIMIT), ConsistentRead: true },
    };
    while (request) {
      const result: BatchGetCommandOutput = await table.db.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[tableName] ?? []) found.push(stripKeys<T>(item));
      const unprocessed: { Keys?: Key[] } | undefined = result.UnprocessedKeys?.[tableName];
      request = unprocessed?.Keys?.length ? { [tableName]: { Keys: unprocessed.Keys, ConsistentRead: true } } : undefined;
    }
  }
  return found;
}

/** Every item the query finds, keys stripped. Consistent on the table (a global secondary index offers none). */
export async function queryAll<T>(table: Table, input: QueryInput): Promise<T[]> {
  const items: T[] = [];
  let startKey: Key | undefined;
  do {
    const result = await table.db.send(
      new QueryCommand({ TableName: table.tableName, ConsistentRead: input.IndexName === undefined, ...input, ExclusiveStartKey: startKey }),
    );
    for (const item of result.Items ?? []) items.push(stripKeys<T>(item));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * One page of at most `limit` items from `cursor` on. With a filter, DynamoDB may answer short
 * pages: reading goes on until the page is full or the query ends.
 * @throws InvalidCursorError for a cursor this API did not give out
 */
export async function queryPage<T>(table: Table, input: QueryInput, page: { limit: number; cursor?: string | undefined }): Promise<Page<T>> {
  const items: T[] = [];
  let startKey = decodeCursor(page.cursor);
  do {
    const result = await sendPage(table, { ...input, Limit: page.limit - items.length }, startKey, page.cursor);
    for (const item of result.Items ?? []) items.push(stripKeys<T>(item));
    startKey = result.LastEvaluatedKey;
  } while (startKey && items.length < page.limit);
  const cursor = encodeCursor(startKey);
  return { items, ...(cursor ? { cursor } : {}) };
}

async function sendPage(table: Table, input: QueryInput, startKey: Key | undefined, cursor: string | undefined) {
  try {
    return await table.db.send(new QueryCommand({ TableName: table.tableName, ...input, ExclusiveStartKey: startKey }));
  } catch (error) {
    // A decodable cursor that is not a key of this query: DynamoDB refuses it as a ValidationException.
    if (cursor !== undefined && startKey !== undefined && error instanceof Error && error.name === 'ValidationException') {
      throw new InvalidCursorError('cursor is not one this API gave out', { cause: error });
    }
    throw error;
  }
}

function encodeCursor(key: Key | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

function decodeCursor(cursor: string | undefined): Key | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object') return value as Key;
  } catch (error) {
    throw new InvalidCursorError('cursor is not one this API gave out', { cause: error });
  }
  throw new InvalidCursorError('cursor is not one this API gave out');
}
