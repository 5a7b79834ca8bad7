/**
 * The typed Plivo client: one function per endpoint number-orders uses, each answer checked with
 * zod. Every handler reaches Plivo through this, never through ky or fetch directly.
 */
import { PlivoResponseShapeError } from '../errors.js';
import { PlivoHttp, type PlivoCall, type PlivoHttpOptions, type QueryValue } from './http.js';
import { type NumberStatuses, splitNumberStatuses } from './number-statuses.js';
import { paginate, type PaginateOptions } from './paginate.js';
import { buyPhoneNumber, type BuyPhoneNumberOptions, type BuyPhoneNumberResult, searchPhoneNumbers, type SearchPhoneNumbersParams } from './phone-numbers.js';
import { type LinkCallback, linkNumbers, type LinkStatus, linkStatusOf } from './tendlc.js';
import {
  type AccountNumber,
  accountNumberSchema,
  type AsyncSpawned,
  asyncSpawnedSchema,
  changedSchema,
  type NumberGroup,
  numberGroupSchema,
  type Page,
  pageSchema,
  type PhoneNumber,
  type PoolNumber,
  poolNumberSchema,
  type PoolShortcode,
  poolShortcodeSchema,
  type Powerpack,
  powerpackSchema,
  removedSchema,
  rentAnswerSchema,
  type SearchNumberType,
} from './schemas.js';

export type PlivoClientOptions = PlivoHttpOptions;

/** Ask Plivo to answer later, at this URL (asynchronous mode). */
export interface PlivoCallback {
  url: string;
  /** @default "POST" */
  method?: 'GET' | 'POST';
}

export interface ListOptions {
  /** At most 20 (Plivo's maximum). @default 20 */
  limit?: number;
  /** @default 0 */
  offset?: number;
  signal?: AbortSignal;
}

export interface SearchNumberGroupsParams extends ListOptions {
  /** ISO 3166 alpha-2 country. */
  countryIso: string;
  /** @default "local" (Plivo's default) */
  numberType?: SearchNumberType;
  /** Area code (local), national prefix or toll-free prefix: digits, at most 5. */
  prefix?: string;
  /** Region name; only for local numbers. */
  region?: string;
  /** e.g. "sms", "voice,sms". */
  services?: string;
}

export interface AccountNumberFilters extends ListOptions {
  /** local | mobile | fixed | national | tollfree */
  type?: string;
  numberStartsWith?: string;
  alias?: string;
  services?: string;
  subaccount?: string;
  renewalDate?: { eq?: string; gt?: string; gte?: string; lt?: string; lte?: string };
}

export type PoolService = 'sms' | 'mms';
export type PoolNumberType = 'fixed' | 'mobile' | 'toll-free';

export interface PoolNumberFilters extends ListOptions {
  /** Prefixes without the country code, at most 10; Plivo then requires `countryIso2`. */
  startsWith?: readonly string[];
  countryIso2?: string;
  type?: PoolNumberType;
  service?: PoolService;
}

/** A rent that Plivo carried out; some numbers may still have failed (`status` not "Success"). */
export interface RentFulfilled extends NumberStatuses {
  status: 'fulfilled';
  apiId: string | undefined;
}

/** Address regulations: no numbers and no order id now; they may appear in the account later. */
export interface RentPending {
  status: 'pending';
  apiId: string | undefined;
  message: string | undefined;
  details: string | undefined;
}

export type RentResult = RentFulfilled | RentPending;

export interface RentOptions {
  /** @default 1 */
  quantity?: number;
  appId?: string;
  /** Sent as `compliance_application_id`: an approved application makes a regulated rent active at once. */
  complianceApplicationId?: string;
  signal?: AbortSignal;
}

export interface CreatePowerpackParams {
  name: string;
  stickySender?: boolean;
  localConnect?: boolean;
  applicationType?: string;
  applicationId?: string;
  numberPriority?: unknown[];
}

