/**
 * The metrics port in Lambda (functions/lib/runtime/metrics.ts): Powertools Metrics publishing
 * CloudWatch embedded metric format on stdout, once per invocation, through the handlers' middy
 * middleware — and what the workflow runtime counts itself (every Plivo attempt, every 429).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRIC, MetricsRecorder, METRICS_NAMESPACE_VARIABLE, METRICS_SERVICE, noMetrics } from '../../functions/lib/metrics.js';
import { createWorkflowRuntime } from '../../functions/lib/runtime/workflow-runtime.js';

interface EmfBlob {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

const context = { functionName: 'number-orders-test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

/** What the invocation wrote to stdout and stderr (where a warning would go), as JSON lines. */
async function stdoutOf(run: () => Promise<unknown>): Promise<EmfBlob[]> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
  try {
    await run().catch(() => undefined);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EmfBlob);
}

describe('Powertools Metrics behind the port', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  async function lambdaHandler(body: () => void) {
    vi.stubEnv(METRICS_NAMESPACE_VARIABLE, 'NumberOrders/test');
    vi.resetModules();
    const { metricsFor, metricsMiddleware } = await import('../../functions/lib/runtime/metrics.js');
    const metrics = metricsFor(process.env);
    return {
      metrics,
      handler: middy<unknown, void, Error, Context>()
        .use(metricsMiddleware())
        .handler(async () => body()),
    };
  }

  it('publishes once per invocation, in the namespace the stack set, with the service dimension; a dimensioned count in its own blob', async () => {
    let metrics = noMetrics;
    const built = await lambdaHandler(() => {
      metrics.count(METRIC.plivoCalls, 2);
      metrics.count(METRIC.plivoCalls);
      metrics.count(METRIC.ordersEnded, 1, { status: 'COMPLETED' });
      metrics.gauge(METRIC.oldestOpenOrderAge, 42, 'Seconds');
    });
    metrics = built.metrics;
    const blobs = await stdoutOf(() => built.handler({}, context));
    expect(blobs).toHaveLength(2);
    const [ended, rest] = blobs as [EmfBlob, EmfBlob];
    expect(ended._aws.CloudWatchMetrics).toEqual([{ Namespace: 'NumberOrders/test', Dimensions: [['service', 'status']], Metrics: [{ Name: 'OrdersEnded', Unit: 'Count' }] }]);
    expect(ended).toMatchObject({ service: METRICS_SERVICE, status: 'COMPLETED', OrdersEnded: 1 });
    expect(rest._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'NumberOrders/test',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'PlivoCalls', Unit: 'Count' },
          { Name: 'OldestOpenOrderAgeSeconds', Unit: 'Seconds' },
        ],
      },
    ]);
    expect(rest).toMatchObject({ service: METRICS_SERVICE, PlivoCalls: [2, 1], OldestOpenOrderAgeSeconds: 42 });
  });

  it('publishes what a failed invocation counted, and writes nothing at all for one that counted nothing', async () => {
    let metrics = noMetrics;
    let fail = true;
    const built = await lambdaHandler(() => {
      if (!fail) return;
      metrics.count(METRIC.numbersLeaked);
      throw new Error('the step failed after leaking a number');
    });
    metrics = built.metrics;
    const failed = await stdoutOf(() => built.handler({}, context));
    expect(failed.map((blob) => blob.NumbersLeaked)).toEqual([1]);
    fail = false;
    // Powertools' "No application metrics to publish" warning goes to debug: no line.
    expect(await stdoutOf(() => built.handler({}, context))).toEqual([]);
  });

  it('is not used without the namespace (the local stack and tests record their own)', async () => {
    vi.resetModules();
    const { metricsFor } = await import('../../functions/lib/runtime/metrics.js');
    const port = await import('../../functions/lib/metrics.js');
    expect(metricsFor({})).toBe(port.noMetrics);
    expect(metricsFor({ [METRICS_NAMESPACE_VARIABLE]: 'NumberOrders/dev' })).not.toBe(port.noMetrics);
  });
});

describe('the workflow runtime', () => {
  let server: Server;
  let answers: number[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      const status = answers.shift() ?? 204;
      response.writeHead(status, status === 429 ? { 'retry-after': '0', 'content-type': 'application/json' } : { 'content-type': 'application/json' });
      response.end(status === 204 ? undefined : JSON.stringify({ error: 'too many requests' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts every Plivo attempt, retries included, and every 429', async () => {
    const metrics = new MetricsRecorder();
    const runtime = createWorkflowRuntime(
      {
        TABLE_NAME: 'number-orders-test',
        AWS_REGION: 'us-east-1',
        PLIVO_AUTH_ID: 'MATEST00000000000000',
        PLIVO_AUTH_TOKEN: 'token',
        PLIVO_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        PLIVO_RATE_LIMIT: 'off',
      },
      { metrics },
    );
    answers = [429, 429];
    await runtime.plivo.unrentNumber('+15125550100');
    expect(metrics.total(METRIC.plivoCalls)).toBe(3);
    expect(metrics.total(METRIC.plivoThrottled)).toBe(2);
    // The steps get the same metrics, and so does the store.
    expect(runtime.depsFor({ orderId: 'o-1', step: 'rent' }).metrics).toBe(metrics);
  });
});
