/**
 * DynamoDB faults on demand: the failures real DynamoDB has and DynamoDB Local never shows, injected
 * into a DynamoDB client so that the store's retries and the workflow's serial writes can be tested
 * where a user meets them (the local stack, the workflow and end-to-end tests).
 *
 * - `conflict`: a write meets another transaction on one of its items. TransactWriteItems is
 *   cancelled (`TransactionCanceledException`, one item's CancellationReason `TransactionConflict`,
 *   the others `None`); a single-item write gets `TransactionConflictException`. Nothing is written.
 *   With any conflict rate above 0, writes of this client that really overlap in time on one item
 *   conflict as they would on DynamoDB (a transaction with any write in flight on one of its items,
 *   a single write with a transaction in flight on its item), on top of the random share — which
 *   stands for writers in other processes. A condition failure (`ConditionalCheckFailed`) is never
 *   faked: only the real table says that.
 * - `throttle`: `ProvisionedThroughputExceededException`, `ThrottlingException` or
 *   `RequestLimitExceeded`, on any call. Nothing is done.
 * - `timeout`: a `TimeoutError` (code `ETIMEDOUT`, as the SDK's HTTP handler throws it), half the
 *   time before the request is sent (nothing done) and half the time after DynamoDB carried it
 *   out (the write happened, the caller sees an error).
 *
 * Each fault is drawn per attempt. Conflicts and throttles are answered as DynamoDB answers them —
 * an HTTP 400 with its JSON error body — and the SDK's own deserializer turns that into the error
 * object, so the error is exactly what the SDK would throw (class, `$fault`, `$metadata`,
 * `CancellationReasons`), and the SDK's retry strategy sees it as it would see the real one
 * (throttles and timeouts retried by the SDK, cancelled transactions not).
 *
 * The mechanism is the SDK's middleware stack (`client.middlewareStack.add`), the documented and
 * long-kept way to hook into every request of an AWS SDK v3 client. The step is `deserialize` with
 * low priority: below the deserializer (so it reads our fake response) and below the retry and
 * signing middleware (so every retried attempt meets its own draw).
 *
 * Switched on by `DYNAMODB_FAULTS` (`conflict=0.05,throttle=0.05,timeout=0.01`) in the client
 * `createDocumentClient` builds, which the local stack sets from `npm start -- --dynamodb-faults`;
 * the CDK stack never sets it.
 */
import type { Readable } from 'node:stream';
import { HttpResponse } from '@smithy/core/protocols';
import { ConfigurationError } from './errors.js';
import { TABLE_KEYS } from './store/table.js';

export const DYNAMODB_FAULT_KINDS = ['conflict', 'throttle', 'timeout'] as const;
export type DynamoDbFaultKind = (typeof DYNAMODB_FAULT_KINDS)[number];

/** Probability (0 to 1) of each fault per attempt. */
export type DynamoDbFaultRates = Record<DynamoDbFaultKind, number>;

/** A fault for matching calls, ahead of the random draws (tests aim one at one write). */
export interface DynamoDbFaultRule {
  fault: DynamoDbFaultKind;
  /** The operation, without `Command` (`TransactWriteItems`, `UpdateItem`…); any when absent. */
  operation?: string;
  /** For `timeout`: before the request is sent, or after DynamoDB carried it out. @default "after" */
  when?: 'before' | 'after';
  /** How many attempts it fails. @default 1 */
  times?: number;
}

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const THROTTLES = [
  { type: 'ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.' },
  { type: 'ThrottlingException', message: 'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly.' },
  { type: 'RequestLimitExceeded', message: 'Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase' },
] as const;

/**
 * Parses `conflict=0.05,throttle=0.05,timeout=0.01` (any subset; unnamed kinds are 0).
 * @throws ConfigurationError naming `source` and what is wrong
 */
export function parseDynamoDbFaults(text: string, source = 'DYNAMODB_FAULTS'): DynamoDbFaultRates {
  const rates: DynamoDbFaultRates = { conflict: 0, throttle: 0, timeout: 0 };
  const usage = `${source} must be comma-separated kind=probability pairs, kinds ${DYNAMODB_FAULT_KINDS.join(', ')}, probabilities from 0 to 1 (e.g. conflict=0.05,throttle=0.05,timeout=0.01)`;
  if (text.trim() === '') throw new ConfigurationError(`${usage}; got an empty value`);
  const seen = new Set<string>();
  for (const pair of text.split(',')) {
    const match = /^\s*([a-z]+)\s*=\s*([^\s]+)\s*$/.exec(pair);
    if (!match) throw new ConfigurationError(`${usage}; got "${pair.trim()}" in "${text}"`);
    const [, kind = '', value = ''] = match;
    if (!(DYNAMODB_FAULT_KINDS as readonly string[]).includes(kind)) throw new ConfigurationError(`${usage}; "${kind}" is not a fault kind`);
    if (seen.has(kind)) throw new ConfigurationError(`${usage}; "${kind}" is given twice`);
    seen.add(kind);
    const probability = Number(value);
    if (!Number.isFinite(probability) || probability < 0 || probability > 1) throw new ConfigurationError(`${usage}; ${kind}=${value} is not a probability`);
    rates[kind as DynamoDbFaultKind] = probability;
  }
  if (rates.conflict + rates.throttle + rates.timeout > 1) throw new ConfigurationError(`${usage}; the probabilities add up to more than 1`);
  return rates;
}