/** The pool uuid of a Powerpack: the sixth `/`-separated part of `/v1/Account/{id}/NumberPool/{uuid}/`. */
export function poolUuidOf(powerpack: Pick<Powerpack, 'number_pool'>): string {
  const uuid = powerpack.number_pool.split('/')[5];
  if (!uuid) {
    throw new PlivoResponseShapeError(`Powerpack number_pool "${powerpack.number_pool}" holds no pool uuid`, {
      method: 'GET',
      path: 'Powerpack/',
    });
  }
  return uuid;
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function listQuery(options: ListOptions): Record<string, QueryValue> {
  return { limit: options.limit ?? 20, offset: options.offset ?? 0 };
}

function withCallback(params: Record<string, unknown>, callback: PlivoCallback): Record<string, unknown> {
  return { ...params, callback_url: callback.url, callback_method: callback.method ?? 'POST' };
}

export class PlivoClient {
  readonly http: PlivoHttp;

  constructor(options: PlivoClientOptions) {
    this.http = new PlivoHttp(options);
  }

  /** One page of available number groups. */
  async searchNumberGroups(params: SearchNumberGroupsParams): Promise<Page<NumberGroup>> {
    const page = await this.http.call({
      method: 'GET',
      route: 'AvailableNumberGroup/',
      path: 'AvailableNumberGroup/',
      safety: 'safe',
      query: {
        country_iso: params.countryIso,
        number_type: params.numberType,
        prefix: params.prefix,
        region: params.region,
        services: params.services,
        ...listQuery(params),
      },
      schema: pageSchema(numberGroupSchema),
      ...(params.signal ? { signal: params.signal } : {}),
    });
    return { apiId: page.api_id, meta: page.meta, objects: page.objects };
  }

  /** Every matching group, fetched page by page as the caller consumes them. */
  allNumberGroups(params: Omit<SearchNumberGroupsParams, 'offset'>, options?: PaginateOptions): AsyncGenerator<NumberGroup> {
    return paginate((offset, limit) => this.searchNumberGroups({ ...params, offset, limit }), options);
  }

  /**
   * Rents `quantity` numbers from a group. Not idempotent: retried only on 429. A timeout or
   * 5xx throws `PlivoOutcomeUnknownError`: reconcile with the account's numbers before renting again.
   */
  async rentFromGroup(groupId: string, options: RentOptions = {}): Promise<RentResult> {
    const answer = await this.http.call(this.rentCall(groupId, options, rentAnswerSchema));
    if (answer.status === 'pending') {
      return { status: 'pending', apiId: answer.api_id, message: answer.message, details: answer.details };
    }
    return { status: 'fulfilled', apiId: answer.api_id, ...splitNumberStatuses(answer.numbers) };
  }

  /** One page of numbers on offer (`PhoneNumber/`). */
  searchPhoneNumbers(params: SearchPhoneNumbersParams): Promise<Page<PhoneNumber>> {
    return searchPhoneNumbers(this.http, params);
  }

  /** Buys one number (`PhoneNumber/{number}/`); not idempotent, retried only on 429. */
  buyPhoneNumber(number: string, options?: BuyPhoneNumberOptions): Promise<BuyPhoneNumberResult> {
    return buyPhoneNumber(this.http, number, options);
  }

  /** Links numbers the account holds to a 10DLC campaign, in one request (carried out later). */
  linkNumbersToCampaign(campaignId: string, numbers: readonly string[], callback?: LinkCallback): Promise<{ apiId: string | undefined; message: string }> {
    return linkNumbers(this.http, campaignId, numbers, callback);
  }

  /** A number's 10DLC link status for a campaign (`PlivoNotFoundError`: not linked to it). */
  campaignLinkStatus(campaignId: string, number: string): Promise<LinkStatus | undefined> {
    return linkStatusOf(this.http, campaignId, number);
  }

  /** Rent in asynchronous mode: Plivo answers at once and posts the rent's answer to `callback`. */
  rentFromGroupAsync(groupId: string, options: RentOptions, callback: PlivoCallback): Promise<AsyncSpawned> {
    const call = this.rentCall(groupId, options, asyncSpawnedSchema);
    return this.http.call({ ...call, body: withCallback(call.body ?? {}, callback) });
  }

  private rentCall<T>(groupId: string, options: RentOptions, schema: PlivoCall<T>['schema']): PlivoCall<T> {
    return {
      method: 'POST',
      route: 'AvailableNumberGroup/{group_id}/',
      path: `AvailableNumberGroup/${seg(groupId)}/`,
      safety: 'unsafe',
      body: {
        quantity: options.quantity ?? 1,
        ...(options.appId ? { app_id: options.appId } : {}),
        ...(options.complianceApplicationId ? { compliance_application_id: options.complianceApplicationId } : {}),
      },
      schema,
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }

  async listAccountNumbers(filters: AccountNumberFilters = {}): Promise<Page<AccountNumber>> {
    const renewal = filters.renewalDate ?? {};
    const page = await this.http.call({
      method: 'GET',
      route: 'Number/',
      path: 'Number/',
      safety: 'safe',
      query: {
        type: filters.type,
        number_startswith: filters.numberStartsWith,
        alias: filters.alias,
        services: filters.services,
        subaccount: filters.subaccount,
        renewal_date: renewal.eq,
        renewal_date__gt: renewal.gt,
        renewal_date__gte: renewal.gte,
        renewal_date__lt: renewal.lt,
        renewal_date__lte: renewal.lte,
        ...listQuery(filters),
      },
      schema: pageSchema(accountNumberSchema),
      ...(filters.signal ? { signal: filters.signal } : {}),
    });
    return { apiId: page.api_id, meta: page.meta, objects: page.objects };
  }

  allAccountNumbers(filters: Omit<AccountNumberFilters, 'offset'> = {}, options?: PaginateOptions): AsyncGenerator<AccountNumber> {
    return paginate((offset, limit) => this.listAccountNumbers({ ...filters, offset, limit }), options);
  }

  getAccountNumber(number: string, signal?: AbortSignal): Promise<AccountNumber> {
    return this.http.call({
      method: 'GET',
      route: 'Number/{number}/',
      path: `Number/${seg(number)}/`,
      safety: 'safe',
      schema: accountNumberSchema,
      ...(signal ? { signal } : {}),
    });
  }

  /** Sets alias, application or subaccount. Setting values is idempotent, so it is retried. */
  async updateAccountNumber(number: string, changes: { alias?: string; appId?: string; subaccount?: string }): Promise<void> {
    await this.http.call({
      method: 'POST',
      route: 'Number/{number}/',
      path: `Number/${seg(number)}/`,
      safety: 'safe',
      body: {
        ...(changes.alias !== undefined ? { alias: changes.alias } : {}),
        ...(changes.appId !== undefined ? { app_id: changes.appId } : {}),
        ...(changes.subaccount !== undefined ? { subaccount: changes.subaccount } : {}),
      },
      schema: changedSchema,
    });
  }

  /**
   * Unrents a number (gives it back to Plivo; no refund). Repeating it is harmless: a number that
   * is already gone answers 404, reported as `alreadyGone` rather than as an error.
   */
  async unrentNumber(number: string): Promise<{ alreadyGone: boolean }> {
    try {
      await this.http.call({
        method: 'DELETE',
        route: 'Number/{number}/',
        path: `Number/${seg(number)}/`,
        safety: 'safe',
        schema: null,
      });
      return { alreadyGone: false };
    } catch (error) {
      if (error instanceof Error && error.name === 'PlivoNotFoundError') return { alreadyGone: true };
      throw error;
    }
  }

  /** Adds a number the account holds to a pool. Not idempotent (a second add is refused). */
  addToPool(poolUuid: string, number: string, options: { service?: PoolService; signal?: AbortSignal } = {}): Promise<PoolNumber> {
    return this.http.call({
      method: 'POST',
      route: 'NumberPool/{uuid}/Number/{number}/',
      path: `NumberPool/${seg(poolUuid)}/Number/${seg(number)}/`,
      safety: 'unsafe',
      body: { service: options.service ?? 'sms' },
      schema: poolNumberSchema,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  getPoolNumber(poolUuid: string, number: string, signal?: AbortSignal): Promise<PoolNumber> {
    return this.http.call({
      method: 'GET',
      route: 'NumberPool/{uuid}/Number/{number}/',
      path: `NumberPool/${seg(poolUuid)}/Number/${seg(number)}/`,
      safety: 'safe',
      schema: poolNumberSchema,
      ...(signal ? { signal } : {}),
    });
  }

  async listPoolNumbers(poolUuid: string, filters: PoolNumberFilters = {}): Promise<Page<PoolNumber>> {
    return this.listPool(poolUuid, 'Number', filters);
  }

  allPoolNumbers(poolUuid: string, filters: Omit<PoolNumberFilters, 'offset'> = {}, options?: PaginateOptions): AsyncGenerator<PoolNumber> {
    return paginate((offset, limit) => this.listPoolNumbers(poolUuid, { ...filters, offset, limit }), options);
  }

  /** Removes a number from a pool; with `unrent: true` Plivo also unrents it. Not idempotent. */
  removeFromPool(poolUuid: string, number: string, options: { unrent?: boolean } = {}): Promise<{ response: string }> {
    return this.removeMember(poolUuid, 'Number', number, options.unrent ?? false);
  }

  addTollfreeToPool(poolUuid: string, number: string, options: { service?: PoolService } = {}): Promise<PoolNumber> {
    return this.http.call({
      method: 'POST',
      route: 'NumberPool/{uuid}/Tollfree/{number}/',
      path: `NumberPool/${seg(poolUuid)}/Tollfree/${seg(number)}/`,
      safety: 'unsafe',
      body: options.service ? { service: options.service } : {},
      schema: poolNumberSchema,
    });
  }

  getPoolTollfree(poolUuid: string, number: string): Promise<PoolNumber> {
    return this.http.call({
      method: 'GET',
      route: 'NumberPool/{uuid}/Tollfree/{number}/',
      path: `NumberPool/${seg(poolUuid)}/Tollfree/${seg(number)}/`,
      safety: 'safe',
      schema: poolNumberSchema,
    });
  }

  listPoolTollfree(poolUuid: string, options: ListOptions = {}): Promise<Page<PoolNumber>> {
    return this.listPool(poolUuid, 'Tollfree', options);
  }

  removeTollfreeFromPool(poolUuid: string, number: string, options: { unrent?: boolean } = {}): Promise<{ response: string }> {
    return this.removeMember(poolUuid, 'Tollfree', number, options.unrent ?? false);
  }

  getPoolShortcode(poolUuid: string, shortcode: string): Promise<PoolShortcode> {
    return this.http.call({
      method: 'GET',
      route: 'NumberPool/{uuid}/Shortcode/{shortcode}/',
      path: `NumberPool/${seg(poolUuid)}/Shortcode/${seg(shortcode)}/`,
      safety: 'safe',
      schema: poolShortcodeSchema,
    });
  }

  async listPoolShortcodes(poolUuid: string, options: ListOptions = {}): Promise<Page<PoolShortcode>> {
    const page = await this.http.call({
      method: 'GET',
      route: 'NumberPool/{uuid}/Shortcode/',
      path: `NumberPool/${seg(poolUuid)}/Shortcode/`,
      safety: 'safe',
      query: listQuery(options),
      schema: pageSchema(poolShortcodeSchema),
    });
    return { apiId: page.api_id, meta: page.meta, objects: page.objects };
  }

  /** Unlinks a shortcode from a pool (Plivo never unrents shortcodes this way). */
  removeShortcodeFromPool(poolUuid: string, shortcode: string): Promise<{ response: string }> {
    return this.http.call({
      method: 'DELETE',
      route: 'NumberPool/{uuid}/Shortcode/{shortcode}/',
      path: `NumberPool/${seg(poolUuid)}/Shortcode/${seg(shortcode)}/`,
      safety: 'unsafe',
      schema: removedSchema,
    });
  }

  /** Creates a Powerpack; Plivo creates its (empty) number pool with it. */
  createPowerpack(params: CreatePowerpackParams): Promise<Powerpack> {
    return this.http.call({
      method: 'POST',
      route: 'Powerpack/',
      path: 'Powerpack/',
      safety: 'unsafe',
      body: {
        name: params.name,
        ...(params.stickySender !== undefined ? { sticky_sender: params.stickySender } : {}),
        ...(params.localConnect !== undefined ? { local_connect: params.localConnect } : {}),
        ...(params.applicationType !== undefined ? { application_type: params.applicationType } : {}),
        ...(params.applicationId !== undefined ? { application_id: params.applicationId } : {}),
        ...(params.numberPriority !== undefined ? { number_priority: params.numberPriority } : {}),
      },
      schema: powerpackSchema,
    });
  }

  getPowerpack(uuid: string): Promise<Powerpack> {
    return this.http.call({
      method: 'GET',
      route: 'Powerpack/{uuid}/',
      path: `Powerpack/${seg(uuid)}/`,
      safety: 'safe',
      schema: powerpackSchema,
    });
  }

  private async listPool(poolUuid: string, kind: 'Number' | 'Tollfree', filters: PoolNumberFilters): Promise<Page<PoolNumber>> {
    const page = await this.http.call({
      method: 'GET',
      route: `NumberPool/{uuid}/${kind}/`,
      path: `NumberPool/${seg(poolUuid)}/${kind}/`,
      safety: 'safe',
      query: {
        starts_with: filters.startsWith?.join(','),
        country_iso2: filters.countryIso2,
        type: filters.type,
        service: filters.service,
        ...listQuery(filters),
      },
      schema: pageSchema(poolNumberSchema),
      ...(filters.signal ? { signal: filters.signal } : {}),
    });
    return { apiId: page.api_id, meta: page.meta, objects: page.objects };
  }

  private async removeMember(poolUuid: string, kind: 'Number' | 'Tollfree', number: string, unrent: boolean): Promise<{ response: string }> {
    const answer = await this.http.call({
      method: 'DELETE',
      route: `NumberPool/{uuid}/${kind}/{number}/`,
      path: `NumberPool/${seg(poolUuid)}/${kind}/${seg(number)}/`,
      safety: 'unsafe',
      body: { unrent },
      schema: removedSchema,
    });
    return { response: answer.response };
  }
}

