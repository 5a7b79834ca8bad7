/**
 * Searching and renting numbers (`AvailableNumberGroup/`) and the account's numbers (`Number/`),
 * built to Plivo's reference pages (available-number-group.txt, account-phone-number.txt,
 * number-api-legacy.txt).
 */
import { z } from 'zod';
import { CATALOGUE, findGroup, type Capability, type NumberGroup } from './catalogue.js';
import { badRequest, notFound } from './http.js';
import type { AccountNumber } from './model.js';
import { paginate } from './pagination.js';
import { nextRenewal } from './renewal.js';
import {
  enumParam,
  intParam,
  limitParam,
  listParam,
  offsetParam,
  optionalPattern,
  optionalText,
  parseParams,
  requiredText,
} from './params.js';
import type { ApiContext, Operation, RouteSpec } from './router.js';
import type { SandboxWorld } from './world.js';

export const CAPABILITIES = ['voice', 'sms', 'mms'] as const;
const SEARCH_TYPES = ['local', 'national', 'tollfree', 'mobile'] as const;
const ACCOUNT_TYPES = ['local', 'mobile', 'fixed', 'national', 'tollfree'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const accountPath = (accountId: string): string => `/v1/Account/${accountId}/`;

/** Plivo writes an unavailable service's rate as the number -1. */
export const rateOrMinusOne = (enabled: boolean, rate: string): string | number => (enabled ? rate : -1);

export function hasCapabilities(item: { voiceEnabled: boolean; smsEnabled: boolean; mmsEnabled: boolean }, wanted: readonly Capability[]): boolean {
  const has: Record<Capability, boolean> = { voice: item.voiceEnabled, sms: item.smsEnabled, mms: item.mmsEnabled };
  return wanted.every((capability) => has[capability]);
}

// ---- search ----------------------------------------------------------------------------------

const searchSchema = z
  .object({
    country_iso: requiredText('country_iso').pipe(
      z.string().regex(/^[A-Za-z]{2}$/, { error: 'country_iso must be a two-letter ISO code such as US' }),
    ),
    number_type: enumParam('number_type', SEARCH_TYPES),
    prefix: optionalPattern('prefix', /^\d{1,5}$/, 'prefix must be numeric and at most 5 digits'),
    region: optionalText('region'),
    services: listParam('services', CAPABILITIES),
    limit: limitParam(),
    offset: offsetParam(),
  })
  .superRefine((params, ctx) => {
    if (params.region !== undefined && (params.number_type ?? 'local') !== 'local') {
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'region is only allowed when number_type is local' });
    }
  });

function groupObject(group: NumberGroup, stock: number, accountId: string): Record<string, unknown> {
  return {
    group_id: group.groupId,
    number_type: group.numberType,
    prefix: group.prefix,
    region: group.region,
    rental_rate: group.rentalRate,
    setup_rate: group.setupRate,
    sms_enabled: group.smsEnabled,
    mms_enabled: group.mmsEnabled,
    voice_enabled: group.voiceEnabled,
    sms_rate: rateOrMinusOne(group.smsEnabled, group.smsRate),
    voice_rate: rateOrMinusOne(group.voiceEnabled, group.voiceRate),
    stock,
    resource_uri: `${accountPath(accountId)}AvailableNumberGroup/${group.groupId}/`,
  };
}

function searchGroups(ctx: ApiContext): Operation {
  const p = parseParams(searchSchema, ctx.params);
  const country = p.country_iso.toUpperCase();
  const numberType = p.number_type ?? 'local';
  const region = p.region?.toLowerCase();
  return () => {
    const { inventory } = ctx.world;
    // Groups match when their prefix starts with the one asked for (prefix 51 finds 512 and 510).
    const groups = CATALOGUE.filter(
      (group) =>
        group.countryIso2 === country &&
        group.numberType === numberType &&
        inventory.stockOf(group.groupId) > 0 &&
        (p.prefix === undefined || group.prefix.startsWith(p.prefix)) &&
        (region === undefined || group.region.toLowerCase().includes(region)) &&
        hasCapabilities(group, p.services ?? []),
    );
    const page = paginate(groups, {
      basePath: `${accountPath(ctx.accountId)}AvailableNumberGroup/`,
      limit: p.limit,
      offset: p.offset,
      none: null,
      filters: [
        ['country_iso', country],
        ['number_type', p.number_type],
        ['prefix', p.prefix],
        ['region', p.region],
        ['services', p.services?.join(',')],
      ],
    });
    return {
      status: 200,
      body: { meta: page.meta, objects: page.objects.map((group) => groupObject(group, inventory.stockOf(group.groupId), ctx.accountId)) },
    };
  };
}

