/**
 * Pool policies: what a pool must hold per rule (min/target/max) and what a rebalance may do.
 * Stored with a version for `If-Match` (store/pool-policies.ts).
 */
import { z } from 'zod';
import { isTendlcLine, recordedLineSchema } from '../orders/model.js';

export const MAX_RULES = 100;

const count = (field: string) =>
  z
    .number({ error: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .min(0, `${field} must not be negative`)
    .max(10_000, `${field} must be at most 10000`);

const line = recordedLineSchema.shape;

export const poolRuleSchema = z
  .object({
    countryIso: line.countryIso,
    numberType: line.numberType,
    prefix: line.prefix,
    region: line.region,
    campaignId: line.campaignId,
    min: count('min'),
    target: count('target'),
    max: count('max'),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.min > rule.target) ctx.addIssue({ code: 'custom', path: ['min'], message: 'min must not be above target' });
    if (rule.target > rule.max) ctx.addIssue({ code: 'custom', path: ['max'], message: 'max must not be below target' });
    if (rule.region !== undefined && rule.numberType !== 'local') ctx.addIssue({ code: 'custom', path: ['region'], message: 'region is only allowed when numberType is "local"' });
    if (rule.campaignId !== undefined && !isTendlcLine(rule)) {
      ctx.addIssue({ code: 'custom', path: ['campaignId'], message: '10DLC campaigns apply to US local numbers only (countryIso "US", numberType "local")' });
    }
  });
export type PoolRule = z.infer<typeof poolRuleSchema>;

export const ruleKey = (rule: Pick<PoolRule, 'countryIso' | 'numberType' | 'prefix' | 'region'>): string =>
  [rule.countryIso, rule.numberType, rule.prefix ?? '*', rule.region ?? '*'].join('/');

export const poolPolicySchema = z
  .object({
    service: z.enum(['sms', 'mms']).default('sms'),
    rules: z.array(poolRuleSchema).min(1, 'must hold at least one rule').max(MAX_RULES, `must hold at most ${MAX_RULES} rules`),
    releaseSurplus: z.boolean().default(false),
    releaseWithinDaysOfRenewal: z.number().int('must be a whole number of days').min(0, 'must not be negative').max(31, 'must be at most 31').default(3),
    maxMonthlyIncrease: z
      .string()
      .regex(/^\d{1,6}(\.\d{1,5})?$/, 'must be a decimal amount in USD such as "25.00"')
      .optional(),
    partialAllowed: z.boolean().default(true),
    callbackUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const seen = new Map<string, number>();
    policy.rules.forEach((rule, index) => {
      const key = ruleKey(rule);
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', index], message: `overlaps rule ${first} (same country, type, prefix and region)` });
      else seen.set(key, index);
    });
  });
export type PoolPolicy = z.infer<typeof poolPolicySchema>;
