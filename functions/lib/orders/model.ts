/**
 * The order: what a customer may ask for (zod schemas, the one source for validation and for the
 * OpenAPI document) and the statuses an order, a line and a number go through.
 */
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

export const LIMITS = {
  maxLines: 50,
  maxQuantityPerLine: 10_000,
  maxNumbersPerOrder: 100_000,
  maxBodyBytes: 256 * 1024,
} as const;

export const orderStatuses = [
  'RECEIVED',
  'IN_PROGRESS',
  'PENDING_REGULATORY',
  'PLANNED',
  'COMPLETED',
  'PARTIAL',
  'FAILED',
  'ROLLED_BACK',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export const terminalOrderStatuses: readonly OrderStatus[] = ['PLANNED', 'COMPLETED', 'PARTIAL', 'FAILED', 'ROLLED_BACK', 'CANCELLED'];

export const lineStatuses = [
  'RECEIVED',
  'PLANNED',
  'RENTING',
  'PENDING_REGULATORY',
  'ASSIGNING',
  'VERIFYING',
  'COMPLETED',
  'PARTIAL',
  'FAILED',
  'ROLLED_BACK',
] as const;
export type LineStatus = (typeof lineStatuses)[number];
/** A line in one of these has ended: nothing more is rented, added or verified for it. */
export const terminalLineStatuses: readonly LineStatus[] = ['COMPLETED', 'PARTIAL', 'FAILED', 'ROLLED_BACK'];

/**
 * A number's life: RENTED (in the account, ours), or PENDING (in the account and ours, but not
 * active until Plivo approves the verification documents), then ASSIGNED to the pool, VERIFIED
 * there, or FAILED; finally RELEASED (given back) or LEAKED (could not be given back: alarmed).
 */
export const numberStatuses = ['RENTED', 'PENDING', 'ASSIGNED', 'VERIFIED', 'FAILED', 'RELEASED', 'LEAKED'] as const;
export type NumberStatus = (typeof numberStatuses)[number];

export const lineNumberTypes = ['local', 'national', 'tollfree', 'mobile'] as const;
export type LineNumberType = (typeof lineNumberTypes)[number];

const money = z
  .string()
  .regex(/^\d{1,6}(\.\d{1,5})?$/, 'must be a decimal amount in USD such as "1.00"')
  .describe('USD, as a decimal string');

export const orderLineSchema = z
  .object({
    countryIso: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code in capitals, such as "US"')
      .refine((code) => isSupportedCountry(code), 'is not a country we know (ISO 3166 alpha-2)')
      .describe('ISO 3166 alpha-2 country code'),
    numberType: z.enum(lineNumberTypes).describe('Plivo number type'),
    prefix: z.string().regex(/^\d{1,5}$/, 'must be 1 to 5 digits').optional().describe('Area code or prefix, without the country code'),
    region: z.string().trim().min(1).max(100).optional().describe('Region name; local numbers only'),
    services: z.array(z.enum(['voice', 'sms', 'mms'])).min(1).max(3).optional().describe('Services every number must have'),
    quantity: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(LIMITS.maxQuantityPerLine, `must be at most ${LIMITS.maxQuantityPerLine}`),
  })
  .strict()
  .refine((line) => line.region === undefined || line.numberType === 'local', {
    message: 'region is only allowed when numberType is "local"',
    path: ['region'],
  });
export type OrderLine = z.infer<typeof orderLineSchema>;

export const orderRequestSchema = z
  .object({
    poolUuid: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a Plivo number pool uuid'),
    service: z.enum(['sms', 'mms']).default('sms'),
    lines: z
      .array(orderLineSchema)
      .min(1, 'must hold at least one line')
      .max(LIMITS.maxLines, `must hold at most ${LIMITS.maxLines} lines`),
    partialAllowed: z.boolean().default(true),
    maxMonthlyRate: money.optional(),
    maxSetupRate: money.optional(),
    callbackUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional(),
    reference: z.string().max(200).optional(),
    dryRun: z.boolean().default(false),
    regulatoryDeadlineDays: z
      .number({ error: 'must be a number of days' })
      .positive('must be more than 0')
      .max(365, 'must be at most 365')
      .default(30)
      .describe('How long a line may wait for numbers under address regulations (days, may be fractional)'),
  })
  .strict()
  .refine((order) => order.lines.reduce((sum, line) => sum + line.quantity, 0) <= LIMITS.maxNumbersPerOrder, {
    message: `the lines ask for more than ${LIMITS.maxNumbersPerOrder} numbers in all`,
    path: ['lines'],
  });
export type OrderRequest = z.infer<typeof orderRequestSchema>;
export type OrderRequestInput = z.input<typeof orderRequestSchema>;

/** Per-line counts, as stored and as shown. */
export interface LineCounts {
  requested: number;
  planned: number;
  rented: number;
  assigned: number;
  verified: number;
  failed: number;
  released: number;
  leaked: number;
}

export function emptyCounts(requested = 0): LineCounts {
  return { requested, planned: 0, rented: 0, assigned: 0, verified: 0, failed: 0, released: 0, leaked: 0 };
}

/** One group of the plan: rent `quantity` from `groupId`. */
export interface PlannedGroup {
  groupId: string;
  quantity: number;
  prefix: string | null;
  region: string | null;
  numberType: string;
  setupRate: string | null;
  rentalRate: string | null;
}
