/**
 * HTTP and the AWS JSON 1.0 protocol that `@aws-sdk/client-sfn` speaks: `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Operation>` and a JSON body; answers in
 * `application/x-amz-json-1.0`, errors as `{"__type","message"}` with their status code.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SfnApiError } from './errors.js';
import type { Operation } from './operations.js';
import type { LocalStepFunctionsLogger } from './types.js';

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AWSStepFunctions.';
/** Requests carry at most a 256 KiB input or output plus a little; anything far larger is a mistake. */
const MAX_BODY_BYTES = 1_048_576;

export interface RunningServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError' as const;
}

export async function startServer(
  operations: Readonly<Record<string, Operation>>,
  options: { host: string; port: number; logger: LocalStepFunctionsLogger },
): Promise<RunningServer> {
  const server = createServer((request, response) => {
    handle(request, response, operations, options.logger).catch((error: unknown) => {
      options.logger.error('Step Functions endpoint: answering failed', { error });
      if (!response.headersSent) send(response, 500, errorBody('InternalFailure', 'Internal failure'), 'InternalFailure');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    host: options.host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // The SDK keeps connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  operations: Readonly<Record<string, Operation>>,
  logger: LocalStepFunctionsLogger,
): Promise<void> {
  if (request.method === 'GET' && (request.url === '/' || request.url === '/health')) {
    // For humans and readiness probes; the SDK never sends a GET.
    send(response, 200, JSON.stringify({ service: 'local-stepfunctions', operations: Object.keys(operations) }));
    return;
  }
  if (request.method !== 'POST') {
    send(response, 404, errorBody('UnknownOperationException', `${request.method ?? ''} ${request.url ?? ''}: only POST / is served`), 'UnknownOperationException');
    return;
  }
  const target = request.headers['x-amz-target'];
  const operationName = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  const operation = operationName === undefined ? undefined : operations[operationName];
  if (operation === undefined) {
    const message = `Unknown operation ${String(target)}; this endpoint serves ${Object.keys(operations).join(', ')}`;
    send(response, 400, errorBody('UnknownOperationException', message), 'UnknownOperationException');
    return;
  }

  let input: unknown;
  try {
    const text = await readBody(request);
    input = text.trim().length === 0 ? {} : JSON.parse(text);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      send(response, 413, errorBody('ValidationException', error.message), 'ValidationException');
    } else {
      send(response, 400, errorBody('SerializationException', 'The request body is not JSON'), 'SerializationException');
    }
    return;
  }

  try {
    const output = operation(input);
    send(response, 200, JSON.stringify(output ?? {}));
  } catch (error) {
    if (error instanceof SfnApiError) {
      logger.debug(`${operationName}: ${error.type}`, { message: error.message });
      send(response, error.statusCode, errorBody(error.type, error.message), error.type);
      return;
    }
    logger.error(`${operationName} failed`, { error });
    send(response, 500, errorBody('InternalFailure', error instanceof Error ? error.message : String(error)), 'InternalFailure');
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`Request body above ${MAX_BODY_BYTES} bytes`));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function errorBody(type: string, message: string): string {
  return JSON.stringify({ __type: type, message });
}

function send(response: ServerResponse, status: number, body: string, errorType?: string): void {
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  response.end(body);
}