// ---- rent ------------------------------------------------------------------------------------

const rentSchema = z.object({
  quantity: intParam('quantity', { min: 1, fallback: 1, message: 'quantity must be a positive whole number' }),
  app_id: optionalText('app_id'),
  compliance_application_id: optionalText('compliance_application_id'),
});

const pendingDetails = (quantity: number, group: NumberGroup): string =>
  `Order for ${quantity} numbers(Region: ${group.region}, number_type: ${group.numberType}, Prefix: ${group.prefix}) initiated. ` +
  'For this order, some additional information is required by the telecom regulatory authorities. ' +
  'Our support team will get in touch with you soon.';

function rentFromGroup(ctx: ApiContext): Operation {
  const p = parseParams(rentSchema, ctx.params);
  const quantity = p.quantity ?? 1;
  const groupId = ctx.path.group_id ?? '';
  return () => {
    const { world } = ctx;
    const group = findGroup(groupId);
    if (!group) throw notFound(`group_id ${groupId} not found: no such number group`);
    const stock = world.inventory.stockOf(groupId);
    // Plivo's page does not say what an order beyond the stock does; the sandbox refuses it whole
    // rather than filling part of it, so a client never gets fewer numbers than it asked for
    // without being told.
    if (quantity > stock) throw badRequest(`quantity ${quantity} is more than the ${stock} numbers in stock in group ${groupId}`);
    const outcome = world.rent(group, quantity, p.app_id ?? world.options.defaultAppId, ctx.failNumber, p.compliance_application_id);
    if (outcome.kind === 'pending') {
      return { status: 201, body: { status: 'pending', message: 'created', details: pendingDetails(quantity, group) } };
    }
    // The per-number pending shape carries "message" as Plivo's "Buy a phone number" answer does.
    const pending = outcome.numbers.some((entry) => entry.status === 'pending');
    return { status: 201, body: { ...(pending ? { message: 'created' } : {}), numbers: outcome.numbers, status: 'fulfilled' } };
  };
}

// ---- account numbers -------------------------------------------------------------------------

/** YYYY-MM-DD of an ISO time. */
const day = (iso: string): string => iso.slice(0, 10);

/** The type the account list shows: a local number may be listed as `fixed`, as Plivo's own examples show. */
const listedType = (record: AccountNumber): string => (record.listedAsFixed === true ? 'fixed' : record.numberType);

/** renewal_date: set by the admin route, else the next monthly anniversary after the sandbox's today. */
const renewalOf = (record: AccountNumber, nowMs: number): string => record.renewalDate ?? nextRenewal(record.addedAt, nowMs);

/** The AccountPhoneNumber object (account-phone-number.txt), with exactly Plivo's fields. */
function accountNumberObject(record: AccountNumber, accountId: string, world: SandboxWorld): Record<string, unknown> {
  const nowMs = world.now();
  const tendlc = world.tendlcRegistration(record);
  return {
    number: record.number,
    alias: record.alias,
    sub_account: record.subaccount,
    added_on: day(record.addedAt),
    application: record.appId === null ? null : `${accountPath(accountId)}Application/${record.appId}/`,
    carrier: 'Plivo',
    region: record.region,
    number_type: listedType(record),
    monthly_rental_rate: record.monthlyRentalRate,
    renewal_date: renewalOf(record, nowMs),
    sms_enabled: record.smsEnabled,
    sms_rate: rateOrMinusOne(record.smsEnabled, record.smsRate),
    mms_enabled: record.mmsEnabled,
    mms_rate: rateOrMinusOne(record.mmsEnabled, record.mmsRate),
    voice_enabled: record.voiceEnabled,
    voice_rate: rateOrMinusOne(record.voiceEnabled, record.voiceRate),
    resource_uri: `${accountPath(accountId)}Number/${record.number}/`,
    cnam_lookup: cnamLookup(record),
    cnam: null,
    tendlc_registration_status: tendlc?.status ?? null,
    tendlc_campaign_id: tendlc?.campaignId ?? null,
    toll_free_sms_verification: tollfreeVerification(record),
    profile_uuid: null,
    caller_reputation_status: null,
    // Plivo's AccountPhoneNumber object has no field for "bought, awaiting verification"; the
    // sandbox borrows the buy answer's per-number "status": "pending" (docs/plivo-sandbox.md).
    ...(record.pending === true ? { status: 'pending' } : {}),
  };
}

