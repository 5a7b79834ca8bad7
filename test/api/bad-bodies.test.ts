import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponseSchema } from '../../functions/lib/orders/contract.js';
import { createOrdersApi } from '../../functions/orders-api/api.js';
import { STATE_MACHINE_ARN, startApiHarness, validOrder, type ApiHarness } from './support/harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(() => api.close());

const line = (overrides: Record<string, unknown>) => ({ countryIso: 'US', numberType: 'local', quantity: 5, ...overrides });
const withLine = (overrides: Record<string, unknown>) => validOrder({ lines: [line(overrides)] });
const { poolUuid: _dropped, ...withoutPool } = validOrder();
const withNumbers = (overrides: Record<string, unknown>) =>
  validOrder({ lines: [{ countryIso: 'US', numberType: 'local', numbers: ['14155550100', '14155550101'], ...overrides }] });
const distinctNumbers = (count: number) => Array.from({ length: count }, (_, i) => `1415555${String(1000 + i)}`);

interface BadCase {
  name: string;
  body: unknown;
  contentType?: string;
  status: number;
  /** The top-level message must match this. */
  error: RegExp;
  /** When set, `issues` must hold this path with a message matching `message`. */
  issue?: { path: string; message: RegExp };
}

const cases: BadCase[] = [
  { name: 'an empty body', body: '', status: 400, error: /^body is empty/ },
  { name: 'only whitespace', body: '  \n', status: 400, error: /^body is empty/ },
  { name: 'broken JSON', body: '{"poolUuid": "p", "lines": [', status: 400, error: /^body is not valid JSON/ },
  { name: 'JSON that quotes itself in the parser error', body: '{"a":}', status: 400, error: /^body is not valid JSON$/ },
  { name: 'a text/plain body', body: JSON.stringify(validOrder()), contentType: 'text/plain', status: 415, error: /content-type must be application\/json; got "text\/plain"/ },
  { name: 'a form body', body: 'poolUuid=p', contentType: 'application/x-www-form-urlencoded', status: 415, error: /content-type must be application\/json/ },
  { name: 'a JSON array', body: [], status: 422, error: /^body: must be an object$/ },
  { name: 'JSON null', body: 'null', status: 422, error: /^body: must be an object$/ },
  { name: 'poolUuid as a number', body: validOrder({ poolUuid: 42 }), status: 422, error: /^poolUuid: must be a string$/, issue: { path: 'poolUuid', message: /must be a string/ } },
  { name: 'lines as an object', body: validOrder({ lines: {} }), status: 422, error: /^lines: must be an array$/ },
  { name: 'quantity as a string', body: withLine({ quantity: '5' }), status: 422, error: /^lines\.0\.quantity: must be a number$/ },
  { name: 'dryRun as a string', body: validOrder({ dryRun: 'yes' }), status: 422, error: /^dryRun: must be a boolean$/ },
  { name: 'an unknown service', body: validOrder({ service: 'voice' }), status: 422, error: /^service: must be one of "sms", "mms"$/ },
  { name: 'an unknown number type', body: withLine({ numberType: 'fixed' }), status: 422, error: /^lines\.0\.numberType: must be one of "local", "national", "tollfree", "mobile"$/ },
  { name: 'an unknown country (XX)', body: withLine({ countryIso: 'XX' }), status: 422, error: /^lines\.0\.countryIso: is not a country we know/ },
  { name: 'a country in lower case', body: withLine({ countryIso: 'us' }), status: 422, error: /^lines\.0\.countryIso: must be an ISO 3166 alpha-2 country code/ },
  { name: 'quantity 0', body: withLine({ quantity: 0 }), status: 422, error: /^lines\.0\.quantity: must be at least 1$/ },
  { name: 'quantity -1', body: withLine({ quantity: -1 }), status: 422, error: /^lines\.0\.quantity: must be at least 1$/ },
  { name: 'quantity 1.5', body: withLine({ quantity: 1.5 }), status: 422, error: /^lines\.0\.quantity: must be a whole number$/ },
  { name: 'quantity 1e9', body: withLine({ quantity: 1e9 }), status: 422, error: /^lines\.0\.quantity: must be at most 10000 \(and 1 more problem\)$/, issue: { path: 'lines', message: /more than 100000 numbers/ } },
  { name: 'a missing quantity', body: validOrder({ lines: [{ countryIso: 'US', numberType: 'local' }] }), status: 422, error: /^lines\.0\.quantity: is required$/ },
  { name: 'a prefix with letters', body: withLine({ prefix: '51a' }), status: 422, error: /^lines\.0\.prefix: must be 1 to 5 digits$/ },
  { name: 'a prefix of 6 digits', body: withLine({ prefix: '512345' }), status: 422, error: /^lines\.0\.prefix: must be 1 to 5 digits$/ },
  { name: 'a region on a toll-free line', body: withLine({ numberType: 'tollfree', region: 'Texas' }), status: 422, error: /^lines\.0\.region: region is only allowed when numberType is "local"$/ },
  { name: 'no lines', body: validOrder({ lines: [] }), status: 422, error: /^lines: must hold at least one line$/ },
  { name: '41 lines', body: validOrder({ lines: Array.from({ length: 41 }, () => line({})) }), status: 422, error: /^lines: must hold at most 40 lines$/ },
  { name: '110,000 numbers in all', body: validOrder({ lines: Array.from({ length: 11 }, () => line({ quantity: 10_000 })) }), status: 422, error: /^lines: the lines ask for more than 100000 numbers in all$/ },
  { name: 'a deadline too small for DynamoDB', body: validOrder({ regulatoryDeadlineDays: 1e-300 }), status: 422, error: /^regulatoryDeadlineDays: must be at least one second/ },
  { name: 'a number listed twice', body: withNumbers({ numbers: ['14155550100', '14155550101', '14155550100'] }), status: 422, error: /^lines\.0\.numbers\.2: 14155550100 is listed twice$/ },
  { name: 'a number of another country (US on an FR line)', body: withNumbers({ countryIso: 'FR' }), status: 422, error: /^lines\.0\.numbers\.0: 14155550100 is not a FR number \(and 1 more problem\)$/ },
  { name: 'a Canadian number on a US line', body: withNumbers({ numbers: ['16135550100'] }), status: 422, error: /^lines\.0\.numbers\.0: 16135550100 is not a US number$/ },
  { name: 'numbers and a quantity that disagrees', body: withNumbers({ quantity: 3 }), status: 422, error: /^lines\.0\.quantity: must equal the count of numbers \(2\), or be left out$/ },
  { name: 'a number written with "+"', body: withNumbers({ numbers: ['+14155550100'] }), status: 422, error: /^lines\.0\.numbers\.0: must be an E\.164 number in digits without "\+"/ },
  { name: 'a number too short', body: withNumbers({ numbers: ['1415'] }), status: 422, error: /^lines\.0\.numbers\.0: must be an E\.164 number/ },
  { name: 'an empty list of numbers', body: withNumbers({ numbers: [] }), status: 422, error: /^lines\.0\.numbers: must hold at least one number$/ },
  { name: '101 numbers on a line', body: withNumbers({ numbers: distinctNumbers(101) }), status: 422, error: /^lines\.0\.numbers: must hold at most 100 numbers$/ },
  { name: 'numbers as a string', body: withNumbers({ numbers: '14155550100' }), status: 422, error: /^lines\.0\.numbers: must be an array/ },
  { name: 'numbers with a prefix', body: withNumbers({ prefix: '415' }), status: 422, error: /^lines\.0\.prefix: prefix is not allowed with numbers/ },
  { name: 'a compliance id with bad characters', body: withLine({ complianceApplicationId: 'CA1; drop' }), status: 422, error: /^lines\.0\.complianceApplicationId: must be a Plivo compliance application id/ },
  { name: 'a compliance id of 65 characters', body: withNumbers({ complianceApplicationId: 'C'.repeat(65) }), status: 422, error: /^lines\.0\.complianceApplicationId: must be a Plivo compliance application id/ },
  { name: 'a missing poolUuid', body: withoutPool, status: 422, error: /^poolUuid: is required$/, issue: { path: 'poolUuid', message: /^is required$/ } },
  { name: 'an unknown field', body: validOrder({ priority: 'high' }), status: 422, error: /^priority: is not a known field$/, issue: { path: 'priority', message: /is not a known field/ } },
  { name: 'an unknown field in a line', body: withLine({ areaCode: '512' }), status: 422, error: /^lines\.0\.areaCode: is not a known field$/ },
  { name: 'a callback URL that is not http(s)', body: validOrder({ callbackUrl: 'ftp://example.com/x' }), status: 422, error: /^callbackUrl: must be an http\(s\) URL$/ },
  { name: 'a rate that is not a decimal string', body: validOrder({ maxMonthlyRate: 1 }), status: 422, error: /^maxMonthlyRate: must be a string$/ },
  { name: 'a reference of 201 characters', body: validOrder({ reference: 'r'.repeat(201) }), status: 422, error: /^reference: must be at most 200 characters long$/ },
  {
    name: 'several problems at once',
    body: { poolUuid: 'p', lines: [line({ quantity: 0 }), line({ prefix: 'x' })], extra: 1 },
    status: 422,
    error: /^lines\.0\.quantity: must be at least 1 \(and 2 more problems\)$/,
    issue: { path: 'lines.1.prefix', message: /must be 1 to 5 digits/ },
  },
  { name: '5,000 lines (over 256 KiB)', body: validOrder({ lines: Array.from({ length: 5_000 }, () => line({})) }), status: 413, error: /^body is larger than 262144 bytes/ },
  { name: 'a 2 MB body', body: validOrder({ reference: 'x'.repeat(2 * 1024 * 1024) }), status: 413, error: /^body is larger than 262144 bytes \(256 KiB\)/ },
];

