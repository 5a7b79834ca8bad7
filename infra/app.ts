/**
 * The CDK app (cdk.json runs it with tsx): one stack, `number-orders-<stage>`, settings from
 * context (infra/stack/settings.ts), cdk-nag's AwsSolutions checks. `npm run synth` / `npx cdk deploy`;
 * see docs/deploy.md. It synthesizes itself, so that it can say, after the checks passed, that they ran.
 */
import { nagSummary } from './stack/nag.js';
import { buildApp } from './stack/number-orders-stack.js';

const { app } = buildApp();
app.synth();
process.stderr.write(`${nagSummary(app)}\n`);
