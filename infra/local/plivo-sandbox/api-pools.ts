/**
 * Powerpacks and their number pools: `Powerpack/`, `NumberPool/{uuid}/` and its `Number/`,
 * `Tollfree/` and `Shortcode/` sub-resources (numberpool-*.txt), shaped the way the plivo SDK's
 * powerpacks.js reads them.
 */
import { z } from 'zod';
import { COUNTRIES } from './catalogue.js';
import { badRequest, notFound } from './http.js';
import { jsonValueSchema, type AccountNumber, type PoolMember, type Powerpack } from './model.js';
import { paginate } from './pagination.js';
import { booleanParam, enumParam, limitParam, offsetParam, optionalPattern, optionalText, parseParams, requiredText } from './params.js';
import type { Pool } from './pools.js';
import type { ApiContext, Operation, RouteSpec } from './router.js';
import { accountPath } from './api-numbers.js';

/** Which sub-resource of a pool a route serves. */
type PoolNumberKind = 'number' | 'tollfree';

/** A pool member's type in the pool's vocabulary: local and national numbers are "fixed". */
function poolType(record: AccountNumber | undefined): 'fixed' | 'mobile' | 'tollfree' {
  if (record?.numberType === 'tollfree') return 'tollfree';
  if (record?.numberType === 'mobile') return 'mobile';
  return 'fixed';
}

// ---- Powerpack ---------------------------------------------------------------------------------

const createSchema = z.object({
  name: requiredText('name'),
  sticky_sender: booleanParam('sticky_sender', true),
  local_connect: booleanParam('local_connect', true),
  application_type: optionalText('application_type'),
  application_id: optionalText('application_id'),
  number_priority: jsonValueSchema.optional(),
});

function powerpackObject(powerpack: Powerpack, accountId: string): Record<string, unknown> {
  return {
    application_id: powerpack.applicationId,
    application_type: powerpack.applicationType,
    created_on: powerpack.createdOn,
    local_connect: powerpack.localConnect,
    name: powerpack.name,
    // The SDK takes the pool uuid from the sixth '/'-separated part of this URI.
    number_pool: `${accountPath(accountId)}NumberPool/${powerpack.poolUuid}/`,
    number_priority: powerpack.numberPriority,
    sticky_sender: powerpack.stickySender,
    uuid: powerpack.uuid,
  };
}

function createPowerpack(ctx: ApiContext): Operation {
  const p = parseParams(createSchema, ctx.params);
  return () => {
    const { world } = ctx;
    // "Must be unique across all Powerpacks in customer's account."
    // (https://www.plivo.com/docs/sms/api/powerpack/create-a-powerpack/)
    if (world.pools.allPowerpacks().some((existing) => existing.name === p.name)) {
      throw badRequest(`name ${p.name} is already used by another Powerpack of this account: Powerpack names must be unique`);
    }
    const powerpack = world.pools.createPowerpack(
      world.resourcesRandom.uuid(),
      world.resourcesRandom.uuid(),
      {
        name: p.name,
        stickySender: p.sticky_sender,
        localConnect: p.local_connect,
        applicationType: p.application_type ?? '',
        applicationId: p.application_id ?? '',
        numberPriority: p.number_priority ?? [],
      },
      world.now(),
    );
    world.touch();
    return { status: 200, body: powerpackObject(powerpack, ctx.accountId) };
  };
}

function getPowerpack(ctx: ApiContext): Operation {
  return () => {
    const uuid = ctx.path.uuid ?? '';
    const powerpack = ctx.world.pools.powerpack(uuid);
    if (!powerpack) throw notFound(`Powerpack ${uuid} not found`);
    return { status: 200, body: powerpackObject(powerpack, ctx.accountId) };
  };
}

const pageSchema = z.object({ limit: limitParam(), offset: offsetParam() });

function listPowerpacks(ctx: ApiContext): Operation {
  const p = parseParams(pageSchema, ctx.params);
  return () => {
    const page = paginate(ctx.world.pools.allPowerpacks(), {
      basePath: `${accountPath(ctx.accountId)}Powerpack/`,
      limit: p.limit,
      offset: p.offset,
      none: '',
      filters: [],
    });
    return { status: 200, body: { meta: page.meta, objects: page.objects.map((powerpack) => powerpackObject(powerpack, ctx.accountId)) } };
  };
}

