/**
 * Smoke test of `npm run bench` (the benchmark itself never runs in `npm test`): the script runs a
 * small order through the local stack and its last line is one JSON object with the figures.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run bench (smoke)', () => {
  it('runs 20 numbers without a rate limit over a prefilled pool, then a scan, and prints valid JSON as its last line', async () => {
    const { stdout } = await run(
      'npx',
      ['tsx', 'infra/bench/bench.ts', '--numbers', '20', '--lines', '2', '--prefill', '40', '--scan-size', '100', '--no-rate-limit', '--skip-naive', '--warm-up-writes', '0', '--json'],
      { timeout: 120_000, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );
    const last = stdout.trim().split('\n').at(-1) ?? '';
    const result = JSON.parse(last) as Record<string, unknown>;
    expect(result).toMatchObject({ numbers: 20, lines: 2, orderStatus: 'COMPLETED', numbersLost: 0, plivoCallsAgree: true, http429: 0, prefilled: { numbers: 40 } });
    for (const key of ['wallSeconds', 'plivoCallsPerNumber', 'lowerBoundCalls', 'transitionsPerNumber', 'lambdaInvocationsPerNumber', 'peakPayloadBytes']) {
      expect([key, typeof result[key]]).toEqual([key, 'number']);
    }
    expect(stdout).toContain('Plivo calls per number');
    // The rebalance run: two rules (two area codes, 30 each with the prefill), each 2 short of its target;
    // the run's own calls (a count per rule, a price search per rule) apart from its order's.
    expect(result.rebalance).toMatchObject({ rules: 2, poolNumbers: 60, ordered: 4, orderStatus: 'COMPLETED', targetCalls: 4, plivoCalls: 4 });
    expect((result.rebalance as { orderPlivoCalls: number }).orderPlivoCalls).toBeGreaterThanOrEqual(4);
    expect(stdout).toContain("rebalance run: run's Plivo calls");
    // The scan: the account topped up to 100 numbers, read whole once (a page per 20).
    expect(result.scan).toMatchObject({ accountNumbers: 100, plivoCalls: 5, lowerBoundCalls: 5, invocations: 1, busiestWindowShare: null, busiestClockWindowShare: null, http429: 0 });
    // The cost estimate, from counted transitions, invocations and durations, and DynamoDB units.
    const cost = result.cost as { stateTransitions: number; lambdaGbSeconds: number; dynamoDbWriteUnits: number; usdPer1000Numbers: { total: number } };
    expect(cost.stateTransitions).toBe(result.transitions);
    expect(cost.lambdaGbSeconds).toBeGreaterThan(0);
    expect(cost.dynamoDbWriteUnits).toBeGreaterThan(20 * 2);
    expect(cost.usdPer1000Numbers.total).toBeGreaterThan(0);
    expect(stdout).toContain('AWS cost per 1,000 numbers');
  }, 150_000);
});
