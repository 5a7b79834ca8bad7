/**
 * Fault injection: rules that make matching API calls fail, stall, lose their connection, or
 * rent only part of what they answer, so that a client's retries, reconciliation and rollback can
 * be tested against failures Plivo really has — including the worst one, "the request was carried
 * out but the client saw an error" (`when: "after"`).
 *
 * Draws (`rate`, `numberFailureRate`) come from the seed's `faults` stream, restarted each time a
 * rule set is installed: the same seed, rules and sequence of calls fail the same calls.
 */
import { z } from 'zod';
import { Random } from './random.js';

export const faultRuleSchema = z
  .object({
    /** HTTP method to match; any when absent. */
    method: z
      .string()
      .transform((method) => method.toUpperCase())
      .optional(),
    /** Substring of the path after `/v1/Account/{auth_id}/`; any when absent. */
    path: z.string().optional(),
    /** Status to answer (500, 503, 429…); 0 or absent: no error (latency or numberFailureRate only). */
    status: z.number().int().min(0).max(599).optional(),
    /** Probability that a matching call is affected. */
    rate: z.number().min(0).max(1).default(1),
    /** "before": answer the error and change nothing. "after": carry the call out, then answer the error. */
    when: z.enum(['before', 'after']).default('before'),
    /** Extra delay before the answer, in ms. */
    latencyMs: z.number().int().min(0).max(600_000).default(0),
    /** How many times the rule may fire; null: no limit. */
    count: z.number().int().min(1).nullable().default(null),
    /** Destroy the connection without answering (before or after carrying the call out). */
    drop: z.boolean().default(false),
    /**
     * For rents: the share of numbers that come back "Failed" (not rented, not charged). For 10DLC
     * links (`POST 10dlc/Campaign/{id}/Number/`): the share of numbers whose link ends FAILED.
     */
    numberFailureRate: z.number().min(0).max(1).optional(),
    /** `Retry-After` of an injected 429, in seconds; null: a 429 without `Retry-After`. */
    retryAfterSeconds: z.number().int().min(0).nullable().default(1),
    /**
     * The body of the injected error: `string` (`{"api_id","error":"…"}`, what Plivo usually
     * sends), `object` (`"error"` an object of field → messages, as Plivo's validation errors
     * are), or `html` (not JSON at all: the page a proxy in front of Plivo answers a 502 with).
     */
    errorBody: z.enum(['string', 'object', 'html']).default('string'),
    /** The pool add succeeds, but the pool's list and find show the number only this many ms later. */
    visibleAfterMs: z.number().int().min(1).max(600_000).optional(),
    /**
     * The call is carried out this many ms after it arrived, not before its answer: the client gets
     * the rule's error (or, without one, a 503) at once, and the call happens later all the same —
     * a request Plivo worked on after its client had given up.
     */
    applyAfterMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict()
  .refine(
    (rule) =>
      (rule.status ?? 0) > 0 ||
      rule.drop ||
      rule.latencyMs > 0 ||
      rule.numberFailureRate !== undefined ||
      rule.visibleAfterMs !== undefined ||
      rule.applyAfterMs !== undefined,
    { error: 'a rule must do something: set status, drop, latencyMs, numberFailureRate, visibleAfterMs or applyAfterMs' },
  )
  .refine((rule) => rule.status === undefined || rule.status === 0 || rule.status >= 400, {
    error: 'status must be an error status (400-599), or 0 for none',
  });

export const faultRulesSchema = z.object({ rules: z.array(faultRuleSchema) }).strict();

export type FaultRule = z.output<typeof faultRuleSchema>;
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

/** What the fault rules decided for one call. */
export interface FaultPlan {
  /** Extra delay before answering. */
  latencyMs: number;
  /** Answer this error instead of the real answer. */
  error?: { status: number; retryAfterSeconds: number | null; when: 'before' | 'after'; body: FaultRule['errorBody'] };
  /** Destroy the socket instead of answering. */
  drop?: { when: 'before' | 'after' };
  /** Per rented (or 10DLC-linked) number, the chance it comes back "Failed". */
  numberFailureRate?: number;
  /** A pool add becomes visible in the pool's list and find this many ms after it succeeded. */
  visibleAfterMs?: number;
  /** The call is carried out this many ms after it arrived, after its (error) answer. */
  applyAfterMs?: number;
}

export interface FaultRuleReport extends FaultRule {
  fired: number;
}

export class FaultInjector {
  private rules: { rule: FaultRule; fired: number }[] = [];
  private random: Random;

  constructor(private readonly seed: number) {
    this.random = Random.stream(seed, 'faults');
  }

  /** Replaces the rule set (and restarts the draws). */
  setRules(rules: readonly FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, fired: 0 }));
    this.random = Random.stream(this.seed, 'faults');
  }

  clear(): void {
    this.setRules([]);
  }

  list(): FaultRuleReport[] {
    return this.rules.map(({ rule, fired }) => ({ ...rule, fired }));
  }

  /**
   * Decides the faults of one call. Every matching rule that fires adds its latency; the first
   * that fires with a status or drop decides the outcome, and the first with a
   * numberFailureRate sets it.
   */
  decide(method: string, relativePath: string): FaultPlan {
    const plan: FaultPlan = { latencyMs: 0 };
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.path !== undefined && !relativePath.includes(rule.path)) continue;
      if (rule.count !== null && entry.fired >= rule.count) continue;
      if (rule.rate < 1 && this.random.next() >= rule.rate) continue;
      entry.fired++;
      plan.latencyMs += rule.latencyMs;
      const decided = plan.error !== undefined || plan.drop !== undefined;
      if (!decided && rule.drop) plan.drop = { when: rule.when };
      else if (!decided && (rule.status ?? 0) > 0) {
        plan.error = { status: rule.status ?? 500, retryAfterSeconds: rule.retryAfterSeconds, when: rule.when, body: rule.errorBody };
      }
      if (plan.visibleAfterMs === undefined && rule.visibleAfterMs !== undefined) plan.visibleAfterMs = rule.visibleAfterMs;
      if (plan.applyAfterMs === undefined && rule.applyAfterMs !== undefined) plan.applyAfterMs = rule.applyAfterMs;
      if (plan.numberFailureRate === undefined && rule.numberFailureRate !== undefined) plan.numberFailureRate = rule.numberFailureRate;
    }
    return plan;
  }

  /** Per-number draw for a rent or a 10DLC link under `numberFailureRate`. */
  drawNumberFailure(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random.next() < rate;
  }
}

/** The page a proxy answers with when Plivo behind it fails: HTML, not JSON. */
export function proxyErrorPage(status: number): string {
  const title = `${status} ${faultMessage(status).replace(/ \(.*$/, '')}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** What an injected error says (Plivo-style, and plain about where it came from). */
export function faultMessage(status: number): string {
  const reasons: Record<number, string> = {
    429: 'too many requests',
    500: 'internal server error',
    502: 'bad gateway',
    503: 'service unavailable',
    504: 'gateway timeout',
  };
  return `${reasons[status] ?? `error ${status}`} (injected by a sandbox fault rule)`;
}
