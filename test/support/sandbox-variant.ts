/**
 * The sandbox's behaviour under test. `SANDBOX_VARIANT=strict` (npm run test:strict) switches on
 * what Plivo may do and the default sandbox does not: the per-number pending answer, unrented
 * numbers handed out again at once, and half of the local numbers listed as `fixed`. A test's own
 * options win over the variant (a test about one shape keeps it).
 */
import type { SandboxOptions } from '../../infra/local/plivo-sandbox/index.js';
import type { LocalStackOptions } from '../../infra/local/stack.js';

type Behaviour = NonNullable<LocalStackOptions['sandboxBehaviour']>;

const VARIANTS: Record<string, Behaviour> = {
  default: {},
  strict: { pendingShape: 'number', reissueUnrented: true, reclaimDays: 0, fixedShare: 0.5 },
};

export function sandboxVariant(): Behaviour {
  const name = process.env.SANDBOX_VARIANT ?? 'default';
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`SANDBOX_VARIANT must be one of ${Object.keys(VARIANTS).join(', ')}; got "${name}"`);
  return variant;
}

/** Sandbox options with the variant under them. */
export function withSandboxVariant(options: SandboxOptions): SandboxOptions {
  return { ...sandboxVariant(), ...options };
}

/** Local stack options with the variant under the test's own sandbox behaviour. */
export function stackWithSandboxVariant(options: LocalStackOptions): LocalStackOptions {
  return { ...options, sandboxBehaviour: { ...sandboxVariant(), ...options.sandboxBehaviour } };
}
