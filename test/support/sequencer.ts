/**
 * The order the run hands files to its two workers: the longest first, so that no long file starts
 * last and runs alone while the other worker idles (a fresh clone has no timings cached, and
 * vitest's default then starts the largest files first: the 100-second chaos run is a short file,
 * and used to start last). The rest follow in vitest's own order. Timings are from `npx vitest run
 * --reporter=verbose` on two cores; a file missing here only runs later, which costs time, not
 * correctness.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that take longest, longest first (each over ~10 s on two cores), but for one thing: the
 * crash matrix and the chaos run, the two heaviest, do not start together (each loads both cores,
 * and the crash matrix's cells time their crashes): the chaos run starts once the other worker has
 * done the crash matrix's length of other long files.
 */
const LONGEST_FIRST = [
  'test/e2e/crash-matrix.test.ts',
  'test/infra/stack.test.ts',
  'test/local/data-dir.test.ts',
  'test/e2e/chaos.test.ts',
  'test/infra/constructs.test.ts',
  'test/bench/bench-smoke.test.ts',
  'test/infra/deploy-realities.test.ts',
  'test/e2e/regulatory.test.ts',
  'test/e2e/tendlc.test.ts',
  'test/local/ports.test.ts',
  'test/workflow/work-slots.test.ts',
  'test/workflow/link.test.ts',
  'test/api/fuzz.test.ts',
  'test/pools/webhooks-and-releases.test.ts',
  'test/pools/rebalance.test.ts',
  'test/e2e/dead-executions.test.ts',
  'test/console/console.test.ts',
  'test/e2e/pending-numbers.test.ts',
  'test/local/demo.test.ts',
  'test/e2e/racing-reconciliations.test.ts',
  'test/e2e/plivo-call-context.test.ts',
  'test/e2e/number-lines.test.ts',
  'test/workflow/workflow.test.ts',
];

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: files not listed keep vitest's order among themselves.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
