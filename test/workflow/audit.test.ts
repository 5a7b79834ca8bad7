/**
 * `npm run audit`: a Plivo account against the records, read-only. Through the real state machine,
 * DynamoDB Local and the sandbox: clean after an order; a number rented outside any order is
 * foreign, one of a rent whose outcome is open is provable; a record whose number left the account
 * is gone; nothing is written anywhere.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditAccount, auditTable } from '../../infra/audit/audit.js';
import { parseAuditArgs, runAudit } from '../../infra/audit/cli.js';
import { rentOutside } from '../support/rent-outside.js';
import { startOrderMachine, type OrderMachine } from '../support/order-machine.js';
import { startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env.js';

let env: WorkflowEnv;
let machine: OrderMachine;
beforeAll(async () => {
  env = await startWorkflowEnv({ seed: 74 });
  machine = await startOrderMachine(env);
});
afterAll(async () => {
  await machine?.close();
  await env?.close();
});

const table = async () => (await env.db.send(new ScanCommand({ TableName: env.tableName }))).Items ?? [];
const writes = () => Object.entries(env.sandbox.snapshot().requests.byRoute).filter(([route]) => !route.startsWith('GET ')).reduce((sum, [, counts]) => sum + Object.values(counts).reduce((a, b) => a + b, 0), 0);

describe('the account audit', () => {
  it('is clean after an order, and sorts foreign, provable and gone numbers, writing nothing', async () => {
    await env.createOrder('au-1', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 4 }] });
    expect((await machine.run('au-1')).status).toBe('COMPLETED');
    const clean = await auditAccount({ plivo: env.plivo, store: env.store });
    expect(clean).toMatchObject({ accountNumbers: 4, owned: 4, heldByRecords: 4, provableOrphans: [], foreignNumbers: [], ownedTwice: {}, gone: [], clean: true });

    // Foreign: rented by something else. Provable: a rent of this system whose outcome is open.
    const foreign = await rentOutside(env.plivo, '213', 1);
    await env.createOrder('au-2', { lines: [{ countryIso: 'US', numberType: 'local', prefix: '737', quantity: 2 }] });
    const ours = await rentOutside(env.plivo, '737', 2);
    await env.store.lines.savePlan('au-2', 0, [{ groupId: ours.groupId, quantity: 2, prefix: '737', region: null, numberType: 'local', setupRate: null, rentalRate: null }], 'RENTING');
    await env.store.intents.start('au-2', 0, ours.groupId, 2);
    // Gone: a verified number of au-1 unrented behind the system's back.
    const [verified] = (await env.store.numbers.list('au-1', undefined)).map((n) => n.number);
    await env.plivo.unrentNumber(verified ?? '');

    const before = { items: await table(), writes: writes() };
    const report = await auditAccount({ plivo: env.plivo, store: env.store });
    expect(report.foreignNumbers).toEqual(foreign.numbers);
    expect([...report.provableOrphans].sort()).toEqual([...ours.numbers].sort());
    expect(report.gone).toEqual([{ number: verified, holder: 'au-1#0' }]);
    expect(report.clean).toBe(false);
    expect(auditTable(report)).toContain('FINDINGS');
    // Read-only: the table and the account saw no write.
    expect({ items: await table(), writes: writes() }).toEqual(before);
  });

  it('runs from its command-line options against a given endpoint and table', async () => {
    const options = parseAuditArgs([
      '--plivo-url', env.sandbox.url, '--plivo-auth-id', env.sandbox.authId, '--plivo-auth-token', env.sandbox.authToken,
      '--dynamodb-url', env.dynamodbEndpoint, '--table', env.tableName, '--rate-limit', 'off',
    ]);
    const report = await runAudit(options);
    expect(report.orders).toBe(2);
    expect(report.clean).toBe(false);
    expect(() => parseAuditArgs(['--rate-limit', 'lots'])).toThrow(/--rate-limit/);
    expect(() => parseAuditArgs(['--plivo-url', 'not a url'])).toThrow(/--plivo-url/);
  });
});
