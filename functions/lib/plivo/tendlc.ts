/**
 * Plivo's 10DLC Number Linking API, `10dlc/Campaign/{campaign_id}/Number/`: link numbers the
 * account holds to a registered campaign, read each number's link status, unlink
 * (https://www.plivo.com/docs/messaging/api/10dlc/number-linking). A link is accepted at once and
 * carried out later: each number is PROCESSING, then COMPLETED or FAILED, and Plivo posts a status
 * callback per number to the request's `url` when one is given.
 */
import { z } from 'zod';
import type { PlivoHttp } from './http.js';

/** A number's link status, as the Number Linking API lists it. */
export const linkStatuses = ['PROCESSING', 'COMPLETED', 'FAILED'] as const;
export type LinkStatus = (typeof linkStatuses)[number];

const linkAcceptedSchema = z.object({ api_id: z.string().optional(), message: z.string() });

/** The campaign object Plivo answers with: its numbers and their statuses (one number on the per-number GET). */
const campaignNumbersSchema = z.object({
  api_id: z.string().optional(),
  campaign_id: z.string(),
  phone_numbers: z.array(z.object({ number: z.string(), status: z.string() })),
});

/** Where Plivo posts each number's status when the link is carried out. */
export interface LinkCallback {
  url: string;
  /** @default "POST" */
  method?: 'GET' | 'POST';
}

const seg = encodeURIComponent;

/** E.164 with "+", as Plivo's page writes the numbers of a link request. */
const plus = (number: string) => (number.startsWith('+') ? number : `+${number}`);

/**
 * Asks Plivo to link numbers to a campaign, all in one request. Plivo refuses the whole request
 * (400) when one number cannot be linked. Repeating a link is harmless for numbers PROCESSING or
 * COMPLETED for the same campaign (docs/design.md, "10DLC"), so the call is retried like a read.
 */
export async function linkNumbers(http: PlivoHttp, campaignId: string, numbers: readonly string[], callback?: LinkCallback): Promise<{ apiId: string | undefined; message: string }> {
  const answer = await http.call({
    method: 'POST',
    route: '10dlc/Campaign/{campaign_id}/Number/',
    path: `10dlc/Campaign/${seg(campaignId)}/Number/`,
    safety: 'safe',
    body: { numbers: numbers.map(plus), ...(callback ? { url: callback.url, method: callback.method ?? 'POST' } : {}) },
    schema: linkAcceptedSchema,
  });
  return { apiId: answer.api_id, message: answer.message };
}

/**
 * One number's link status for a campaign; `undefined` when Plivo answers with a status this
 * client does not know. A number not linked to the campaign is a `PlivoNotFoundError`.
 */
export async function linkStatusOf(http: PlivoHttp, campaignId: string, number: string): Promise<LinkStatus | undefined> {
  const answer = await http.call({
    method: 'GET',
    route: '10dlc/Campaign/{campaign_id}/Number/{number}/',
    path: `10dlc/Campaign/${seg(campaignId)}/Number/${seg(number)}/`,
    safety: 'safe',
    schema: campaignNumbersSchema,
  });
  const digits = number.replace(/^\+/, '');
  const status = answer.phone_numbers.find((entry) => entry.number.replace(/^\+/, '') === digits)?.status.toUpperCase();
  return linkStatuses.find((known) => known === status);
}
