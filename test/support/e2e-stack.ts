/**
 * What the end-to-end tests share: the whole local stack on free ports (with the sandbox variant
 * under the test's options), a Powerpack to order into, orders placed through the API, and the
 * account read back from the in-process sandbox.
 */
import { expect } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack.js';
import { stackWithSandboxVariant } from './sandbox-variant.js';
import { sharedDynamoDb } from './dynamodb.js';

export interface E2eStack {
  stack: LocalStack;
  plivo: PlivoClient;
  poolUuid: string;
  sandbox: PlivoSandbox;
  /** POST /orders into the test's pool; expects 202. */
  place(order: Record<string, unknown>): Promise<{ orderId: string; executionArn: string }>;
  /** Numbers in the account that no order owns. */
  unowned(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startE2eStack(powerpack: string, options: LocalStackOptions): Promise<E2eStack> {
  const stack = await startLocalStack(stackWithSandboxVariant({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...sharedDynamoDb(), retryPauseMs: 50, ...options }));
  const { sandbox } = stack;
  if (!sandbox) throw new Error('needs the in-process sandbox');
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  const poolUuid = poolUuidOf(await plivo.createPowerpack({ name: powerpack }));
  return {
    stack,
    plivo,
    poolUuid,
    sandbox,
    async place(order) {
      const response = await fetch(`${stack.apiUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
        body: JSON.stringify({ poolUuid, ...order }),
      });
      expect(response.status).toBe(202);
      return (await response.json()) as { orderId: string; executionArn: string };
    },
    async unowned() {
      const inAccount = sandbox.snapshot().numbers.map((n) => n.number);
      const owned = new Set((await stack.store.numbers.owners(inAccount)).map((o) => o.number));
      return inAccount.filter((n) => !owned.has(n));
    },
    close: () => stack.close(),
  };
}
