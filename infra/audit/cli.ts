/**
 * `npm run audit`: compares a Plivo account with the records in DynamoDB, read-only (infra/audit/audit.ts).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createDocumentClient } from '../../functions/lib/aws-clients.js';
import { InMemoryRateLimiter, PlivoClient } from '../../functions/lib/plivo/index.js';
import { parseRateLimit } from '../../functions/lib/plivo/rate-limit.js';
import { createStores } from '../../functions/lib/store/stores.js';
import { SANDBOX_DEFAULTS } from '../local/plivo-sandbox/server.js';
import { auditAccount, auditTable } from './audit.js';

export const HELP = `Usage: npm run audit -- [options]

Compares a Plivo account with the records in DynamoDB, read-only: it never writes to Plivo nor to
the table. Reports numbers in the account owned by nobody (provable orphans: ours, being settled;
foreign numbers: rented by something else), numbers two records hold, and records whose number the
account no longer has. Exit code 0 when every number is owned by exactly one record, 1 on any
finding, 2 on bad options.

Defaults point at the local stack started by \`npm start\`.

Options:
  --plivo-url URL          Plivo endpoint (default http://127.0.0.1:${SANDBOX_DEFAULTS.port}, the local sandbox;
                           https://api.plivo.com for real Plivo)
  --plivo-auth-id ID       (default the sandbox's ${SANDBOX_DEFAULTS.authId})
  --plivo-auth-token TOKEN (default the sandbox's)
  --dynamodb-url URL       DynamoDB endpoint (default http://127.0.0.1:4030, the local stack's; "aws" for
                           the AWS account and region of the environment)
  --table NAME             the table (default number-orders)
  --rate-limit R           Plivo calls the audit may make (default 60/5s: a fifth of the account's
                           limit, leaving the rest to the running system)
  --json                   print one JSON object as the last line
  -h, --help               this text
`;

export interface AuditOptions {
  plivoUrl: string;
  plivoAuthId: string;
  plivoAuthToken: string;
  dynamodbUrl: string | undefined;
  table: string;
  rateLimit: string;
  json: boolean;
  help: boolean;
}

/** @throws Error naming the option when a value cannot be used */
export function parseAuditArgs(argv: string[]): AuditOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'plivo-url': { type: 'string', default: `http://127.0.0.1:${SANDBOX_DEFAULTS.port}` },
      'plivo-auth-id': { type: 'string', default: SANDBOX_DEFAULTS.authId },
      'plivo-auth-token': { type: 'string', default: SANDBOX_DEFAULTS.authToken },
      'dynamodb-url': { type: 'string', default: 'http://127.0.0.1:4030' },
      table: { type: 'string', default: 'number-orders' },
      'rate-limit': { type: 'string', default: '60/5s' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  try {
    new URL(values['plivo-url']);
  } catch {
    throw new Error(`--plivo-url must be a URL; got "${values['plivo-url']}"`);
  }
  parseRateLimit(values['rate-limit'], '--rate-limit');
  return {
    plivoUrl: values['plivo-url'],
    plivoAuthId: values['plivo-auth-id'],
    plivoAuthToken: values['plivo-auth-token'],
    dynamodbUrl: values['dynamodb-url'] === 'aws' ? undefined : values['dynamodb-url'],
    table: values.table,
    rateLimit: values['rate-limit'],
    json: values.json,
    help: values.help,
  };
}

export async function runAudit(options: AuditOptions) {
  const limit = parseRateLimit(options.rateLimit, '--rate-limit');
  const plivo = new PlivoClient({
    authId: options.plivoAuthId,
    authToken: options.plivoAuthToken,
    baseUrl: options.plivoUrl,
    ...(limit ? { limiter: new InMemoryRateLimiter({ limit }) } : {}),
  });
  const db = createDocumentClient({ ...(options.dynamodbUrl ? { DYNAMODB_ENDPOINT: options.dynamodbUrl } : {}), AWS_REGION: process.env.AWS_REGION ?? 'us-east-1' });
  try {
    return await auditAccount({ plivo, store: createStores(db, options.table) });
  } finally {
    db.destroy();
  }
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: AuditOptions;
  try {
    options = parseAuditArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(HELP);
    return;
  }
  const report = await runAudit(options);
  process.stdout.write(`${auditTable(report)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(report.clean ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`npm run audit failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
