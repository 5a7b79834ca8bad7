import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Logs are asserted through capturing loggers; the rest would only be noise in the run's output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Two cores here: integration suites start real servers, so keep parallelism modest.
    maxWorkers: 2,
    // A worker keeps its loaded modules from one file to the next: isolated, every file imported the
    // AWS SDK, CDK and the local stack again (117 s of a 384 s run went to imports; 14 s without).
    // Files keep no state between them: each starts its own stack and table, environment stubs are
    // undone after each test, and a file that needs fresh modules resets them itself.
    isolate: false,
    unstubEnvs: true,
    // Long files first (a fresh clone has no timings cached): see the sequencer.
    sequence: { sequencer: LongestFirstSequencer },
  },
});
