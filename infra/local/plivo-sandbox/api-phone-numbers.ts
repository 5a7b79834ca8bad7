/**
 * Plivo's current number API, `PhoneNumber/`: search for numbers one by one, and buy one, as
 * https://www.plivo.com/docs/numbers/phone-numbers and
 * https://www.plivo.com/docs/numbers/api/phone-number/buy-a-phone-number/ describe it. The numbers
 * come from the same inventory as `AvailableNumberGroup/` rents (see inventory.ts).
 */
import { z } from 'zod';
import { CATALOGUE, COUNTRIES, type NumberGroup } from './catalogue.js';
import { accountPath, CAPABILITIES, hasCapabilities, rateOrMinusOne } from './api-numbers.js';
import { badRequest, notFound } from './http.js';
import { pageMeta } from './pagination.js';
import { enumParam, limitParam, listParam, offsetParam, optionalPattern, optionalText, parseParams, requiredText } from './params.js';
import type { ApiContext, Operation, RouteSpec } from './router.js';
import type { SandboxWorld } from './world.js';

const SEARCH_TYPES = ['local', 'national', 'fixed', 'mobile', 'tollfree', 'any'] as const;
type SearchType = (typeof SEARCH_TYPES)[number];

/**
 * A pattern longer than a group's prefix is a vanity search: the sandbox makes up to this many
 * numbers per group that start with it (Plivo does not say how many a vanity search can find).
 */
const VANITY_PER_GROUP = 20;

const searchSchema = z
  .object({
    country_iso: requiredText('country_iso').pipe(
      z.string().regex(/^[A-Za-z]{2}$/, { error: 'country_iso must be a two-letter ISO code such as US' }),
    ),
    type: enumParam('type', SEARCH_TYPES),
    pattern: optionalPattern('pattern', /^\d{1,12}$/, 'pattern must be digits (the number after the country code starts with them)'),
    region: optionalText('region'),
    services: listParam('services', CAPABILITIES),
    limit: limitParam(),
    offset: offsetParam(),
  })
  .superRefine((params, ctx) => {
    if (params.region !== undefined && (params.type ?? 'local') !== 'local') {
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'region is only allowed when type is local' });
    }
  });

function typeMatches(type: SearchType, group: NumberGroup): boolean {
  if (type === 'any') return true;
  if (type === 'fixed') return group.numberType === 'local' || group.numberType === 'national';
  return group.numberType === type;
}

/** The number object's `type`: local and national numbers are "fixed". */
const plivoType = (group: NumberGroup): string => (group.numberType === 'local' || group.numberType === 'national' ? 'fixed' : group.numberType);

/** A stable made-up LATA for a NANP area code (Plivo gives one for US and Canada only). */
const lataOf = (prefix: string): number => 100 + (Number(prefix) % 900);

function phoneNumberObject(world: SandboxWorld, group: NumberGroup, number: string, accountId: string): Record<string, unknown> {
  const country = COUNTRIES[group.countryIso2];
  const nanp = country?.nanp === true;
  const city = group.numberType === 'local' ? (group.region.split(',')[0] ?? group.region) : null;
  const regulated = world.isPendingCountry(group.countryIso2);
  return {
    number,
    prefix: group.prefix,
    city,
    country: country?.name ?? group.countryIso2,
    region: group.numberRegion,
    rate_center: nanp && city !== null ? city.slice(0, 10) : null,
    lata: nanp && group.numberType === 'local' ? lataOf(group.prefix) : null,
    type: plivoType(group),
    sub_type: group.numberType,
    setup_rate: group.setupRate,
    monthly_rental_rate: group.rentalRate,
    sms_enabled: group.smsEnabled,
    sms_rate: rateOrMinusOne(group.smsEnabled, group.smsRate),
    mms_enabled: group.mmsEnabled,
    mms_rate: rateOrMinusOne(group.mmsEnabled, group.mmsRate),
    voice_enabled: group.voiceEnabled,
    voice_rate: rateOrMinusOne(group.voiceEnabled, group.voiceRate),
    restriction: regulated ? (group.numberType === 'local' ? 'city-address' : 'country-address') : null,
    restriction_text: regulated
      ? `A proof of address${group.numberType === 'local' ? ' in the number\'s city' : ''} and identity documents are required; the number is activated once they are approved.`
      : null,
    resource_uri: `${accountPath(accountId)}PhoneNumber/${number}/`,
  };
}