/** US numbers only; `enabled` when bought through `PhoneNumber/` with `cnam_lookup=enabled`. */
function cnamLookup(record: AccountNumber): string | null {
  return record.countryIso2 === 'US' ? (record.cnamLookup ?? 'disabled') : null;
}

function tollfreeVerification(record: AccountNumber): string | null {
  return record.countryIso2 === 'US' && record.numberType === 'tollfree' ? 'UNVERIFIED' : null;
}

/**
 * The list's filter values are not the field's values (Plivo's "List account phone numbers"
 * page: filter `unregistered, in_progress, registered`; field `UNREGISTERED, PROCESSING,
 * COMPLETED`). The sandbox pairs them in order.
 */
const TENDLC_FILTER = { unregistered: 'UNREGISTERED', in_progress: 'PROCESSING', registered: 'COMPLETED' } as const;
const TOLLFREE_FILTER = { unverified: 'UNVERIFIED', pending_verification: 'PENDING_VERIFICATION', verified: 'VERIFIED' } as const;
const keys = <T extends Record<string, string>>(record: T): [keyof T & string, ...(keyof T & string)[]] =>
  Object.keys(record) as [keyof T & string, ...(keyof T & string)[]];

const dateFilter = (name: string) => optionalPattern(name, DATE, `${name} must be a date written YYYY-MM-DD`);

const listSchema = z.object({
  type: enumParam('type', ACCOUNT_TYPES),
  number_type: enumParam('number_type', ACCOUNT_TYPES),
  number_startswith: optionalPattern('number_startswith', /^\d{1,15}$/, 'number_startswith must be digits'),
  alias: optionalText('alias'),
  services: listParam('services', CAPABILITIES),
  subaccount: optionalText('subaccount'),
  renewal_date: dateFilter('renewal_date'),
  renewal_date__gt: dateFilter('renewal_date__gt'),
  renewal_date__gte: dateFilter('renewal_date__gte'),
  renewal_date__lt: dateFilter('renewal_date__lt'),
  renewal_date__lte: dateFilter('renewal_date__lte'),
  cnam_lookup: enumParam('cnam_lookup', ['enabled', 'disabled']),
  tendlc_registration_status: enumParam('tendlc_registration_status', keys(TENDLC_FILTER)),
  tendlc_campaign_id: optionalText('tendlc_campaign_id'),
  toll_free_sms_verification: enumParam('toll_free_sms_verification', keys(TOLLFREE_FILTER)),
  limit: limitParam(),
  offset: offsetParam(),
});

/**
 * A type filter matches the type the list shows, exactly: Plivo's page names `local` and `fixed`
 * as two values and does not say one includes the other, so a client that asks for `local` must
 * expect to miss the numbers listed `fixed` (the strict reading, where a client's mistake shows).
 */
function typeMatches(filter: (typeof ACCOUNT_TYPES)[number] | undefined, record: AccountNumber): boolean {
  return filter === undefined || filter === listedType(record);
}

/** The list's filters beyond type, dates and number: the 10DLC, toll-free and CNAM ones. */
function complianceMatches(filters: z.output<typeof listSchema>, record: AccountNumber, world: SandboxWorld): boolean {
  const { cnam_lookup, tendlc_registration_status, tendlc_campaign_id, toll_free_sms_verification } = filters;
  const tendlc = world.tendlcRegistration(record);
  return (
    (cnam_lookup === undefined || cnamLookup(record) === cnam_lookup) &&
    (tendlc_registration_status === undefined || tendlc?.status === TENDLC_FILTER[tendlc_registration_status]) &&
    (tendlc_campaign_id === undefined || tendlc?.campaignId === tendlc_campaign_id) &&
    (toll_free_sms_verification === undefined || tollfreeVerification(record) === TOLLFREE_FILTER[toll_free_sms_verification])
  );
}