export function formatDynamoDbFaults(rates: DynamoDbFaultRates): string {
  return DYNAMODB_FAULT_KINDS.map((kind) => `${kind}=${rates[kind]}`).join(',');
}

interface Pick {
  fault: DynamoDbFaultKind;
  when: 'before' | 'after';
}

/** The faults of one client: rates for random draws, and rules aimed at chosen calls. */
export class DynamoDbFaults {
  private rates: DynamoDbFaultRates;
  private readonly rules: (DynamoDbFaultRule & { left: number })[] = [];
  /** Faults injected so far, by kind. */
  readonly injected: Record<DynamoDbFaultKind, number> = { conflict: 0, throttle: 0, timeout: 0 };
  /** Attempts seen so far, by operation (`TransactWriteItems`: 3), faulted or not. */
  readonly attempts: Record<string, number> = {};
  /** Of the conflicts injected, those where writes really overlapped in time on one item. */
  contended = 0;
  private readonly inFlight = new InFlightWrites();

  constructor(
    rates: Partial<DynamoDbFaultRates> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.rates = { conflict: 0, throttle: 0, timeout: 0, ...rates };
  }

  /** Replaces the rates (`{}`: no random faults). */
  setRates(rates: Partial<DynamoDbFaultRates>): void {
    this.rates = { conflict: 0, throttle: 0, timeout: 0, ...rates };
  }

  /** No more faults: rates to 0, rules dropped. */
  reset(): void {
    this.setRates({});
    this.rules.length = 0;
  }

  /** Fails the next matching attempts (before any random draw). */
  addRule(rule: DynamoDbFaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  /** Installs the injector on a client (idempotent: a second install replaces the first). */
  install(client: { middlewareStack: { add: (...args: never[]) => void } }): void {
    (client.middlewareStack as unknown as MiddlewareStack).add(this.middleware(), {
      step: 'deserialize',
      priority: 'low',
      name: 'dynamoDbFaultInjector',
      override: true,
    });
  }

  private pick(operation: string): Pick | undefined {
    const canConflict = operation === 'TransactWriteItems' || WRITE_OPERATIONS.has(operation);
    const ruleIndex = this.rules.findIndex((rule) => (rule.operation === undefined || rule.operation === operation) && (rule.fault !== 'conflict' || canConflict));
    const rule = this.rules[ruleIndex];
    if (rule) {
      rule.left -= 1;
      if (rule.left <= 0) this.rules.splice(ruleIndex, 1);
      return { fault: rule.fault, when: rule.when ?? 'after' };
    }
    const draw = this.random();
    const conflict = canConflict ? this.rates.conflict : 0;
    if (draw < conflict) return { fault: 'conflict', when: 'before' };
    if (draw < conflict + this.rates.throttle) return { fault: 'throttle', when: 'before' };
    if (draw < conflict + this.rates.throttle + this.rates.timeout) return { fault: 'timeout', when: this.random() < 0.5 ? 'before' : 'after' };
    return undefined;
  }

  private middleware() {
    return (next: (args: MiddlewareArgs) => Promise<MiddlewareOutput>, context: { commandName?: string }) =>
      async (args: MiddlewareArgs): Promise<MiddlewareOutput> => {
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        this.attempts[operation] = (this.attempts[operation] ?? 0) + 1;
        const pick = this.pick(operation);
        if (pick) this.injected[pick.fault] += 1;
        if (pick?.fault === 'throttle') {
          const throttle = THROTTLES[Math.floor(this.random() * THROTTLES.length)] ?? THROTTLES[0];
          return errorResponse(throttle.type, { message: throttle.message });
        }
        if (pick?.fault === 'conflict') return conflictResponse(operation, args.input, Math.floor(this.random() * itemCount(args.input)));
        if (pick?.fault === 'timeout' && pick.when === 'before') throw timeoutError('before');
        // Writes that overlap in time on one item conflict, as on DynamoDB (only while conflicts are on).
        const written = this.rates.conflict > 0 ? writtenItems(operation, args.input) : undefined;
        if (written) {
          const clash = this.inFlight.clash(written, operation === 'TransactWriteItems');
          if (clash !== undefined) {
            this.injected.conflict += 1;
            this.contended += 1;
            return conflictResponse(operation, args.input, clash);
          }
          this.inFlight.hold(written, operation === 'TransactWriteItems');
        }
        try {
          const done = await next(args);
          if (pick?.fault !== 'timeout') return done;
          // The caller never reads this answer: drain it so the connection is not held.
          (done.response as { body?: Partial<Readable> }).body?.resume?.();
          throw timeoutError('after');
        } finally {
          if (written) this.inFlight.release(written, operation === 'TransactWriteItems');
        }
      };
  }
}

/**
 * The items of writes in flight. A transaction conflicts with any write in flight on one of its
 * items; a single-item write conflicts with a transaction in flight on its item (two single writes
 * on one item are serialized by DynamoDB, not refused).
 */
class InFlightWrites {
  private readonly transactions = new Map<string, number>();
  private readonly singles = new Map<string, number>();

