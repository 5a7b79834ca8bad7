/**
 * DynamoDB request units, counted on the wire: a loopback proxy in front of DynamoDB Local that
 * every client of the local stack talks to. It asks for `ReturnConsumedCapacity: TOTAL` on every
 * request that can return it (unless the caller asked already) and adds up the `ConsumedCapacity`
 * of the answers: DynamoDB Local computes it as DynamoDB does (item sizes rounded up to 1 KB for
 * writes and 4 KB for reads, half a unit for an eventually consistent read, double for
 * transactions). Answers are passed through unchanged; callers that did not ask for the capacity
 * ignore the extra field.
 *
 * Except for transactions: DynamoDB Local's `ConsumedCapacity` of a transaction is wrong (2 units
 * for a transaction of 50 small puts, which DynamoDB bills 100), so transactions are priced from
 * the request as DynamoDB bills them: 2 units per item per started KB (4 KB for a read), a put's
 * size computed from its item, an update, delete or condition check counted as one KB (the
 * table's items are small: a number, a line's counters).
 *
 * Reads of nothing: DynamoDB Local answers 0 units for a `BatchGetItem` of missing keys and for an
 * empty `Query`, where DynamoDB bills each key of a batch as a `GetItem` (half a unit at least, one
 * when consistent) and, as we read its pricing, an empty query the same minimum; the meter counts
 * those minimums.
 *
 * A write refused by its condition consumes write units on DynamoDB but comes back from DynamoDB
 * Local as an error without `ConsumedCapacity`: such writes are counted apart (`failedWrites`) and
 * the estimate adds one unit for each (an item of up to 1 KB; two per item for a transaction).
 */
import { createServer, request, Agent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface DynamoDbUnits {
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** Conditional writes and transactions DynamoDB refused (no capacity in the answer); the estimate counts them as `failedWriteUnits`. */
  failedWrites: number;
  failedWriteUnits: number;
  /** Requests by operation (`PutItem`, `Query`, …). */
  byOperation: Record<string, number>;
  /** Units by operation (read units for reads, write units for writes). */
  unitsByOperation: Record<string, number>;
}

export interface DynamoDbMeter {
  /** The endpoint to give clients instead of DynamoDB's. */
  url: string;
  snapshot(): DynamoDbUnits;
  close(): Promise<void>;
}

const empty = (): DynamoDbUnits => ({ requests: 0, readUnits: 0, writeUnits: 0, failedWrites: 0, failedWriteUnits: 0, byOperation: {}, unitsByOperation: {} });

/** Units between two snapshots. */
export function unitsBetween(before: DynamoDbUnits, after: DynamoDbUnits): DynamoDbUnits {
  const delta = (a: Record<string, number>, b: Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const [operation, count] of Object.entries(b)) {
      const moved = count - (a[operation] ?? 0);
      if (moved > 0) out[operation] = moved;
    }
    return out;
  };
  return {
    requests: after.requests - before.requests,
    readUnits: after.readUnits - before.readUnits,
    writeUnits: after.writeUnits - before.writeUnits,
    failedWrites: after.failedWrites - before.failedWrites,
    failedWriteUnits: after.failedWriteUnits - before.failedWriteUnits,
    byOperation: delta(before.byOperation, after.byOperation),
    unitsByOperation: delta(before.unitsByOperation, after.unitsByOperation),
  };
}

/** Sum of `CapacityUnits` in a `ConsumedCapacity` (one object, or one per table for batches and transactions). */
export function capacityUnitsOf(answer: unknown): number {
  const consumed = (answer as { ConsumedCapacity?: unknown } | null)?.ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum: number, entry) => sum + (Number((entry as { CapacityUnits?: unknown }).CapacityUnits) || 0), 0);
}