// ---- pools -------------------------------------------------------------------------------------

function poolOf(ctx: ApiContext): Pool {
  const uuid = ctx.path.uuid ?? '';
  const pool = ctx.world.pools.pool(uuid);
  if (!pool) throw notFound(`number pool ${uuid} not found`);
  return pool;
}

function getPool(ctx: ApiContext): Operation {
  return () => {
    const pool = poolOf(ctx);
    const base = `${accountPath(ctx.accountId)}NumberPool/${pool.uuid}/`;
    return { status: 200, body: { numbers: `${base}Number/`, shortcodes: `${base}Shortcode/`, uuid: pool.uuid } };
  };
}

function memberObject(ctx: ApiContext, pool: Pool, member: PoolMember, withService: boolean): Record<string, unknown> {
  const record = ctx.world.account.get(member.number);
  return {
    account_phone_number_resource: `${accountPath(ctx.accountId)}Number/${member.number}/`,
    added_on: member.addedAt,
    country_iso2: record?.countryIso2 ?? '',
    number: member.number,
    number_pool_uuid: pool.uuid,
    ...(withService ? { service: member.service } : {}),
    type: poolType(record),
  };
}

const addSchema = z.object({
  service: enumParam('service', ['sms', 'mms']).transform((value) => value ?? 'sms'),
});

function addToPool(kind: PoolNumberKind) {
  return (ctx: ApiContext): Operation => {
    const p = parseParams(addSchema, ctx.params);
    return () => {
      const { world } = ctx;
      const pool = poolOf(ctx);
      const number = ctx.path.number ?? '';
      const record = world.account.get(number);
      // Plivo's page does not say; the sandbox answers 404, as for any resource the account lacks.
      if (!record) throw notFound(`number ${number} not found in this account: only the account's numbers can join a pool`);
      if (kind === 'tollfree' && record.numberType !== 'tollfree') {
        throw badRequest(`number ${number} is not a toll-free number: add it under NumberPool/{uuid}/Number/`);
      }
      // Plivo is silent on pooling a number that awaits verification; see docs/plivo-sandbox.md.
      if (record.pending === true && world.options.inactivePoolAdd === 'reject') {
        throw badRequest(`number ${number} is not active yet: it awaits verification documents, so it cannot join a pool`);
      }
      // Plivo's Powerpack guidance: US long codes must be registered for 10DLC (here only under --require-10dlc).
      const tendlc = world.options.require10dlc ? world.tendlcRegistration(record) : null;
      if (tendlc && tendlc.status !== 'COMPLETED') {
        throw badRequest(`number ${number} is not registered for 10DLC (status ${tendlc.status}): link it to a campaign before adding it to a pool`);
      }
      const current = world.pools.poolOf(number);
      if (current !== undefined) {
        throw badRequest(`number ${number} is already in number pool ${current}${current === pool.uuid ? ' (this pool)' : ''}`);
      }
      const capable = p.service === 'mms' ? record.mmsEnabled : record.smsEnabled;
      if (!capable) throw badRequest(`number ${number} is not ${p.service}-enabled, so it cannot join a pool for service ${p.service}`);
      const nowMs = world.now();
      const member: PoolMember = {
        number,
        service: p.service,
        via: kind,
        addedAt: new Date(nowMs).toISOString(),
        ...(ctx.visibleAfterMs === undefined ? {} : { visibleAtMs: nowMs + ctx.visibleAfterMs }),
      };
      if (member.visibleAtMs !== undefined) world.poolMembersHiddenUntilMs = Math.max(world.poolMembersHiddenUntilMs, member.visibleAtMs);
      world.pools.addMember(pool.uuid, member);
      world.touch();
      return { status: 200, body: memberObject(ctx, pool, member, true) };
    };
  };
}

/**
 * Whether a member shows yet. Plivo's pages do not promise that a number just added is listed at
 * once (its storage may be eventually consistent); a `visibleAfterMs` fault rule delays it.
 */
const visible = (member: PoolMember, nowMs: number): boolean => member.visibleAtMs === undefined || member.visibleAtMs <= nowMs;

