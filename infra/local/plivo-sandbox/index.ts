/** The Plivo sandbox: start it in-process with `startPlivoSandbox`, or run cli.ts. */
export { startPlivoSandbox, type PlivoSandbox, type SandboxOptions } from './server.js';
export { isLoopbackAddress } from './http.js';