/** How many numbers a group can show for `head` (calling code + pattern). */
function available(world: SandboxWorld, group: NumberGroup, head: string): number {
  const start = (COUNTRIES[group.countryIso2]?.callingCode ?? '') + group.prefix;
  if (head.length <= start.length) return start.startsWith(head) ? world.inventory.stockOf(group.groupId) : 0;
  if (!head.startsWith(start)) return 0;
  return world.inventory.offer(group, VANITY_PER_GROUP, head).length;
}

function searchNumbers(ctx: ApiContext): Operation {
  const p = parseParams(searchSchema, ctx.params);
  const countryIso = p.country_iso.toUpperCase();
  const type = p.type ?? 'local';
  const region = p.region?.toLowerCase();
  const head = (COUNTRIES[countryIso]?.callingCode ?? '') + (p.pattern ?? '');
  return () => {
    const { world } = ctx;
    const groups = CATALOGUE.filter(
      (group) =>
        group.countryIso2 === countryIso &&
        typeMatches(type, group) &&
        (region === undefined || group.region.toLowerCase().includes(region)) &&
        hasCapabilities(group, p.services ?? []),
    ).map((group) => ({ group, count: available(world, group, head) }));
    const total = groups.reduce((sum, entry) => sum + entry.count, 0);
    const objects: Record<string, unknown>[] = [];
    let skip = p.offset;
    for (const { group, count } of groups) {
      if (objects.length >= p.limit) break;
      if (skip >= count) {
        skip -= count;
        continue;
      }
      const take = Math.min(count - skip, p.limit - objects.length);
      for (const number of world.inventory.offer(group, skip + take, head).slice(skip)) {
        objects.push(phoneNumberObject(world, group, number, ctx.accountId));
      }
      skip = 0;
    }
    // Numbers shown are now remembered (they are what this group hands out next).
    world.touch();
    const meta = pageMeta(total, {
      basePath: `${accountPath(ctx.accountId)}PhoneNumber/`,
      limit: p.limit,
      offset: p.offset,
      none: null,
      filters: [
        ['country_iso', countryIso],
        ['type', p.type],
        ['pattern', p.pattern],
        ['region', p.region],
        ['services', p.services?.join(',')],
      ],
    });
    return { status: 200, body: { meta, objects } };
  };
}

const buySchema = z.object({
  app_id: optionalText('app_id'),
  cnam_lookup: enumParam('cnam_lookup', ['enabled', 'disabled']),
  compliance_application_id: optionalText('compliance_application_id'),
});

function buyNumber(ctx: ApiContext): Operation {
  const p = parseParams(buySchema, ctx.params);
  const number = ctx.path.number ?? '';
  if (!/^\d{6,15}$/.test(number)) throw badRequest(`number ${number} must be digits in E.164 without "+"`);
  return () => {
    const { world } = ctx;
    if (world.account.has(number)) throw badRequest(`number ${number} is already in your account`);
    const outcome = world.buy(number, p.app_id ?? world.options.defaultAppId, p.compliance_application_id);
    // Plivo's page does not show the answer for a number that cannot be bought; see docs/plivo-sandbox.md.
    if (!outcome) throw notFound(`number ${number} is not available to buy: search PhoneNumber/ for numbers on offer`);
    const record = world.account.get(number);
    if (record && record.countryIso2 === 'US' && p.cnam_lookup !== undefined) record.cnamLookup = p.cnam_lookup;
    const numbers = outcome.kind === 'fulfilled' ? outcome.numbers : [];
    return { status: 201, body: { message: 'created', numbers, status: 'fulfilled' } };
  };
}

export const phoneNumberRoutes: readonly RouteSpec[] = [
  { method: 'GET', pattern: 'PhoneNumber/', prepare: searchNumbers },
  { method: 'POST', pattern: 'PhoneNumber/{number}/', prepare: buyNumber },
];
