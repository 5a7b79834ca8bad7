/**
 * The sandbox's own routes under `/__sandbox/`: ground truth, fault rules, regulatory decisions
 * on pending orders, shortcodes, reset. No auth, but only from loopback addresses (the sandbox
 * may listen on 0.0.0.0 for a container; its admin routes must not be reachable from outside
 * the host), not rate limited and not counted as API requests.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { COMPLIANCE_STATUSES } from './compliance.js';
import { clockMoveSchema, type ClockMove } from './clock.js';
import { faultRulesSchema, type FaultRule, type FaultRuleReport } from './faults.js';
import { ApiError, sendJson, type Params } from './http.js';
import { NUMBER_TYPES } from './model.js';
import type { SandboxSnapshot } from './snapshot.js';

/** What the admin routes can do to a running sandbox. */
export interface AdminControl {
  snapshot(): SandboxSnapshot;
  setFaults(rules: FaultRule[]): void;
  listFaults(): FaultRuleReport[];
  /** Order id → numbers delivered; undefined when `id` is not a pending order. */
  approvePending(id?: string): Record<string, string[]> | undefined;
  /** Order id → numbers returned to stock; undefined when `id` is not a pending order. */
  rejectPending(id?: string): Record<string, string[]> | undefined;
  /** Creates (or replaces) a 10DLC campaign numbers can be linked to. */
  createCampaign(input: CampaignInput): Record<string, unknown>;
  /** Creates a compliance application in the given state. */
  createComplianceApplication(input: ComplianceApplicationInput): { id: string };
  /** @throws ApiError 404 (no such pool) or 400 (already there). */
  addShortcode(input: { poolUuid: string; shortcode: string; countryIso2: string }): Record<string, unknown>;
  reset(): void;
  /** Sets a number's renewal_date (YYYY-MM-DD); false when the account has no such number. */
  setRenewalDate(number: string, date: string): boolean;
  /** Moves the sandbox clock forward (renewals due by then are charged). @throws ApiError 400 (backwards). */
  moveClock(move: ClockMove): { now: string };
}

export const ADMIN_ROUTES = [
  'GET    /__sandbox/state                 ground truth: numbers, pools, Powerpacks, pending orders, charges, request counts, stock',
  'GET    /__sandbox/faults                fault rules and how often each fired',
  'POST   /__sandbox/faults                {"rules":[…]} replaces the fault rules',
  'DELETE /__sandbox/faults                removes every fault rule',
  'POST   /__sandbox/regulatory/approve    {} approves every pending order, {"id":"pending-1"} one',
  'POST   /__sandbox/regulatory/reject     {} rejects every pending order, {"id":"pending-1"} one',
  'POST   /__sandbox/compliance-applications {"countryIso2","numberType","status":"approved|submitted|rejected"} → {"id"}',
  'POST   /__sandbox/campaigns             {"campaignId","usecase","alias"?} creates a 10DLC campaign numbers can be linked to',
  'POST   /__sandbox/shortcodes            {"poolUuid","shortcode","countryIso2"} adds a shortcode to a pool',
  'PATCH  /__sandbox/numbers/{number}      {"renewal_date":"YYYY-MM-DD"} sets a number\'s renewal date',
  'POST   /__sandbox/clock                 {"advanceDays":n} or {"now":"<ISO>"} moves the clock forward; renewals due are charged',
  'POST   /__sandbox/reset                 back to the initial state for the seed',
] as const;

const pendingSchema = z.object({ id: z.string().min(1, { error: 'id must be a pending order id' }).optional() });

const shortcodeSchema = z.object({
  poolUuid: z.string({ error: 'poolUuid is required' }),
  shortcode: z.string({ error: 'shortcode is required' }).regex(/^\d{3,8}$/, { error: 'shortcode must be 3 to 8 digits' }),
  countryIso2: z
    .string()
    .regex(/^[A-Za-z]{2}$/, { error: 'countryIso2 must be a two-letter ISO code' })
    .transform((code) => code.toUpperCase())
    .default('US'),
});

