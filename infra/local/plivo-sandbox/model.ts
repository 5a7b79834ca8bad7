/**
 * What the sandbox remembers, as zod schemas: the types of the account's numbers, pools,
 * Powerpacks, pending orders and charges come from here, and the state file is checked against
 * the same schemas when it is loaded (a hand-edited or stale file fails with the field's path).
 */
import { z } from 'zod';

export const NUMBER_TYPES = ['local', 'national', 'tollfree', 'mobile'] as const;
export const POOL_SERVICES = ['sms', 'mms'] as const;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);

export const accountNumberSchema = z.object({
  number: z.string(),
  groupId: z.string(),
  countryIso2: z.string(),
  numberType: z.enum(NUMBER_TYPES),
  region: z.string(),
  /** ISO 8601 time the number entered the account. */
  addedAt: z.string(),
  alias: z.string().nullable(),
  /** The linked application; null when unlinked. */
  appId: z.string().nullable(),
  subaccount: z.string().nullable(),
  monthlyRentalRate: z.string(),
  voiceEnabled: z.boolean(),
  smsEnabled: z.boolean(),
  mmsEnabled: z.boolean(),
  voiceRate: z.string(),
  smsRate: z.string(),
  mmsRate: z.string(),
  /** Set by `PATCH /__sandbox/numbers/{number}`; else the next monthly anniversary of `addedAt`. */
  renewalDate: z.string().optional(),
  /**
   * In the account but not active: bought or rented in a country with verification requirements
   * under the per-number pending shape, until `POST /__sandbox/regulatory/approve`.
   */
  pending: z.boolean().optional(),
  /** Chosen at buy (`PhoneNumber/`); US numbers only. */
  cnamLookup: z.enum(['enabled', 'disabled']).optional(),
  /** A local number the account lists as `fixed` (Plivo types some local numbers so). */
  listedAsFixed: z.boolean().optional(),
  /** Monthly renewals charged so far (the sandbox clock passed their anniversaries). */
  renewalsCharged: z.number().int().optional(),
});
export type AccountNumber = z.infer<typeof accountNumberSchema>;

export const chargeSchema = z.object({
  number: z.string(),
  groupId: z.string(),
  setupRate: z.string(),
  rentalRate: z.string(),
  chargedAt: z.string(),
});
export type Charge = z.infer<typeof chargeSchema>;

export const pendingOrderSchema = z.object({
  id: z.string(),
  groupId: z.string(),
  quantity: z.number().int(),
  numbers: z.array(z.string()),
  appId: z.string().nullable(),
  createdAt: z.string(),
  /** The numbers are already in the account, inactive (the per-number pending shape); else they enter it on approval. */
  inAccount: z.boolean().optional(),
});
export type PendingOrder = z.infer<typeof pendingOrderSchema>;

export const renewalSchema = z.object({ number: z.string(), rentalRate: z.string(), date: z.string() });
export type Renewal = z.infer<typeof renewalSchema>;

export const unrentSchema = z.object({ number: z.string(), at: z.string() });
export type Unrent = z.infer<typeof unrentSchema>;

export const poolMemberSchema = z.object({
  number: z.string(),
  service: z.enum(POOL_SERVICES),
  /** Which sub-resource added it: `Number/` or `Tollfree/`. */
  via: z.enum(['number', 'tollfree']),
  addedAt: z.string(),
  /** Epoch ms before which the pool's list and find do not show it (a `visibleAfterMs` fault). */
  visibleAtMs: z.number().optional(),
});
export type PoolMember = z.infer<typeof poolMemberSchema>;
export type PoolService = PoolMember['service'];

export const shortcodeSchema = z.object({ shortcode: z.string(), countryIso2: z.string(), addedAt: z.string() });
export type Shortcode = z.infer<typeof shortcodeSchema>;

export const powerpackSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  poolUuid: z.string(),
  createdOn: z.string(),
  stickySender: z.boolean(),
  localConnect: z.boolean(),
  applicationType: z.string(),
  applicationId: z.string(),
  numberPriority: jsonValueSchema,
});
export type Powerpack = z.infer<typeof powerpackSchema>;

export const poolSchema = z.object({
  uuid: z.string(),
  powerpackUuid: z.string(),
  members: z.array(poolMemberSchema),
  shortcodes: z.array(shortcodeSchema),
});
export type PoolData = z.infer<typeof poolSchema>;
