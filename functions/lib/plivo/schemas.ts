/**
 * zod schemas of Plivo's answers, as Plivo's public reference pages show them (listed in docs/design.md, "Plivo facts").
 * Fields we depend on are required; the rest are optional and nullable, because Plivo's own
 * examples disagree on them (`sms_rate` is `-1` in one and a string in another, `next` is `null`
 * on one page and `""` on another). Unknown fields are dropped.
 */
import { z } from 'zod';

/** Plivo writes money as strings ("0.80000"), and sometimes a number (-1 = not offered). */
const rate = z.union([z.string(), z.number()]).nullish();

export const paginationMetaSchema = z.object({
  limit: z.number().int(),
  offset: z.number().int(),
  total_count: z.number().int(),
  /** A URI of the next page, or null / "" when there is none. */
  next: z.string().nullish(),
  previous: z.string().nullish(),
});
export type PaginationMeta = z.infer<typeof paginationMetaSchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    api_id: z.string().optional(),
    meta: paginationMetaSchema,
    objects: z.array(item),
  });
}
export interface Page<T> {
  apiId: string | undefined;
  meta: PaginationMeta;
  objects: T[];
}

export const numberTypes = ['local', 'national', 'tollfree', 'mobile'] as const;
export type SearchNumberType = (typeof numberTypes)[number];

export const numberGroupSchema = z.object({
  group_id: z.string(),
  number_type: z.string(),
  prefix: z.string().nullish(),
  region: z.string().nullish(),
  rental_rate: rate,
  setup_rate: rate,
  sms_enabled: z.boolean().nullish(),
  mms_enabled: z.boolean().nullish(),
  voice_enabled: z.boolean().nullish(),
  sms_rate: rate,
  voice_rate: rate,
  stock: z.number().int().nonnegative(),
  resource_uri: z.string().nullish(),
});
export type NumberGroup = z.infer<typeof numberGroupSchema>;

/** One number of a fulfilled rent: `status` is "Success" or a failure text. */
export const rentedNumberSchema = z.object({ number: z.string(), status: z.string() });

/**
 * A fulfilled rent or buy. In a country with verification requirements a number's own `status`
 * can be "pending": it is in the account but not active until Plivo approves the documents.
 */
export const rentFulfilledSchema = z.object({
  api_id: z.string().optional(),
  status: z.literal('fulfilled'),
  message: z.string().optional(),
  numbers: z.array(rentedNumberSchema),
});
/** Address regulations: no numbers and no order id, only a text. */
export const rentPendingSchema = z.object({
  api_id: z.string().optional(),
  status: z.literal('pending'),
  message: z.string().optional(),
  details: z.string().optional(),
});
export const rentAnswerSchema = z.discriminatedUnion('status', [rentFulfilledSchema, rentPendingSchema]);

/** A number on offer (`PhoneNumber/` search). */
export const phoneNumberSchema = z.object({
  number: z.string(),
  prefix: z.string().nullish(),
  city: z.string().nullish(),
  country: z.string().nullish(),
  region: z.string().nullish(),
  rate_center: z.string().nullish(),
  /** A string on the object page, a number in its example. */
  lata: z.union([z.string(), z.number()]).nullish(),
  /** fixed | mobile | tollfree */
  type: z.string().nullish(),
  /** local | national | fixed | mobile | tollfree */
  sub_type: z.string().nullish(),
  setup_rate: rate,
  monthly_rental_rate: rate,
  sms_enabled: z.boolean().nullish(),
  sms_rate: rate,
  mms_enabled: z.boolean().nullish(),
  mms_rate: rate,
  voice_enabled: z.boolean().nullish(),
  voice_rate: rate,
  /** city-address | country-address | terms-and-conditions, or null when the number can be bought freely. */
  restriction: z.string().nullish(),
  restriction_text: z.string().nullish(),
  resource_uri: z.string().nullish(),
});
export type PhoneNumber = z.infer<typeof phoneNumberSchema>;

export const accountNumberSchema = z.object({
  number: z.string(),
  alias: z.string().nullish(),
  sub_account: z.string().nullish(),
  added_on: z.string().nullish(),
  application: z.string().nullish(),
  carrier: z.string().nullish(),
  region: z.string().nullish(),
  number_type: z.string().nullish(),
  monthly_rental_rate: rate,
  renewal_date: z.string().nullish(),
  sms_enabled: z.boolean().nullish(),
  mms_enabled: z.boolean().nullish(),
  voice_enabled: z.boolean().nullish(),
  sms_rate: rate,
  mms_rate: rate,
  voice_rate: rate,
  resource_uri: z.string().nullish(),
  /** A US long code's 10DLC registration: UNREGISTERED, PROCESSING, COMPLETED or FAILED (null where 10DLC does not apply). */
  tendlc_registration_status: z.string().nullish(),
  /** The 10DLC campaign the number is linked to, if any. */
  tendlc_campaign_id: z.string().nullish(),
  /**
   * "pending" while a number bought in a country with verification requirements is not active.
   * Plivo's AccountPhoneNumber page documents no such field; the sandbox sends this one (see
   * docs/plivo-sandbox.md), and a number without it is taken as active.
   */
  status: z.string().nullish(),
});
export type AccountNumber = z.infer<typeof accountNumberSchema>;

/** Whether an account number awaits verification (bought, in the account, not active yet). */
export const isInactive = (number: Pick<AccountNumber, 'status'>): boolean => number.status?.toLowerCase() === 'pending';

export const changedSchema = z.object({ api_id: z.string().optional(), message: z.string() });

/** A number (or toll-free number) in a pool. */
export const poolNumberSchema = z.object({
  number: z.string(),
  number_pool_uuid: z.string().nullish(),
  type: z.string().nullish(),
  service: z.string().nullish(),
  country_iso2: z.string().nullish(),
  added_on: z.string().nullish(),
  account_phone_number_resource: z.string().nullish(),
});
export type PoolNumber = z.infer<typeof poolNumberSchema>;

export const poolShortcodeSchema = z.object({
  shortcode: z.string(),
  number_pool_uuid: z.string().nullish(),
  country_iso2: z.string().nullish(),
  added_on: z.string().nullish(),
});
export type PoolShortcode = z.infer<typeof poolShortcodeSchema>;

export const removedSchema = z.object({ api_id: z.string().optional(), response: z.string() });

export const powerpackSchema = z.object({
  api_id: z.string().optional(),
  uuid: z.string(),
  name: z.string().nullish(),
  /** `/v1/Account/{auth_id}/NumberPool/{pool_uuid}/` */
  number_pool: z.string(),
  created_on: z.string().nullish(),
  sticky_sender: z.boolean().nullish(),
  local_connect: z.boolean().nullish(),
  application_type: z.string().nullish(),
  application_id: z.string().nullish(),
  number_priority: z.array(z.unknown()).nullish(),
});
export type Powerpack = z.infer<typeof powerpackSchema>;

/** The immediate answer of any call made in asynchronous mode (`callback_url`). */
export const asyncSpawnedSchema = z.object({ api_id: z.string(), message: z.string() });
export type AsyncSpawned = z.infer<typeof asyncSpawnedSchema>;

/** The body of Plivo's error answers. */
export const plivoErrorBodySchema = z.object({
  api_id: z.string().optional(),
  error: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});
