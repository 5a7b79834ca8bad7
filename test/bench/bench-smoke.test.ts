/**
 * Smoke test of `npm run bench` (the benchmark itself never runs in `npm test`): the script runs a
 * small order through the local stack and its last line is one JSON object with the figures.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run bench (smoke)', () => {
  it('runs 20 numbers without a rate limit and prints valid JSON as its last line', async () => {
    const { stdout } = await run(
      'npx',
      ['tsx', 'infra/bench/bench.ts', '--numbers', '20', '--lines', '2', '--no-rate-limit', '--skip-naive', '--warm-up-writes', '0', '--json'],
      { timeout: 120_000, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );
    const last = stdout.trim().split('\n').at(-1) ?? '';
    const result = JSON.parse(last) as Record<string, unknown>;
    expect(result).toMatchObject({ numbers: 20, lines: 2, orderStatus: 'COMPLETED', numbersLost: 0, plivoCallsAgree: true, http429: 0 });
    for (const key of ['wallSeconds', 'plivoCallsPerNumber', 'lowerBoundCalls', 'transitionsPerNumber', 'lambdaInvocationsPerNumber', 'peakPayloadBytes']) {
      expect([key, typeof result[key]]).toEqual([key, 'number']);
    }
    expect(stdout).toContain('Plivo calls per number');
    // The rebalance run: two rules (two area codes, 10 each), each 1 short of its target.
    expect(result.rebalance).toMatchObject({ rules: 2, poolNumbers: 20, ordered: 2, orderStatus: 'COMPLETED', lowerBoundCalls: 4 });
    expect(stdout).toContain('rebalance run: Plivo calls');
  }, 150_000);
});
