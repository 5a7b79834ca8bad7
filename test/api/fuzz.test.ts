/**
 * The fuzzer in `npm test`: 2,000 requests generated from GET /openapi.json, mutated, against the
 * whole local stack: no 5xx, no keyed route answering 2xx without a valid key, nothing rented for
 * a refused request. (`npm run fuzz -- --requests 10000` for a longer run.)
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../infra/fuzz/fuzz.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

describe('npm run fuzz (2,000 requests, seed 1)', () => {
  it('finds no 5xx, no unauthorized 2xx and no number rented for a refused request', async () => {
    const figures = await runFuzz({ requests: 2_000, seed: 1, dynamodb: sharedDynamoDb('fuzz') });
    expect(figures.findings).toEqual([]);
    expect(figures.serverErrors).toBe(0);
    expect(figures.unauthorizedSuccesses).toBe(0);
    expect(figures.rentedWithoutOrder).toBe(0);
    // The run reached the handlers, not only the gateway's refusals: some orders were accepted, some bodies refused.
    expect(figures.acceptedOrders).toBeGreaterThan(0);
    expect(figures.byStatus['422'] ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
