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

/** A month after the number was added (the next bill), clamped to the month's last day. */
export function renewalDate(addedAt: string): string {
  const added = new Date(addedAt);
  const year = added.getUTCFullYear();
  const month = added.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return day(new Date(Date.UTC(year, month, Math.min(added.getUTCDate(), lastDay))).toISOString());
}

/** The AccountPhoneNumber object (account-phone-number.txt), with exactly Plivo's fields. */
export function accountNumberObject(record: AccountNumber, accountId: string): Record<string, unknown> {
  const us = record.countryIso2 === 'US';
  return {
    number: record.number,
    alias: record.alias,
    sub_account: record.subaccount,
    added_on: day(record.addedAt),
    application: record.appId === null ? null : `${accountPath(accountId)}Application/${record.appId}/`,
    carrier: 'Plivo',
    region: record.region,
    number_type: record.numberType,
    monthly_rental_rate: record.monthlyRentalRate,
    renewal_date: record.renewalDate ?? renewalDate(record.addedAt),
    sms_enabled: record.smsEnabled,
    sms_rate: rateOrMinusOne(record.smsEnabled, record.smsRate),
    mms_enabled: record.mmsEnabled,
    mms_rate: rateOrMinusOne(record.mmsEnabled, record.mmsRate),
    voice_enabled: record.voiceEnabled,
    voice_rate: rateOrMinusOne(record.voiceEnabled, record.voiceRate),
    resource_uri: `${accountPath(accountId)}Number/${record.number}/`,
    cnam_lookup: us ? (record.cnamLookup ?? 'disabled') : null,
    cnam: null,
    tendlc_registration_status: us && record.numberType === 'local' && record.smsEnabled ? 'UNREGISTERED' : null,
    tendlc_campaign_id: null,
    toll_free_sms_verification: us && record.numberType === 'tollfree' ? 'UNVERIFIED' : null,
    profile_uuid: null,
    caller_reputation_status: null,
    // Plivo's AccountPhoneNumber object has no field for "bought, awaiting verification"; the
    // sandbox borrows the buy answer's per-number "status": "pending" (docs/plivo-sandbox.md).
    ...(record.pending === true ? { status: 'pending' } : {}),
  };
}

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
  limit: limitParam(),
  offset: offsetParam(),
});

/** "fixed" covers local and national numbers (as in the pool pages); other types match exactly. */
function typeMatches(filter: (typeof ACCOUNT_TYPES)[number] | undefined, type: AccountNumber['numberType']): boolean {
  if (filter === undefined) return true;
  return filter === 'fixed' ? type === 'local' || type === 'national' : filter === type;
}

function listNumbers(ctx: ApiContext): Operation {
  const p = parseParams(listSchema, ctx.params);
  const { limit, offset, ...filters } = p;
  return () => {
    const { world } = ctx;
    // Cached per filter set until the account changes: walking 100,000 numbers page by page
    // must not filter them all again for each page.
    const matching = world.cached(`numbers:${JSON.stringify(filters)}`, () =>
      world.accountNumbers().filter((record) => {
        const renewal = record.renewalDate ?? renewalDate(record.addedAt);
        return (
          typeMatches(filters.type, record.numberType) &&
          typeMatches(filters.number_type, record.numberType) &&
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
      ],
    });
    return { status: 200, body: { meta: page.meta, objects: page.objects.map((record) => accountNumberObject(record, ctx.accountId)) } };
  };
}

function ownedNumber(ctx: ApiContext): AccountNumber {
  const number = ctx.path.number ?? '';
  const record = ctx.world.account.get(number);
  if (!record) throw notFound(`number ${number} not found in this account`);
  return record;
}

function getNumber(ctx: ApiContext): Operation {
  return () => ({ status: 200, body: accountNumberObject(ownedNumber(ctx), ctx.accountId) });
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
