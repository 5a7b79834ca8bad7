/**
 * US 10DLC number linking (Plivo's "Number Linking" API): campaigns, created through the admin
 * route `POST /__sandbox/campaigns` (the sandbox has no brand or campaign registration), and the
 * links of account numbers to them. A link is PROCESSING for `linkDelayMs` on the sandbox clock,
 * then COMPLETED or FAILED (decided when it was requested, by a fault rule's `numberFailureRate`).
 * `settle` moves due links to their outcome and queues them for their status callback.
 */
import { z } from 'zod';

export const LINK_STATUSES = ['PROCESSING', 'COMPLETED', 'FAILED'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export const campaignSchema = z.object({
  campaignId: z.string(),
  usecase: z.string(),
  alias: z.string(),
});
export type Campaign = z.infer<typeof campaignSchema>;

export const linkSchema = z.object({
  number: z.string(),
  campaignId: z.string(),
  status: z.enum(LINK_STATUSES),
  /** The outcome the link comes to when it is due. */
  outcome: z.enum(['COMPLETED', 'FAILED']),
  dueAtMs: z.number(),
  /** Where the status callback goes; none without `url`. */
  callback: z.object({ url: z.string(), method: z.enum(['GET', 'POST']) }).optional(),
});
export type NumberLink = z.infer<typeof linkSchema>;

export const tenDlcDataSchema = z.object({ campaigns: z.array(campaignSchema), links: z.array(linkSchema) });
export type TenDlcData = z.infer<typeof tenDlcDataSchema>;

export class TenDlc {
  private readonly campaigns = new Map<string, Campaign>();
  /** Number → its link (a number is linked to one campaign at a time). */
  private readonly links = new Map<string, NumberLink>();
  /** Links that settled and whose callback has not been handed out yet (not saved: a run's). */
  private settledLinks: NumberLink[] = [];

  addCampaign(campaign: Campaign): void {
    this.campaigns.set(campaign.campaignId, campaign);
  }

  campaign(campaignId: string): Campaign | undefined {
    return this.campaigns.get(campaignId);
  }

  link(number: string): NumberLink | undefined {
    return this.links.get(number);
  }

  /** The campaign's links, by number. */
  linksOf(campaignId: string): NumberLink[] {
    return [...this.links.values()].filter((link) => link.campaignId === campaignId).sort((a, b) => a.number.localeCompare(b.number));
  }

  startLink(link: Omit<NumberLink, 'status'>): void {
    this.links.set(link.number, { ...link, status: 'PROCESSING' });
  }

  /** Unlinks a number (also when it leaves the account). */
  unlink(number: string): boolean {
    return this.links.delete(number);
  }

  /** Moves the links due by `nowMs` to their outcome; how many moved. */
  settle(nowMs: number): number {
    let moved = 0;
    for (const link of this.links.values()) {
      if (link.status !== 'PROCESSING' || link.dueAtMs > nowMs) continue;
      link.status = link.outcome;
      this.settledLinks.push(link);
      moved++;
    }
    return moved;
  }

  /** The links settled since the last call (for their callbacks). */
  takeSettled(): NumberLink[] {
    const settled = this.settledLinks;
    this.settledLinks = [];
    return settled;
  }

  /** When the next PROCESSING link is due; undefined when none is. */
  nextDueMs(): number | undefined {
    let next: number | undefined;
    for (const link of this.links.values()) if (link.status === 'PROCESSING' && (next === undefined || link.dueAtMs < next)) next = link.dueAtMs;
    return next;
  }

  toData(): TenDlcData {
    return { campaigns: [...this.campaigns.values()], links: [...this.links.values()] };
  }

  load(data: TenDlcData): void {
    for (const campaign of data.campaigns) this.campaigns.set(campaign.campaignId, campaign);
    for (const link of data.links) this.links.set(link.number, link);
  }
}