/** An attribute value's size as DynamoDB counts it (names and values in UTF-8 bytes, numbers ~1 byte per 2 digits). */
function valueSize(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const [type, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  switch (type) {
    case 'S':
    case 'B':
      return Buffer.byteLength(String(inner));
    case 'N':
      return Math.ceil(String(inner).replace(/[^0-9]/g, '').length / 2) + 1;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'BS':
      return (inner as string[]).reduce((sum, item) => sum + Buffer.byteLength(item), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, item) => sum + Math.ceil(item.length / 2) + 1, 0);
    case 'L':
      return 3 + (inner as unknown[]).reduce((sum: number, item) => sum + 1 + valueSize(item), 0);
    case 'M':
      return 3 + itemSize(inner as Record<string, unknown>) + Object.keys(inner as object).length;
    default:
      return 0;
  }
}

/** An item's size in bytes: its attribute names and values. */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

/** What DynamoDB bills a transaction (see the module comment): 2 units per item per started KB (writes) or 4 KB (reads). */
export function transactionUnits(operation: 'TransactWriteItems' | 'TransactGetItems', request: { TransactItems?: unknown[] }): number {
  const items = (request.TransactItems ?? []) as Record<string, { Item?: Record<string, unknown> } | undefined>[];
  if (operation === 'TransactGetItems') return 2 * items.length;
  return items.reduce((sum, entry) => {
    const put = entry.Put?.Item;
    return sum + 2 * (put ? Math.max(1, Math.ceil(itemSize(put) / 1024)) : 1);
  }, 0);
}

/** The least DynamoDB bills a read, whatever it found: half a unit per key (one when consistent). */
export function minimumReadUnits(operation: string, request: Record<string, unknown>): number {
  const perKey = (consistent: unknown) => (consistent === true ? 1 : 0.5);
  if (operation === 'Query' || operation === 'Scan') return perKey(request.ConsistentRead);
  if (operation !== 'BatchGetItem') return 0;
  const tables = Object.values((request.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: unknown }>);
  return tables.reduce((sum, table) => sum + (table.Keys?.length ?? 0) * perKey(table.ConsistentRead), 0);
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function startDynamoDbMeter(target: string): Promise<DynamoDbMeter> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let units = empty();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      let body = await readAll(req);
      const metered = READS.has(operation) || WRITES.has(operation);
      let transaction: number | undefined;
      let minimum = 0;
      if (metered) {
        try {
          const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
          if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') transaction = transactionUnits(operation, json);
          minimum = minimumReadUnits(operation, json);
          json.ReturnConsumedCapacity ??= 'TOTAL';
          body = Buffer.from(JSON.stringify(json));
        } catch {
          // Not JSON: forwarded as it came, and DynamoDB Local answers it.
        }
      }
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      delete headers['accept-encoding'];
      const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
        void readAll(answer).then((answerBody) => {
          units.requests += 1;
          if (operation) units.byOperation[operation] = (units.byOperation[operation] ?? 0) + 1;
          if (metered) {
            let json: unknown;
            try {
              json = JSON.parse(answerBody.toString('utf8'));
            } catch {
              json = undefined;
            }
            if ((answer.statusCode ?? 500) < 300) {
              const consumed = transaction ?? Math.max(minimum, capacityUnitsOf(json));
              units.unitsByOperation[operation] = (units.unitsByOperation[operation] ?? 0) + consumed;
              if (READS.has(operation)) units.readUnits += consumed;
              else units.writeUnits += consumed;
            } else if (WRITES.has(operation) && /ConditionalCheckFailed|TransactionCanceled/.test(String((json as { __type?: unknown } | undefined)?.__type ?? ''))) {
              units.failedWrites += 1;
              units.failedWriteUnits += transaction ?? 1;
            }
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          res.end(answerBody);
        }, (error: unknown) => res.destroy(error as Error));
      });
      forwarded.on('error', (error) => res.destroy(error));
      forwarded.end(body);
    })().catch((error: unknown) => res.destroy(error as Error));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    snapshot: () => ({ ...units, byOperation: { ...units.byOperation }, unitsByOperation: { ...units.unitsByOperation } }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      agent.destroy();
      units = empty();
    },
  };
}
