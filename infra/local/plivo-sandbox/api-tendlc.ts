/**
 * Plivo's 10DLC Number Linking API: link account numbers to a campaign, list and read the links,
 * unlink. A link answers at once and is processed later (tendlc.ts); where Plivo's reference page
 * is silent, the choices are in docs/plivo-sandbox.md.
 */
import { z } from 'zod';
import { callbackUrlParam } from './async-callbacks.js';
import { badRequest, notFound } from './http.js';
import { accountPath } from './api-numbers.js';
import { paginate } from './pagination.js';
import { enumParam, limitParam, offsetParam, parseParams } from './params.js';
import type { ApiContext, Operation, RouteSpec } from './router.js';
import type { Campaign, NumberLink } from './tendlc.js';

const E164 = /^\+?\d{8,15}$/;

const linkSchema = z.object({
  // A JSON array, as the reference shows; a form body may send them comma-separated.
  numbers: z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value),
    z
      .array(z.string().regex(E164, { error: 'numbers must be phone numbers in E.164 format' }), {
        error: 'numbers is required: an array of phone numbers in E.164 format',
      })
      .min(1, { error: 'numbers must name at least one phone number' }),
  ),
  url: callbackUrlParam('url'),
  method: enumParam('method', ['get', 'post']),
});

const pageSchema = z.object({ limit: limitParam(), offset: offsetParam() });

/** Account numbers are kept without the E.164 "+". */
const bare = (number: string): string => number.replace(/^\+/, '');

function campaignOf(ctx: ApiContext): Campaign {
  const campaignId = ctx.path.campaign_id ?? '';
  const campaign = ctx.world.tendlc.campaign(campaignId);
  if (!campaign) throw notFound(`campaign ${campaignId} not found`);
  return campaign;
}

const campaignObject = (campaign: Campaign, links: readonly NumberLink[]): Record<string, unknown> => ({
  campaign_id: campaign.campaignId,
  campaign_alias: campaign.alias,
  usecase: campaign.usecase,
  phone_numbers: links.map((link) => ({ number: link.number, status: link.status })),
});

function linkNumbers(ctx: ApiContext): Operation {
  const p = parseParams(linkSchema, ctx.params);
  return () => {
    const { world } = ctx;
    const campaign = campaignOf(ctx);
    const numbers = [...new Set(p.numbers.map(bare))];
    // Every number is checked before any is linked: a refused request links none.
    const toLink = numbers.filter((number) => {
      const record = world.account.get(number);
      if (!record) throw badRequest(`numbers: ${number} is not a number of this account`);
      if (world.tendlcRegistration(record) === null) {
        throw badRequest(`numbers: ${number} is not a US local SMS-enabled number: 10DLC campaigns take only those`);
      }
      const link = world.tendlc.link(number);
      if (link && link.status !== 'FAILED' && link.campaignId !== campaign.campaignId) {
        throw badRequest(`numbers: ${number} is already linked to campaign ${link.campaignId}: unlink it first`);
      }
      // Already linked (or linking) to this campaign: left as it is. A FAILED link is retried.
      return !link || link.status === 'FAILED';
    });
    const dueAtMs = world.now() + world.options.tendlcLinkDelayMs;
    const callback = p.url === undefined ? undefined : { url: p.url, method: p.method === 'get' ? ('GET' as const) : ('POST' as const) };
    for (const number of toLink) {
      world.tendlc.startLink({
        number,
        campaignId: campaign.campaignId,
        outcome: ctx.failNumber() ? 'FAILED' : 'COMPLETED',
        dueAtMs,
        ...(callback ? { callback } : {}),
      });
    }
    world.touch();
    return {
      status: 202,
      body: { message: `Request to link ${numbers.join(',')} to campaign ${campaign.campaignId} was received and is being processed` },
    };
  };
}

function listLinks(ctx: ApiContext): Operation {
  const p = parseParams(pageSchema, ctx.params);
  return () => {
    const campaign = campaignOf(ctx);
    const page = paginate(ctx.world.tendlc.linksOf(campaign.campaignId), {
      basePath: `${accountPath(ctx.accountId)}10dlc/Campaign/${campaign.campaignId}/Number/`,
      limit: p.limit,
      offset: p.offset,
      none: null,
      filters: [],
    });
    return { status: 200, body: { ...campaignObject(campaign, page.objects), meta: page.meta } };
  };
}

function linkedNumber(ctx: ApiContext, campaign: Campaign): NumberLink {
  const number = bare(ctx.path.number ?? '');
  const link = ctx.world.tendlc.link(number);
  if (link?.campaignId !== campaign.campaignId) throw notFound(`number ${number} is not linked to campaign ${campaign.campaignId}`);
  return link;
}

function getLink(ctx: ApiContext): Operation {
  return () => {
    const campaign = campaignOf(ctx);
    return { status: 200, body: campaignObject(campaign, [linkedNumber(ctx, campaign)]) };
  };
}

function unlinkNumber(ctx: ApiContext): Operation {
  return () => {
    const campaign = campaignOf(ctx);
    const link = linkedNumber(ctx, campaign);
    ctx.world.tendlc.unlink(link.number);
    ctx.world.touch();
    return { status: 200, body: { message: `Number ${link.number} was unlinked from campaign ${campaign.campaignId}` } };
  };
}

export const tendlcRoutes: readonly RouteSpec[] = [
  { method: 'POST', pattern: '10dlc/Campaign/{campaign_id}/Number/', prepare: linkNumbers },
  { method: 'GET', pattern: '10dlc/Campaign/{campaign_id}/Number/', prepare: listLinks },
  { method: 'GET', pattern: '10dlc/Campaign/{campaign_id}/Number/{number}/', prepare: getLink },
  { method: 'DELETE', pattern: '10dlc/Campaign/{campaign_id}/Number/{number}/', prepare: unlinkNumber },
];