describe('POST /orders with a bad body', () => {
  it.each(cases)('answers $status for $name, naming the problem', async ({ body, contentType, status, error, issue }) => {
    const answer = await api.call('POST', '/orders', {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': contentType ?? 'application/json', 'idempotency-key': `bad-${Math.random()}` },
    });

    expect(answer.status).toBe(status);
    const parsed = errorResponseSchema.parse(answer.json);
    expect(parsed.error).toMatch(error);
    if (status === 422) {
      expect(parsed.issues?.length).toBeGreaterThan(0);
      expect(parsed.issues?.[0]?.path).toBe(parsed.error.split(':')[0] === 'body' ? '' : parsed.error.split(':')[0]);
    }
    if (issue) expect(parsed.issues).toContainEqual({ path: issue.path, message: expect.stringMatching(issue.message) });
  });

  it('refuses a body without a content type (415)', async () => {
    const response = await fetch(`${api.url}/orders`, {
      method: 'POST',
      headers: { 'x-api-key': 'test-api-key-5b1f' },
      body: new Blob([JSON.stringify(validOrder())]),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ error: 'content-type must be application/json; got none' });
  });

  it('started no execution and wrote nothing for any of them', async () => {
    expect(api.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(await api.scan()).toEqual([]);
    expect((await api.store.orders.list()).items).toEqual([]);
  });

  it('logged no body and no error for any of them', () => {
    expect(api.logger.entries.filter((entry) => entry.level === 'ERROR')).toEqual([]);
    expect(api.logger.text()).not.toContain('xxxxxxxxxx');
  });
});

describe('the handler without the gateway (as behind API Gateway, which passes up to 10 MB)', () => {
  const handler = () => createOrdersApi({ store: api.store, sfn: api.sfn, stateMachineArn: STATE_MACHINE_ARN, logger: api.logger });
  const event = (body: string, isBase64Encoded = false) =>
    ({
      resource: '/orders',
      path: '/orders',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json' },
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body,
      isBase64Encoded,
      requestContext: { requestId: 'r', path: '/orders', identity: { apiKeyId: 'k' } },
    }) as unknown as Parameters<ReturnType<typeof handler>>[0];
  const context = { awsRequestId: 'direct', functionName: 'orders-api' } as Parameters<ReturnType<typeof handler>>[1];

  it('answers 413 for 5,000 lines and for 2 MB, before parsing', async () => {
    const lines = JSON.stringify(validOrder({ lines: Array.from({ length: 5_000 }, () => line({})) }));
    const big = `{"poolUuid": ${'['.repeat(1_000_000)}`; // would blow up a parser; never parsed
    for (const body of [lines, big, Buffer.from(big).toString('base64')]) {
      const result = await handler()(event(body, body !== lines && body !== big), context);
      expect(result.statusCode).toBe(413);
      expect(JSON.parse(result.body).error).toMatch(/^body is larger than 262144 bytes/);
    }
  });

  it('reads a base64-encoded body', async () => {
    const result = await handler()(event(Buffer.from(JSON.stringify(validOrder({ lines: [] }))).toString('base64'), true), context);
    expect(result.statusCode).toBe(422);
    expect(JSON.parse(result.body).error).toBe('lines: must hold at least one line');
  });
});

describe('the other routes with bad input', () => {
  const POOL = '11111111-2222-4333-8444-555555555555';

  it('refuses query parameters a route does not take (422 naming each), as /orders does', async () => {
    for (const path of [`/pools/${POOL}/runs?limit=abc`, `/pools/${POOL}?foo=1`, `/reconciliation?verbose=true`]) {
      const answer = await api.call('GET', path);
      expect(answer.status, path).toBe(422);
      const name = path.split('?')[1]?.split('=')[0];
      expect(errorResponseSchema.parse(answer.json).error, path).toBe(`query parameter ${name}: is not a known query parameter`);
    }
  });

  it('names the missing reason when a line is resolved as rejected without one', async () => {
    const answer = await api.call('POST', `/orders/${POOL}/lines/0/resolve`, { body: JSON.stringify({ outcome: 'rejected' }), headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(422);
    expect(errorResponseSchema.parse(answer.json).error).toBe('reason: is required');
  });
});
