/**
 * The operations console's browser code, as the orders API serves it. The client lives in
 * `console/` (TypeScript and Preact); it is bundled with esbuild by infra/console/bundle.ts, which
 * hands the result to the API in one of two ways, both ending in the same `ConsoleAssets`:
 * - the local stack (tsx) bundles it at start and passes it to `createOrdersApi`;
 * - CDK bundles it at synth time and gives it to the orders-api Lambda's own esbuild bundle as a
 *   `define` of CONSOLE_DEFINE_NAME, which `bundledConsoleAssets()` reads (handler.ts).
 * No generated file is committed or read at run time either way.
 */

export interface ConsoleAssets {
  /** The client's JavaScript bundle (an ES module). */
  script: string;
  /** Its style sheet. */
  style: string;
}

/** The identifier the Lambda bundle's `define` replaces with the assets, as a JSON object. */
export const CONSOLE_DEFINE_NAME = 'NUMBER_ORDERS_CONSOLE';

// Replaced by esbuild in the Lambda bundle; undeclared (typeof "undefined") anywhere else.
declare const NUMBER_ORDERS_CONSOLE: ConsoleAssets | undefined;

/** The assets compiled into this bundle, or undefined when the code runs unbundled (tsx, tests). */
export function bundledConsoleAssets(): ConsoleAssets | undefined {
  return typeof NUMBER_ORDERS_CONSOLE === 'undefined' ? undefined : NUMBER_ORDERS_CONSOLE;
}