  /** The index of the first item a write in flight holds, if any. */
  clash(items: readonly string[], transaction: boolean): number | undefined {
    const index = items.findIndex((item) => this.transactions.has(item) || (transaction && this.singles.has(item)));
    return index >= 0 ? index : undefined;
  }

  hold(items: readonly string[], transaction: boolean): void {
    const held = transaction ? this.transactions : this.singles;
    for (const item of items) held.set(item, (held.get(item) ?? 0) + 1);
  }

  release(items: readonly string[], transaction: boolean): void {
    const held = transaction ? this.transactions : this.singles;
    for (const item of items) {
      const left = (held.get(item) ?? 1) - 1;
      if (left > 0) held.set(item, left);
      else held.delete(item);
    }
  }
}

type AttributeMap = Record<string, unknown>;

/** The table and key of an item, as one string (the table's `pk` and `sk`). */
function itemId(tableName: unknown, item: AttributeMap | undefined): string {
  return JSON.stringify([tableName, item?.[TABLE_KEYS.partitionKey], item?.[TABLE_KEYS.sortKey]]);
}

/** The items a write touches (undefined for reads). */
function writtenItems(operation: string, input: AttributeMap): string[] | undefined {
  if (operation === 'PutItem') return [itemId(input.TableName, input.Item as AttributeMap)];
  if (operation === 'UpdateItem' || operation === 'DeleteItem') return [itemId(input.TableName, input.Key as AttributeMap)];
  if (operation !== 'TransactWriteItems' || !Array.isArray(input.TransactItems)) return undefined;
  return (input.TransactItems as Record<string, { TableName?: string; Item?: AttributeMap; Key?: AttributeMap }>[]).map((entry) => {
    const action = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
    return itemId(action?.TableName, action?.Item ?? action?.Key);
  });
}

function itemCount(input: AttributeMap): number {
  return Array.isArray(input.TransactItems) ? input.TransactItems.length : 1;
}

/** DynamoDB's answer to a write that met a transaction on item `index`. */
function conflictResponse(operation: string, input: AttributeMap, index: number): MiddlewareOutput {
  if (operation !== 'TransactWriteItems') return errorResponse('TransactionConflictException', { message: 'Transaction is ongoing for the item' });
  const reasons = Array.from({ length: itemCount(input) }, (_, i) =>
    i === index ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
  );
  return errorResponse('TransactionCanceledException', {
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    CancellationReasons: reasons,
  });
}

interface MiddlewareArgs {
  input: Record<string, unknown>;
  request: unknown;
}
interface MiddlewareOutput {
  response: unknown;
  output?: unknown;
}
interface MiddlewareStack {
  add(middleware: unknown, options: { step: string; priority: string; name: string; override: boolean }): void;
}

let injectedSeq = 0;

/** DynamoDB's answer to a request it refused: a 400 with its JSON error body (awsJson1_0). */
function errorResponse(type: string, body: Record<string, unknown>): MiddlewareOutput {
  injectedSeq += 1;
  return {
    response: new HttpResponse({
      statusCode: 400,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `INJECTEDFAULT${String(injectedSeq).padStart(8, '0')}`,
      },
      body: new TextEncoder().encode(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, ...body })),
    }),
  };
}

/** The error the SDK's node HTTP handler throws when a request runs past its timeout. */
function timeoutError(when: 'before' | 'after'): Error {
  return Object.assign(
    new Error(`@smithy/node-http-handler - [ERROR] a request has exceeded the configured requestTimeout (injected by DYNAMODB_FAULTS, ${when} the request was carried out).`),
    { name: 'TimeoutError', code: 'ETIMEDOUT' },
  );
}
