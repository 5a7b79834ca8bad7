import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorResponseSchema, orderAcceptedSchema } from '../../functions/lib/orders/contract.js';
import { API_KEY, STATE_MACHINE_ARN, startApiHarness, stubStartExecution, validOrder, type ApiHarness } from './support/harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(() => api.close());
beforeEach(() => {
  stubStartExecution(api.sfnMock);
  api.logger.clear();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /orders', () => {
  it('records the order, starts one execution named after it, and answers 202 with its location', async () => {
    // Prepare
    const body = validOrder({ reference: 'happy-path' });

    // Act
    const answer = await api.call('POST', '/orders', { body });

    // Assess
    expect(answer.status).toBe(202);
    const accepted = orderAcceptedSchema.parse(answer.json);
    expect(accepted.orderId).toMatch(UUID);
    expect(accepted).toMatchObject({
      status: 'RECEIVED',
      requested: 40,
      lineCount: 2,
      dryRun: false,
      executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${accepted.orderId}`,
      links: { self: `/orders/${accepted.orderId}`, numbers: `/orders/${accepted.orderId}/numbers` },
    });
    expect(answer.headers.get('location')).toBe(`/orders/${accepted.orderId}`);
    expect(answer.headers.get('idempotent-replayed')).toBeNull();
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);

    const calls = api.sfnMock.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ stateMachineArn: STATE_MACHINE_ARN, name: accepted.orderId, input: JSON.stringify({ orderId: accepted.orderId }) });

    const stored = await api.store.orders.get(accepted.orderId);
    expect(stored).toMatchObject({ status: 'RECEIVED', requested: 40, executionArn: accepted.executionArn, request: { reference: 'happy-path', partialAllowed: true } });
    expect((await api.store.lines.list(accepted.orderId)).map((line) => line.spec)).toEqual(body.lines);
  });

  it('logs the acceptance as JSON with the order id, and never the API key', async () => {
    const answer = await api.call('POST', '/orders', { body: validOrder(), headers: { 'idempotency-key': 'log-check' } });
    const { orderId } = orderAcceptedSchema.parse(answer.json);
    const accepted = api.logger.entries.find((entry) => entry.message === 'order accepted');
    expect(accepted).toMatchObject({ orderId, service: 'orders-api', level: 'INFO' });
    const requestLine = api.logger.entries.find((entry) => entry.message === 'request');
    expect(requestLine).toMatchObject({ orderId, method: 'POST', path: '/orders', statusCode: 202 });
    expect(api.logger.text()).not.toContain(API_KEY);
    expect(api.gatewayLogger.text()).not.toContain(API_KEY);
  });

  it('answers a dry run 202 too, and says it is one', async () => {
    const answer = await api.call('POST', '/orders', { body: validOrder({ dryRun: true }) });
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ dryRun: true, status: 'RECEIVED' });
  });

  it('accepts a line of specific numbers, its quantity their count, and a compliance application id', async () => {
    const numbers = ['14155550100', '14155550101', '14155550102'];
    const body = validOrder({
      lines: [
        { countryIso: 'US', numberType: 'local', numbers },
        { countryIso: 'FR', numberType: 'local', quantity: 2, complianceApplicationId: 'CA000000000000000001' },
      ],
    });
    const answer = await api.call('POST', '/orders', { body });
    expect(answer.status).toBe(202);
    const accepted = orderAcceptedSchema.parse(answer.json);
    expect(accepted.requested).toBe(5);
    const lines = await api.store.lines.list(accepted.orderId);
    expect(lines.map((line) => [line.spec, line.requested])).toEqual([
      [{ countryIso: 'US', numberType: 'local', numbers, quantity: 3 }, 3],
      [{ countryIso: 'FR', numberType: 'local', quantity: 2, complianceApplicationId: 'CA000000000000000001' }, 2],
    ]);
  });

  it('takes a 10DLC campaign on the order and on a US local line, and shows it on the order and its lines', async () => {
    const body = validOrder({
      campaignId: 'CUOGHIN',
      linkDeadlineHours: 2,
      lines: [
        { countryIso: 'US', numberType: 'local', quantity: 2 },
        { countryIso: 'US', numberType: 'local', prefix: '415', quantity: 1, campaignId: 'CSECOND' },
        { countryIso: 'CA', numberType: 'local', quantity: 1 },
      ],
    });
    const answer = await api.call('POST', '/orders', { body });
    expect(answer.status).toBe(202);
    const { orderId } = orderAcceptedSchema.parse(answer.json);
    const view = await api.call('GET', `/orders/${orderId}`);
    expect(view.json).toMatchObject({ campaignId: 'CUOGHIN', linkDeadlineHours: 2 });
    // The order's campaign applies to its US local lines; a line's own wins; a Canadian line has none.
    const lines = (view.json as { lines: { campaignId?: string }[] }).lines;
    expect(lines.map((line) => line.campaignId)).toEqual(['CUOGHIN', 'CSECOND', undefined]);
  });

  it('refuses a 10DLC campaign where it cannot apply, naming the field, and starts nothing', async () => {
    const refused: [Record<string, unknown>, string][] = [
      [{ lines: [{ countryIso: 'CA', numberType: 'local', quantity: 1, campaignId: 'CUOGHIN' }] }, 'lines.0.campaignId'],
      [{ lines: [{ countryIso: 'US', numberType: 'tollfree', quantity: 1, campaignId: 'CUOGHIN' }] }, 'lines.0.campaignId'],
      [{ campaignId: 'CUOGHIN', lines: [{ countryIso: 'GB', numberType: 'mobile', quantity: 1 }] }, 'campaignId'],
      [{ campaignId: 'not a campaign!', lines: [{ countryIso: 'US', numberType: 'local', quantity: 1 }] }, 'campaignId'],
      [{ linkDeadlineHours: 0, lines: [{ countryIso: 'US', numberType: 'local', quantity: 1 }] }, 'linkDeadlineHours'],
      [{ linkDeadlineHours: 1e-300, lines: [{ countryIso: 'US', numberType: 'local', quantity: 1 }] }, 'linkDeadlineHours'],
    ];
    for (const [fields, path] of refused) {
      const answer = await api.call('POST', '/orders', { body: validOrder(fields) });
      expect(answer.status, JSON.stringify(fields)).toBe(422);
      const error = errorResponseSchema.parse(answer.json);
      expect(error.issues?.map((issue) => issue.path), JSON.stringify(fields)).toContain(path);
    }
    expect(api.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('accepts a charset on the JSON content type', async () => {
    const answer = await api.call('POST', '/orders', { body: JSON.stringify(validOrder()), headers: { 'Content-Type': 'application/json; charset=UTF-8' } });
    expect(answer.status).toBe(202);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same order for the same key and body, with the same body, and starts one execution', async () => {
    const headers = { 'Idempotency-Key': 'replay-1' };
    const first = await api.call('POST', '/orders', { body: validOrder(), headers });
    // Same JSON, other key order and spacing: the same body.
    const reordered = JSON.stringify({ lines: validOrder().lines, service: 'sms', poolUuid: 'pool-6b4e2b0a' }, null, 2);
    const second = await api.call('POST', '/orders', { body: reordered, headers });

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(api.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
    const { orders } = (await api.call('GET', '/orders?limit=100')).json as { orders: { orderId: string }[] };
    expect(orders.filter((o) => o.orderId === (first.json as { orderId: string }).orderId)).toHaveLength(1);
  });

  it('answers 409 for the same key with another body, and starts nothing', async () => {
    const headers = { 'Idempotency-Key': 'conflict-1' };
    const first = await api.call('POST', '/orders', { body: validOrder(), headers });
    const before = (await api.scan()).length;
    const second = await api.call('POST', '/orders', { body: validOrder({ reference: 'other' }), headers });

    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(errorResponseSchema.parse(second.json).error).toMatch(/Idempotency-Key was already used with a different request body/);
    expect(api.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect((await api.scan()).length).toBe(before);
  });

  it('scopes keys by API key: another caller with the same key gets its own order', async () => {
    // The gateway knows one key; the handler scopes by the identity the gateway passes, so
    // drive the handler as if API Gateway had authenticated two different keys.
    const headers = { 'Idempotency-Key': 'shared-key' };
    const first = await api.call('POST', '/orders', { body: validOrder(), headers });
    const { createOrdersApi } = await import('../../functions/orders-api/api.js');
    const direct = createOrdersApi({ store: api.store, sfn: api.sfn, stateMachineArn: STATE_MACHINE_ARN, logger: api.logger });
    const event = {
      resource: '/orders',
      path: '/orders',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'shared-key' },
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: JSON.stringify(validOrder()),
      isBase64Encoded: false,
      requestContext: { requestId: 'r-1', path: '/orders', identity: { apiKeyId: 'other-caller' } },
    } as unknown as Parameters<typeof direct>[0];
    const second = await direct(event, { awsRequestId: 'a-1', functionName: 'orders-api' } as Parameters<typeof direct>[1]);

    expect(second.statusCode).toBe(202);
    expect(JSON.parse(second.body).orderId).not.toBe((first.json as { orderId: string }).orderId);
  });

  it('refuses a key that is not printable ASCII or too long, naming the header', async () => {
    for (const key of ['x'.repeat(256), 'tab\there']) {
      const answer = await api.call('POST', '/orders', { body: validOrder(), headers: { 'Idempotency-Key': key } });
      expect(answer.status).toBe(422);
      expect(answer.json).toMatchObject({ error: 'header idempotency-key: must be 1 to 255 printable ASCII characters' });
    }
    expect(api.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('concurrent requests with one Idempotency-Key', () => {
  it('all get the same order, and every execution start carries its id as the name', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => api.call('POST', '/orders', { body: validOrder({ reference: 'race' }), headers: { 'idempotency-key': 'race-1' } })),
    );
    const ids = new Set(answers.map((a) => (a.json as { orderId: string }).orderId));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    expect(ids.size).toBe(1);
    // A replay that overtakes the first request's StartExecution may start it too; the name (the
    // order id) makes Step Functions run one execution whichever call lands first.
    const names = new Set(api.sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name));
    expect([...names]).toEqual([...ids]);
    const { items } = await api.store.orders.list({ limit: 100 });
    expect(items.filter((o) => o.request.reference === 'race')).toHaveLength(1);
  });
});

describe('behind API Gateway with a stage', () => {
  it('puts the stage in the Location and the links', async () => {
    const { createOrdersApi } = await import('../../functions/orders-api/api.js');
    const direct = createOrdersApi({ store: api.store, sfn: api.sfn, stateMachineArn: STATE_MACHINE_ARN, logger: api.logger });
    const event = {
      resource: '/orders',
      path: '/orders',
      httpMethod: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validOrder()),
      isBase64Encoded: false,
      requestContext: { requestId: 'r-2', stage: 'prod', path: '/prod/orders', identity: { apiKeyId: 'k-1' } },
    } as unknown as Parameters<typeof direct>[0];
    const result = await direct(event, { awsRequestId: 'a-2', functionName: 'orders-api' } as Parameters<typeof direct>[1]);
    const body = orderAcceptedSchema.parse(JSON.parse(result.body));
    expect(result.headers?.location).toBe(`/prod/orders/${body.orderId}`);
    expect(body.links).toEqual({ self: `/prod/orders/${body.orderId}`, numbers: `/prod/orders/${body.orderId}/numbers` });
  });
});

describe('a failure inside', () => {
  it('answers 500 with a request id and nothing internal, and logs the error once', async () => {
    api.sfnMock.on(StartExecutionCommand).rejects(new Error('sfn exploded: secret internals'));
    const answer = await api.call('POST', '/orders', { body: validOrder() });

    expect(answer.status).toBe(500);
    const body = errorResponseSchema.parse(answer.json);
    expect(body.error).toBe('internal error');
    expect(body.requestId).toEqual(expect.any(String));
    expect(answer.text).not.toContain('secret');
    const errors = api.logger.entries.filter((entry) => entry.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'request failed', function_request_id: body.requestId });
    expect(JSON.stringify(errors[0])).toContain('sfn exploded');
  });

  it('logs the order id with the error when the order is known', async () => {
    const created = orderAcceptedSchema.parse((await api.call('POST', '/orders', { body: validOrder() })).json);
    api.logger.clear();
    const original = api.store.lines.list.bind(api.store.lines);
    api.store.lines.list = async () => {
      throw new Error('DynamoDB said no: internal detail');
    };
    try {
      const answer = await api.call('GET', `/orders/${created.orderId}`);
      expect(answer.status).toBe(500);
      expect(answer.json).toEqual({ error: 'internal error', requestId: expect.any(String) });
    } finally {
      api.store.lines.list = original;
    }
    const errors = api.logger.entries.filter((entry) => entry.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'request failed', orderId: created.orderId });
    // Keys appended for one request do not leak into the next.
    await api.call('GET', '/orders');
    expect(api.logger.entries.at(-1)).not.toHaveProperty('orderId');
  });
});
