/**
 * One DynamoDB Local for the whole test run (one instance per run, not per file: its JVM takes seconds to start).
 * Each suite creates its own table in it (see `createTestTable`).
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb.js';
import { chromiumMissing } from '../../infra/console/chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The one line that says the browser tests are left out (test/console/ skips them).
  if (chromiumMissing) console.log(`Browser tests skipped: ${chromiumMissing}.`);
  const dynamodb = await startDynamoDbLocal({ port: 0 });
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return () => dynamodb.stop();
}
