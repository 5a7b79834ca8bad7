/**
 * The order: what a customer may ask for (zod schemas, the one source for validation and for the
 * OpenAPI document) and the statuses an order, a line and a number go through.
 */
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { lineNumberTypes } from './statuses.js';

export * from './statuses.js';

export const LIMITS = {
  /**
   * Lines of one order. Step Functions runs at most 40 iterations of an inline Map at once, and the
   * order's Map runs every line at once (a line waiting days on address regulations must not keep
   * another line from starting): so 40, the Map's MaxConcurrency.
   */
  maxLines: 40,
  maxQuantityPerLine: 10_000,
  /** Specific numbers on one line: each is bought by a call of its own. */
  maxNumbersPerLine: 100,
  maxNumbersPerOrder: 100_000,
  maxBodyBytes: 256 * 1024,
} as const;


const money = z
  .string()
  .regex(/^\d{1,6}(\.\d{1,5})?$/, 'must be a decimal amount in USD such as "1.00"')
  .describe('USD, as a decimal string');

const quantitySchema = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(LIMITS.maxQuantityPerLine, `must be at most ${LIMITS.maxQuantityPerLine}`);

/** E.164 without "+": the country calling code, then the national number. */
const e164Schema = z.string({ error: 'must be a string of digits' }).regex(/^[1-9]\d{7,14}$/, 'must be an E.164 number in digits without "+", such as "14155550100"');

/** Whether an E.164 number (digits, no "+") belongs to a country: its calling code, and the country libphonenumber-js reads from it where it can tell. */
function isOfCountry(number: string, countryIso: string): boolean {
  if (!isSupportedCountry(countryIso)) return true; // countryIso reports its own problem
  if (!number.startsWith(getCountryCallingCode(countryIso as CountryCode))) return false;
  const country = parsePhoneNumberFromString(`+${number}`)?.country;
  return country === undefined || country === countryIso;
}

/** How long a line waits for its 10DLC links when the order does not say (`linkDeadlineHours`). */
export const DEFAULT_LINK_DEADLINE_HOURS = 24;

/** A 10DLC campaign id as Plivo (The Campaign Registry) gives it, e.g. "CUOGHIN". */
export const CAMPAIGN_ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;

const campaignIdSchema = z
  .string()
  .regex(CAMPAIGN_ID_PATTERN, 'must be a 10DLC campaign id (letters and digits, at most 32), such as "CUOGHIN"')
  .describe('A US 10DLC campaign: each number of the line is linked to it before it goes into the pool, and counts as verified only once linked');

/** Lines 10DLC applies to: US local numbers (the order's service is always sms or mms). */
export function isTendlcLine(line: { countryIso: string; numberType: string }): boolean {
  return line.countryIso === 'US' && line.numberType === 'local';
}

/** The campaign a line links its numbers to: its own, else the order's when 10DLC applies to the line. */
export function campaignOf(order: { campaignId?: string | undefined }, line: { countryIso: string; numberType: string; campaignId?: string | undefined }): string | undefined {
  return line.campaignId ?? (isTendlcLine(line) ? order.campaignId : undefined);
}

const orderLineFields = {
  countryIso: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code in capitals, such as "US"')
    .refine((code): boolean => isSupportedCountry(code), 'is not a country we know (ISO 3166 alpha-2)')
    .describe('ISO 3166 alpha-2 country code'),
  numberType: z.enum(lineNumberTypes).describe('Plivo number type'),
  prefix: z.string().regex(/^\d{1,5}$/, 'must be 1 to 5 digits').optional().describe('Area code or prefix, without the country code'),
  region: z.string().trim().min(1).max(100).optional().describe('Region name; local numbers only'),
  services: z.array(z.enum(['voice', 'sms', 'mms'])).min(1).max(3).optional().describe('Services every number must have'),
  numbers: z
    .array(e164Schema)
    .min(1, 'must hold at least one number')
    .max(LIMITS.maxNumbersPerLine, `must hold at most ${LIMITS.maxNumbersPerLine} numbers`)
    .optional()
    .describe(
      'Buy exactly these numbers (E.164 digits without "+", of the line\'s country, each once) through Plivo\'s PhoneNumber API; the quantity is their count. Not with prefix or region.',
    ),
  complianceApplicationId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Plivo compliance application id (letters, digits, "-" and "_", at most 64)')
    .optional()
    .describe("A Plivo compliance application for the line's country and number type; sent with every rent and buy, so that an approved one needs no wait for regulatory approval"),
  campaignId: campaignIdSchema.optional(),
};