function memberOf(ctx: ApiContext, pool: Pool, kind: PoolNumberKind): PoolMember {
  const number = ctx.path.number ?? '';
  const member = pool.members.get(number);
  const record = ctx.world.account.get(number);
  if (!member || !visible(member, ctx.world.now()) || (kind === 'tollfree' && record?.numberType !== 'tollfree')) {
    throw notFound(`${kind === 'tollfree' ? 'toll-free number' : 'number'} ${number} not found in number pool ${pool.uuid}`);
  }
  return member;
}

function getFromPool(kind: PoolNumberKind) {
  return (ctx: ApiContext): Operation =>
    () => {
      const pool = poolOf(ctx);
      // The reference page's "Retrieve a Number" answer has no `service` field.
      return { status: 200, body: memberObject(ctx, pool, memberOf(ctx, pool, kind), false) };
    };
}

const removeSchema = z.object({ unrent: booleanParam('unrent', false) });

function removeFromPool(kind: PoolNumberKind) {
  return (ctx: ApiContext): Operation => {
    const p = parseParams(removeSchema, ctx.params);
    return () => {
      const { world } = ctx;
      const member = memberOf(ctx, poolOf(ctx), kind);
      if (p.unrent) world.unrent(member.number);
      else world.pools.removeMember(member.number);
      world.touch();
      return { status: 200, body: { response: 'success' } };
    };
  };
}

const POOL_TYPES = ['fixed', 'mobile', 'toll-free', 'tollfree'] as const;

const poolListSchema = z
  .object({
    starts_with: optionalText('starts_with'),
    type: enumParam('type', POOL_TYPES),
    service: enumParam('service', ['sms', 'mms']),
    country_iso2: optionalPattern('country_iso2', /^[A-Za-z]{2}$/, 'country_iso2 must be a two-letter ISO code such as US'),
    limit: limitParam(),
    offset: offsetParam(),
  })
  .transform((p, ctx) => {
    const prefixes = p.starts_with === undefined ? undefined : p.starts_with.split(',').map((prefix) => prefix.trim());
    if (prefixes !== undefined) {
      if (prefixes.length > 10) ctx.addIssue({ code: 'custom', message: `starts_with takes at most 10 prefixes, got ${prefixes.length}` });
      else if (prefixes.some((prefix) => !/^\d{1,10}$/.test(prefix))) {
        ctx.addIssue({ code: 'custom', message: 'starts_with must be comma-separated numeric prefixes (without the country code)' });
      } else if (p.country_iso2 === undefined) {
        ctx.addIssue({ code: 'custom', message: 'country_iso2 is required when starts_with is given' });
      }
    }
    return { ...p, prefixes, country: p.country_iso2?.toUpperCase() };
  });

function listPool(kind: PoolNumberKind) {
  return (ctx: ApiContext): Operation => {
    const p = parseParams(poolListSchema, ctx.params);
    const wantedType = p.type === 'toll-free' ? 'tollfree' : p.type;
    return () => {
      const { world } = ctx;
      const pool = poolOf(ctx);
      const key = `pool:${pool.uuid}:${kind}:${JSON.stringify([p.prefixes, wantedType, p.service, p.country])}`;
      const nowMs = world.now();
      const cached = world.cached(key, () =>
        [...pool.members.values()].filter((member) => {
          const record = world.account.get(member.number);
          const type = poolType(record);
          if (kind === 'tollfree' && type !== 'tollfree') return false;
          if (wantedType !== undefined && type !== wantedType) return false;
          if (p.service !== undefined && member.service !== p.service) return false;
          if (p.country !== undefined && record?.countryIso2 !== p.country) return false;
          if (p.prefixes !== undefined) {
            // starts_with is given without the country code: compare the national part.
            const national = member.number.slice(COUNTRIES[p.country ?? '']?.callingCode.length ?? 0);
            if (!p.prefixes.some((prefix) => national.startsWith(prefix))) return false;
          }
          return true;
        }),
      );
      // Filtering out hidden members costs a pass over the pool: only while some member is hidden.
      const matching = nowMs < world.poolMembersHiddenUntilMs ? cached.filter((member) => visible(member, nowMs)) : cached;
      const page = paginate(matching, {
        basePath: `${accountPath(ctx.accountId)}NumberPool/${pool.uuid}/${kind === 'tollfree' ? 'Tollfree' : 'Number'}/`,
        limit: p.limit,
        offset: p.offset,
        none: '',
        filters: [
          ['starts_with', p.prefixes?.join(',')],
          ['type', p.type],
          ['service', p.service],
          ['country_iso2', p.country],
        ],
      });
      return { status: 200, body: { meta: page.meta, objects: page.objects.map((member) => memberObject(ctx, pool, member, true)) } };
    };
  };
}

