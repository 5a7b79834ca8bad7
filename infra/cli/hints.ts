/**
 * The commands the CLI and the demo suggest next: runnable as printed, so they carry `--url` when
 * the API is not where the CLI looks by default (a stack started with `--api-port 0`, say).
 */

/** Where the CLI finds the API unless told otherwise (the local stack's default port). */
export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** `npm run orders -- ARGS`, with `--url URL` unless `url` is the default or unknown. */
export function ordersCommand(args: string, url?: string): string {
  return `npm run orders -- ${args}${url !== undefined && url !== DEFAULT_URL ? ` --url ${url}` : ''}`;
}