function listNumbers(ctx: ApiContext): Operation {
  const p = parseParams(listSchema, ctx.params);
  const { limit, offset, ...filters } = p;
  return () => {
    const { world } = ctx;
    const nowMs = world.now();
    // Cached per filter set until the account changes: walking 100,000 numbers page by page
    // must not filter them all again for each page.
    const today = new Date(nowMs).toISOString().slice(0, 10);
    const matching = world.cached(`numbers:${today}:${JSON.stringify(filters)}`, () =>
      world.accountNumbers().filter((record) => {
        const renewal = renewalOf(record, nowMs);
        return (
          typeMatches(filters.type, record) &&
          typeMatches(filters.number_type, record) &&
          complianceMatches(p, record, ctx.world) &&
          (filters.number_startswith === undefined || record.number.startsWith(filters.number_startswith)) &&
          (filters.alias === undefined || record.alias === filters.alias) &&
          (filters.subaccount === undefined || record.subaccount === filters.subaccount) &&
          hasCapabilities(record, filters.services ?? []) &&
          (filters.renewal_date === undefined || renewal === filters.renewal_date) &&
          (filters.renewal_date__gt === undefined || renewal > filters.renewal_date__gt) &&
          (filters.renewal_date__gte === undefined || renewal >= filters.renewal_date__gte) &&
          (filters.renewal_date__lt === undefined || renewal < filters.renewal_date__lt) &&
          (filters.renewal_date__lte === undefined || renewal <= filters.renewal_date__lte)
        );
      }),
    );
    const page = paginate(matching, {
      basePath: `${accountPath(ctx.accountId)}Number/`,
      limit,
      offset,
      none: null,
      filters: [
        ['type', filters.type],
        ['number_type', filters.number_type],
        ['number_startswith', filters.number_startswith],
        ['alias', filters.alias],
        ['services', filters.services?.join(',')],
        ['subaccount', filters.subaccount],
        ['renewal_date', filters.renewal_date],
        ['renewal_date__gt', filters.renewal_date__gt],
        ['renewal_date__gte', filters.renewal_date__gte],
        ['renewal_date__lt', filters.renewal_date__lt],
        ['renewal_date__lte', filters.renewal_date__lte],
        ['cnam_lookup', filters.cnam_lookup],
        ['tendlc_registration_status', filters.tendlc_registration_status],
        ['tendlc_campaign_id', filters.tendlc_campaign_id],
        ['toll_free_sms_verification', filters.toll_free_sms_verification],
      ],
    });
    return { status: 200, body: { meta: page.meta, objects: page.objects.map((record) => accountNumberObject(record, ctx.accountId, ctx.world)) } };
  };
}

function ownedNumber(ctx: ApiContext): AccountNumber {
  const number = ctx.path.number ?? '';
  const record = ctx.world.account.get(number);
  if (!record) throw notFound(`number ${number} not found in this account`);
  return record;
}

function getNumber(ctx: ApiContext): Operation {
  return () => ({ status: 200, body: accountNumberObject(ownedNumber(ctx), ctx.accountId, ctx.world) });
}

const SUBACCOUNT = /^SA[A-Z0-9]{18}$/;

const updateSchema = z.object({
  alias: optionalText('alias', true),
  app_id: optionalText('app_id', true),
  subaccount: optionalText('subaccount', true).refine(
    (value) => value === undefined || value === '' || value === 'null' || SUBACCOUNT.test(value),
    { error: 'subaccount must be a subaccount auth_id (SA followed by 18 capital letters or digits)' },
  ),
});

/** "" and "null" clear a value (Plivo: app_id set to null unlinks the application). */
const cleared = (value: string): string | null => (value === '' || value === 'null' ? null : value);

function updateNumber(ctx: ApiContext): Operation {
  const p = parseParams(updateSchema, ctx.params);
  return () => {
    const record = ownedNumber(ctx);
    ctx.world.account.update(record.number, {
      ...(p.alias === undefined ? {} : { alias: cleared(p.alias) }),
      ...(p.app_id === undefined ? {} : { appId: cleared(p.app_id) }),
      ...(p.subaccount === undefined ? {} : { subaccount: cleared(p.subaccount) }),
    });
    ctx.world.touch();
    return { status: 202, body: { message: 'changed' } };
  };
}

function unrentNumber(ctx: ApiContext): Operation {
  return () => {
    const record = ownedNumber(ctx);
    ctx.world.unrent(record.number);
    return { status: 204 };
  };
}

export const numberRoutes: readonly RouteSpec[] = [
  { method: 'GET', pattern: 'AvailableNumberGroup/', prepare: searchGroups },
  { method: 'POST', pattern: 'AvailableNumberGroup/{group_id}/', prepare: rentFromGroup },
  { method: 'GET', pattern: 'Number/', prepare: listNumbers },
  { method: 'GET', pattern: 'Number/{number}/', prepare: getNumber },
  { method: 'POST', pattern: 'Number/{number}/', prepare: updateNumber },
  { method: 'DELETE', pattern: 'Number/{number}/', prepare: unrentNumber },
];