const complianceApplicationSchema = z.object({
  countryIso2: z
    .string({ error: 'countryIso2 is required' })
    .regex(/^[A-Za-z]{2}$/, { error: 'countryIso2 must be a two-letter ISO code' })
    .transform((code) => code.toUpperCase()),
  numberType: z.enum(NUMBER_TYPES, { error: `numberType must be one of ${NUMBER_TYPES.join(', ')}` }),
  status: z.enum(COMPLIANCE_STATUSES, { error: `status must be one of ${COMPLIANCE_STATUSES.join(', ')}` }),
});
type ComplianceApplicationInput = z.output<typeof complianceApplicationSchema>;

const campaignSchema = z.object({
  campaignId: z.string({ error: 'campaignId is required' }).regex(/^[A-Za-z0-9]{1,32}$/, { error: 'campaignId must be 1 to 32 letters or digits' }),
  usecase: z.string({ error: 'usecase is required' }).min(1, { error: 'usecase is required' }),
  alias: z.string().optional(),
});
type CampaignInput = z.output<typeof campaignSchema>;

const renewalSchema = z
  .object({ renewal_date: z.string({ error: 'renewal_date is required' }).regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'renewal_date must be YYYY-MM-DD' }) })
  .refine((b) => !Number.isNaN(Date.parse(b.renewal_date)), { error: 'renewal_date is not a date', path: ['renewal_date'] });

function parse<S extends z.ZodType>(schema: S, body: Params): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new ApiError(400, `${where}${issue?.message ?? 'invalid body'}`);
}

/** Answers one admin request. `path` is below `/__sandbox` (e.g. `/state`). */
export function handleAdmin(control: AdminControl, method: string, path: string, body: Params, res: ServerResponse): void {
  const route = `${method} ${path.replace(/\/+$/, '') || '/'}`;
  try {
    const numberRoute = /^PATCH \/numbers\/(\d{6,15})$/.exec(route);
    if (numberRoute?.[1]) {
      const number = numberRoute[1];
      const { renewal_date } = parse(renewalSchema, body);
      if (!control.setRenewalDate(number, renewal_date)) throw new ApiError(404, `the account has no number ${number}`);
      return sendJson(res, 200, { number, renewal_date });
    }
    switch (route) {
      case 'GET /':
        return sendJson(res, 200, { routes: ADMIN_ROUTES });
      case 'GET /state':
        return sendJson(res, 200, control.snapshot());
      case 'GET /faults':
        return sendJson(res, 200, { rules: control.listFaults() });
      case 'POST /faults': {
        const { rules } = parse(faultRulesSchema, body);
        control.setFaults(rules);
        return sendJson(res, 200, { rules: control.listFaults() });
      }
      case 'DELETE /faults':
        control.setFaults([]);
        return sendJson(res, 200, { rules: [] });
      case 'POST /regulatory/approve':
      case 'POST /regulatory/reject': {
        const { id } = parse(pendingSchema, body);
        const approve = route.endsWith('approve');
        const settled = approve ? control.approvePending(id) : control.rejectPending(id);
        if (settled === undefined) throw new ApiError(404, `no pending order ${id}`);
        return sendJson(res, 200, approve ? { delivered: settled } : { returnedToStock: settled });
      }
      case 'POST /compliance-applications':
        return sendJson(res, 201, control.createComplianceApplication(parse(complianceApplicationSchema, body)));
      case 'POST /campaigns':
        return sendJson(res, 201, control.createCampaign(parse(campaignSchema, body)));
      case 'POST /shortcodes':
        return sendJson(res, 201, control.addShortcode(parse(shortcodeSchema, body)));
      case 'POST /clock':
        return sendJson(res, 200, control.moveClock(parse(clockMoveSchema, body)));
      case 'POST /reset':
        control.reset();
        return sendJson(res, 200, { reset: true });
      default:
        throw new ApiError(404, `no admin route ${method} /__sandbox${path}; GET /__sandbox/ lists them`);
    }
  } catch (error) {
    if (error instanceof ApiError) return sendJson(res, error.status, { error: error.message });
    throw error;
  }
}