/** A line as recorded and shown: the quantity always present. */
export const recordedLineSchema = z.object({ ...orderLineFields, quantity: quantitySchema });

/**
 * One order line. Either a search (country, type, optional prefix/region/services, `quantity`) or
 * specific `numbers`, whose count is the quantity (a `quantity` that disagrees is refused).
 */
export const orderLineSchema = z
  .object({ ...orderLineFields, quantity: quantitySchema.optional() })
  .strict()
  .superRefine((line, ctx) => {
    if (line.region !== undefined && line.numberType !== 'local') {
      ctx.addIssue({ code: 'custom', message: 'region is only allowed when numberType is "local"', path: ['region'] });
    }
    if (line.campaignId !== undefined && !isTendlcLine(line)) {
      ctx.addIssue({ code: 'custom', message: '10DLC campaigns apply to US local numbers only (countryIso "US", numberType "local")', path: ['campaignId'] });
    }
    if (line.numbers === undefined) {
      if (line.quantity === undefined) ctx.addIssue({ code: 'custom', message: 'is required', path: ['quantity'] });
      return;
    }
    for (const field of ['prefix', 'region'] as const) {
      if (line[field] !== undefined) ctx.addIssue({ code: 'custom', message: `${field} is not allowed with numbers (the numbers say where)`, path: [field] });
    }
    if (line.quantity !== undefined && line.quantity !== line.numbers.length) {
      ctx.addIssue({ code: 'custom', message: `must equal the count of numbers (${line.numbers.length}), or be left out`, path: ['quantity'] });
    }
    const seen = new Set<string>();
    line.numbers.forEach((number, i) => {
      if (seen.has(number)) ctx.addIssue({ code: 'custom', message: `${number} is listed twice`, path: ['numbers', i] });
      seen.add(number);
      if (/^\d+$/.test(number) && !isOfCountry(number, line.countryIso)) {
        ctx.addIssue({ code: 'custom', message: `${number} is not a ${line.countryIso} number`, path: ['numbers', i] });
      }
    });
  })
  .transform(({ quantity, ...line }) => ({ ...line, quantity: quantity ?? line.numbers?.length ?? 0 }))
  .pipe(recordedLineSchema);
export type OrderLine = z.infer<typeof orderLineSchema>;

/** A line's quantity, 0 while it is not valid (the order's refinements also run on lines that failed). */
const quantityOf = (line: { quantity?: unknown }): number => (typeof line.quantity === 'number' ? line.quantity : 0);

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
      // A second at least: smaller numbers are no deadline anyone means, and below 1e-130 DynamoDB refuses them.
      .min(1 / 86_400, 'must be at least one second (1/86400 of a day)')
      .max(365, 'must be at most 365')
      .default(30)
      .describe('How long a line may wait for numbers under address regulations (days, may be fractional)'),
    campaignId: campaignIdSchema.optional().describe("A US 10DLC campaign for the order's US local lines (a line's own campaignId wins)"),
    linkDeadlineHours: z
      .number({ error: 'must be a number of hours' })
      .min(1 / 60, 'must be at least one minute (1/60 of an hour)')
      .max(168, 'must be at most 168 (a week)')
      .optional()
      .describe(`How long a line may wait for its numbers to be linked to their 10DLC campaign (hours, may be fractional; default ${DEFAULT_LINK_DEADLINE_HOURS}); a number not linked by then is released`),
  })
  .strict()
  .refine((order) => order.campaignId === undefined || order.lines.some(isTendlcLine), {
    message: 'applies to US local lines (countryIso "US", numberType "local"), and the order has none',
    path: ['campaignId'],
  })
  .refine((order) => order.lines.reduce((sum, line) => sum + quantityOf(line), 0) <= LIMITS.maxNumbersPerOrder, {
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
  /** Numbers whose 10DLC link Plivo reported COMPLETED (lines with a campaign). */
  linked: number;
}

export function emptyCounts(requested = 0): LineCounts {
  return { requested, planned: 0, rented: 0, assigned: 0, verified: 0, failed: 0, released: 0, leaked: 0, linked: 0 };
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
