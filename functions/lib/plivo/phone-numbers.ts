/**
 * Plivo's current number API, `PhoneNumber/`: search numbers one by one and buy one
 * (https://www.plivo.com/docs/numbers/phone-numbers,
 * https://www.plivo.com/docs/numbers/api/phone-number/buy-a-phone-number/).
 */
import type { PlivoHttp } from './http.js';
import { splitNumberStatuses } from './number-statuses.js';
import { type Page, pageSchema, type PhoneNumber, phoneNumberSchema, rentFulfilledSchema } from './schemas.js';

export interface SearchPhoneNumbersParams {
  /** ISO 3166 alpha-2 country. */
  countryIso: string;
  /** local | national | fixed | mobile | tollfree | any. */
  type?: string;
  /** Digits the number starts with after the country code (a vanity search when longer than the area code). */
  pattern?: string;
  /** City; only for local numbers. */
  region?: string;
  /** e.g. "sms", "voice,sms". */
  services?: string;
  /** At most 20. @default 20 */
  limit?: number;
  /** @default 0 */
  offset?: number;
  signal?: AbortSignal;
}

export interface BuyPhoneNumberOptions {
  /** @default the account's default number application */
  appId?: string;
  /** US numbers only. */
  cnamLookup?: 'enabled' | 'disabled';
  /** An approved application for the number's country and type makes the number active at once. */
  complianceApplicationId?: string;
  signal?: AbortSignal;
}

/** The number is `active`, `pending` (bought, awaiting verification documents), or `failed` with Plivo's text. */
export type BuyPhoneNumberResult =
  | { status: 'active' | 'pending'; number: string; apiId: string | undefined }
  | { status: 'failed'; number: string; apiId: string | undefined; reason: string };

export async function searchPhoneNumbers(http: PlivoHttp, params: SearchPhoneNumbersParams): Promise<Page<PhoneNumber>> {
  const page = await http.call({
    method: 'GET',
    route: 'PhoneNumber/',
    path: 'PhoneNumber/',
    safety: 'safe',
    query: {
      country_iso: params.countryIso,
      type: params.type,
      pattern: params.pattern,
      region: params.region,
      services: params.services,
      limit: params.limit ?? 20,
      offset: params.offset ?? 0,
    },
    schema: pageSchema(phoneNumberSchema),
    ...(params.signal ? { signal: params.signal } : {}),
  });
  return { apiId: page.api_id, meta: page.meta, objects: page.objects };
}

/**
 * Buys one number. Not idempotent: retried only on 429. A number someone else took is Plivo's
 * error (PlivoNotFoundError or PlivoBadRequestError, with Plivo's text).
 */
export async function buyPhoneNumber(http: PlivoHttp, number: string, options: BuyPhoneNumberOptions = {}): Promise<BuyPhoneNumberResult> {
  const answer = await http.call({
    method: 'POST',
    route: 'PhoneNumber/{number}/',
    path: `PhoneNumber/${encodeURIComponent(number)}/`,
    safety: 'unsafe',
    body: {
      ...(options.appId ? { app_id: options.appId } : {}),
      ...(options.cnamLookup ? { cnam_lookup: options.cnamLookup } : {}),
      ...(options.complianceApplicationId ? { compliance_application_id: options.complianceApplicationId } : {}),
    },
    schema: rentFulfilledSchema,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const statuses = splitNumberStatuses(answer.numbers);
  if (statuses.rented.includes(number)) return { status: 'active', number, apiId: answer.api_id };
  if (statuses.pending.includes(number)) return { status: 'pending', number, apiId: answer.api_id };
  const failure = statuses.failed.find((entry) => entry.number === number) ?? statuses.failed[0];
  return { status: 'failed', number, apiId: answer.api_id, reason: failure?.status ?? `Plivo's answer did not list ${number}` };
}
