/**
 * The CDK app (cdk.json runs it with tsx): one stack, `number-orders-<stage>`, settings from
 * context (infra/stack/settings.ts), cdk-nag's AwsSolutions checks. `npm run synth` / `npx cdk deploy`;
 * see docs/deploy.md.
 */
import { buildApp } from './stack/number-orders-stack.js';

buildApp();