// ---- shortcodes --------------------------------------------------------------------------------

function shortcodeOf(ctx: ApiContext, pool: Pool) {
  const code = ctx.path.shortcode ?? '';
  const shortcode = pool.shortcodes.get(code);
  if (!shortcode) throw notFound(`shortcode ${code} not found in number pool ${pool.uuid}`);
  return shortcode;
}

const shortcodeObject = (poolUuid: string, shortcode: { shortcode: string; countryIso2: string; addedAt: string }) => ({
  added_on: shortcode.addedAt,
  country_iso2: shortcode.countryIso2,
  number_pool_uuid: poolUuid,
  shortcode: shortcode.shortcode,
});

function listShortcodes(ctx: ApiContext): Operation {
  const p = parseParams(pageSchema, ctx.params);
  return () => {
    const pool = poolOf(ctx);
    const page = paginate([...pool.shortcodes.values()], {
      basePath: `${accountPath(ctx.accountId)}NumberPool/${pool.uuid}/Shortcode/`,
      limit: p.limit,
      offset: p.offset,
      none: '',
      filters: [],
    });
    return { status: 200, body: { meta: page.meta, objects: page.objects.map((shortcode) => shortcodeObject(pool.uuid, shortcode)) } };
  };
}

function getShortcode(ctx: ApiContext): Operation {
  return () => {
    const pool = poolOf(ctx);
    return { status: 200, body: shortcodeObject(pool.uuid, shortcodeOf(ctx, pool)) };
  };
}

function removeShortcode(ctx: ApiContext): Operation {
  return () => {
    const pool = poolOf(ctx);
    // Only unlinked from the pool: a shortcode is not rented through this API.
    ctx.world.pools.removeShortcode(pool.uuid, shortcodeOf(ctx, pool).shortcode);
    ctx.world.touch();
    return { status: 200, body: { response: 'success' } };
  };
}

export const poolRoutes: readonly RouteSpec[] = [
  { method: 'POST', pattern: 'Powerpack/', prepare: createPowerpack },
  { method: 'GET', pattern: 'Powerpack/', prepare: listPowerpacks },
  { method: 'GET', pattern: 'Powerpack/{uuid}/', prepare: getPowerpack },
  { method: 'GET', pattern: 'NumberPool/{uuid}/', prepare: getPool },
  { method: 'GET', pattern: 'NumberPool/{uuid}/Number/', prepare: listPool('number') },
  { method: 'POST', pattern: 'NumberPool/{uuid}/Number/{number}/', prepare: addToPool('number') },
  { method: 'GET', pattern: 'NumberPool/{uuid}/Number/{number}/', prepare: getFromPool('number') },
  { method: 'DELETE', pattern: 'NumberPool/{uuid}/Number/{number}/', prepare: removeFromPool('number') },
  { method: 'GET', pattern: 'NumberPool/{uuid}/Tollfree/', prepare: listPool('tollfree') },
  { method: 'POST', pattern: 'NumberPool/{uuid}/Tollfree/{number}/', prepare: addToPool('tollfree') },
  { method: 'GET', pattern: 'NumberPool/{uuid}/Tollfree/{number}/', prepare: getFromPool('tollfree') },
  { method: 'DELETE', pattern: 'NumberPool/{uuid}/Tollfree/{number}/', prepare: removeFromPool('tollfree') },
  { method: 'GET', pattern: 'NumberPool/{uuid}/Shortcode/', prepare: listShortcodes },
  { method: 'GET', pattern: 'NumberPool/{uuid}/Shortcode/{shortcode}/', prepare: getShortcode },
  { method: 'DELETE', pattern: 'NumberPool/{uuid}/Shortcode/{shortcode}/', prepare: removeShortcode },
];
