/** The Plivo sandbox: start it in-process with `startPlivoSandbox`, or run cli.ts. */
export { startPlivoSandbox, type PlivoSandbox, type SandboxOptions } from './server.js';
export { isLoopbackAddress, parseQuery, parseTarget } from './http.js';
export type { FaultRuleInput, FaultRuleReport } from './faults.js';
export type { SandboxSnapshot } from './snapshot.js';
export { CATALOGUE, COUNTRIES, type NumberGroup } from './catalogue.js';
export { ADMIN_ROUTES } from './admin.js';
