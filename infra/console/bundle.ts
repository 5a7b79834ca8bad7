/**
 * Builds the operations console's browser code (functions/orders-api/console/) with esbuild: one
 * minified ES module and one style sheet, in memory. The local stack calls it at start and passes
 * the result to the orders API; CDK calls it at synth time and compiles the result into the
 * orders-api Lambda bundle through esbuild's `define` (consoleDefine). Synchronous, because CDK
 * constructs are built synchronously; it takes 50 to 250 ms.
 */
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { CONSOLE_DEFINE_NAME, type ConsoleAssets } from '../../functions/orders-api/console-assets.js';

const ENTRY = fileURLToPath(new URL('../../functions/orders-api/console/main.tsx', import.meta.url));

let built: ConsoleAssets | undefined;

/** The console's assets (built once per process). */
export function buildConsoleAssets(): ConsoleAssets {
  if (built) return built;
  const result = buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    outdir: 'console-out',
    format: 'esm',
    platform: 'browser',
    // Browsers of the last few years: no transpiling of what they all run.
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text;
  const style = result.outputFiles.find((file) => file.path.endsWith('.css'))?.text;
  if (script === undefined || style === undefined) throw new Error('the console bundle has no script or no style sheet: main.tsx must import its CSS');
  built = { script, style };
  return built;
}

/**
 * CDK's NodejsFunction passes each define to the esbuild command as one argument, and Linux takes
 * at most 128 KiB in one argument: past this, the console must reach the bundle another way.
 */
export const MAX_DEFINE_BYTES = 120 * 1024;

/** esbuild's `define` that compiles the assets into a Lambda bundle (functions/orders-api/console-assets.ts). */
export function consoleDefine(): Record<string, string> {
  const value = JSON.stringify(buildConsoleAssets());
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_DEFINE_BYTES) throw new Error(`the console's bundle (${bytes} bytes as JSON) is too large for one esbuild --define argument (at most ${MAX_DEFINE_BYTES})`);
  return { [CONSOLE_DEFINE_NAME]: value };
}
