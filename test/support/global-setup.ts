/**
 * One DynamoDB Local for the whole test run (one instance per run, not per file: its JVM takes seconds to start).
 * Each suite creates its own table in it (see `createTestTable`).
 *
 * And one temporary directory for the run: `TMPDIR` points into it before the workers start (they
 * inherit it), so whatever a suite leaves in the temp directory — CDK's `cdk.out…` assemblies with
 * their bundles, data directories — goes when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb.js';
import { chromiumMissing } from '../../infra/console/chromium.js';

/** The prefix of a run's temporary directory (a test checks that suites write under it). */
export const RUN_TMP_PREFIX = 'number-orders-test-';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The one line that says the browser tests are left out (test/console/ skips them).
  if (chromiumMissing) console.log(`Browser tests skipped: ${chromiumMissing}.`);
  const runTmp = mkdtempSync(join(tmpdir(), RUN_TMP_PREFIX));
  const previousTmp = process.env.TMPDIR;
  process.env.TMPDIR = runTmp;
  const dynamodb = await startDynamoDbLocal({ port: 0 });
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return async () => {
    await dynamodb.stop();
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
    rmSync(runTmp, { recursive: true, force: true });
  };
}
