/**
 * Plivo's callbacks, received: asynchronous-mode answers, checked, de-duplicated and kept by
 * `api_id`, so workflow code that made an asynchronous call can look its answer up
 * (`findPlivoCallback`); and 10DLC link statuses (`event_type=number_linking`), kept per campaign
 * and number for the link step (workflow/link.ts).
 *
 * A callback is trusted only when its V3 signature (`X-Plivo-Signature-V3`, or `-Ma-V3` with the
 * main account's token) matches the PUBLIC URL Plivo was given — configured, never taken from the
 * Host header, which behind API Gateway is not what Plivo signed and which a caller controls —
 * with the request's own query and the form body. Each nonce is accepted once (conditional put,
 * kept `nonceTtlSeconds`); Plivo sends no timestamp, so a replay after that long passes the nonce
 * check but still changes nothing, because a callback is stored once per `api_id`.
 * Nothing is written for a request that fails any check.
 */
import { CAMPAIGN_ID_PATTERN } from '../orders/model.js';
import { type CredentialSource, sameCredentials } from '../plivo/credentials.js';
import { SIGNATURE_MA_V3_HEADER, SIGNATURE_NONCE_HEADER, SIGNATURE_V3_HEADER, verifyPlivoCallback } from '../plivo/signature.js';
import type { CampaignLinkStatus, StoredPlivoCallback } from '../store/plivo-callbacks.js';
import { storesOf, type TableRef } from '../store/stores.js';

export type { StoredPlivoCallback } from '../store/plivo-callbacks.js';

/** A nonce is remembered this long. @default 7 days */
export const DEFAULT_NONCE_TTL_SECONDS = 7 * 24 * 3600;
/** A callback is kept this long (the workflow reads it within minutes; a pending line within days). @default 30 days */
export const DEFAULT_CALLBACK_TTL_SECONDS = 30 * 24 * 3600;

const MAX_NONCE_LENGTH = 256;
const MAX_API_ID_LENGTH = 256;

export interface PlivoCallbackStoreDeps extends TableRef {
  /** @default () => new Date() */
  now?: () => Date;
  /** @default DEFAULT_CALLBACK_TTL_SECONDS */
  callbackTtlSeconds?: number;
}

export interface PlivoInboundDeps extends PlivoCallbackStoreDeps {
  /**
   * The account's credentials: their auth token checks `X-Plivo-Signature-V3`. Read at the first
   * signed callback; a signature that does not match is checked once more against a refresh (a token
   * rotated since), which the source allows at most every 30 s.
   */
  credentials: CredentialSource;
  /** The main account's token, for callbacks of a subaccount (`-Ma-V3`). @default authToken */
  mainAccountAuthToken?: string;
  /** The URL Plivo calls, exactly as given to Plivo (`PLIVO_CALLBACK_URL`), e.g. `https://api.example.com/prod/webhooks/plivo`. */
  publicUrl: string;
  /** @default DEFAULT_NONCE_TTL_SECONDS */
  nonceTtlSeconds?: number;
}

/** The answer of a stored callback, parsed (its shape is the call's own: check it with that call's schema). */
export function callbackResponse(callback: StoredPlivoCallback): unknown {
  return JSON.parse(callback.responseText) as unknown;
}

export interface PlivoCallbackInput {
  apiId: string;
  statusCode?: number | undefined;
  responseText: string;
}

/**
 * Keeps a callback under its `api_id`, once: the first one wins and a repeat changes nothing.
 * Returns what is stored, and whether this call stored it.
 */
export async function recordPlivoCallback(deps: PlivoCallbackStoreDeps, input: PlivoCallbackInput): Promise<{ recorded: boolean; callback: StoredPlivoCallback }> {
  const now = (deps.now ?? (() => new Date()))();
  const callback: StoredPlivoCallback = {
    apiId: input.apiId,
    ...(input.statusCode === undefined ? {} : { statusCode: input.statusCode }),
    responseText: input.responseText,
    receivedAt: now.toISOString(),
  };
  return storesOf(deps).plivoCallbacks.record(callback, deps.callbackTtlSeconds ?? DEFAULT_CALLBACK_TTL_SECONDS);
}

/** The callback of an asynchronous call, by the `api_id` its spawn answer gave; undefined until it arrives. */
export async function findPlivoCallback(deps: TableRef, apiId: string): Promise<StoredPlivoCallback | undefined> {
  return storesOf(deps).plivoCallbacks.find(apiId);
}

/** An incoming request, as the HTTP layer hands it over. */
export interface PlivoInboundRequest {
  /** By lower-case name. */
  headers: Record<string, string | undefined>;
  /** The request's query parameters (Plivo signs them as part of the URL). */
  query: Record<string, readonly string[]>;
  /** The raw body. */
  body: string;
}

export type PlivoInboundResult =
  | { kind: 'accepted'; callback: StoredPlivoCallback }
  | { kind: 'link-status'; link: CampaignLinkStatus }
  | { kind: 'duplicate'; callback: StoredPlivoCallback }
  | { kind: 'unauthorized'; reason: string }
  | { kind: 'unsupported-media-type'; contentType: string | undefined }
  | { kind: 'invalid'; field: string; message: string };

const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded\s*(?:;.*)?$/i;

/** The form's fields by name; a null-prototype object, so that a field named `constructor` or `__proto__` is just a field. */
function formParams(body: string): Record<string, string[]> {
  const params = Object.create(null) as Record<string, string[]>;
  for (const [key, value] of new URLSearchParams(body)) (params[key] ??= []).push(value);
  return params;
}

/** The URL Plivo signed: the configured public URL with the query this request came with. */
function signedUrl(publicUrl: string, query: Record<string, readonly string[]>): string {
  const url = new URL(publicUrl);
  const search = new URLSearchParams();
  for (const [key, values] of Object.entries(query)) for (const value of values) search.append(key, value);
  url.search = search.toString();
  return url.toString();
}

function single(params: Record<string, string[]>, name: string): string | undefined {
  const values = params[name];
  return values && values.length === 1 ? values[0] : undefined;
}

/** The checks, in order: signed at all, a form, signature, callback fields, fresh nonce; then stored. */
export async function receivePlivoCallback(deps: PlivoInboundDeps, request: PlivoInboundRequest): Promise<PlivoInboundResult> {
  const { headers } = request;
  const nonce = headers[SIGNATURE_NONCE_HEADER];
  if (nonce === undefined || nonce === '' || (headers[SIGNATURE_V3_HEADER] === undefined && headers[SIGNATURE_MA_V3_HEADER] === undefined)) {
    return { kind: 'unauthorized', reason: 'unsigned: X-Plivo-Signature-V3 (or X-Plivo-Signature-Ma-V3) and X-Plivo-Signature-V3-Nonce are required' };
  }
  if (nonce.length > MAX_NONCE_LENGTH) return { kind: 'unauthorized', reason: 'X-Plivo-Signature-V3-Nonce is too long' };
  const contentType = headers['content-type'];
  if (!contentType || !FORM_MEDIA_TYPE.test(contentType)) return { kind: 'unsupported-media-type', contentType };

  const params = formParams(request.body);
  const signedBy = (authToken: string) =>
    verifyPlivoCallback({
      method: 'POST',
      url: signedUrl(deps.publicUrl, request.query),
      params,
      headers,
      authToken,
      ...(deps.mainAccountAuthToken ? { mainAccountAuthToken: deps.mainAccountAuthToken } : {}),
    });
  const inHand = await deps.credentials.get();
  let valid = signedBy(inHand.authToken);
  if (!valid) {
    const fresh = await deps.credentials.refresh();
    valid = !sameCredentials(fresh, inHand) && signedBy(fresh.authToken);
  }
  if (!valid) return { kind: 'unauthorized', reason: 'the signature does not match this request' };
  const now = (deps.now ?? (() => new Date()))();
  if (single(params, 'event_type') === LINK_EVENT) return receiveLinkStatus(deps, params, nonce, now);

  const apiId = single(params, 'api_id');
  if (apiId === undefined || apiId === '') return { kind: 'invalid', field: 'api_id', message: 'is required (once)' };
  if (apiId.length > MAX_API_ID_LENGTH) return { kind: 'invalid', field: 'api_id', message: `must be at most ${MAX_API_ID_LENGTH} characters long` };
  const responseText = single(params, 'response');
  if (responseText === undefined) return { kind: 'invalid', field: 'response', message: 'is required (once)' };
  try {
    JSON.parse(responseText);
  } catch {
    return { kind: 'invalid', field: 'response', message: 'must be JSON' };
  }
  const statusText = single(params, 'status_code');
  const statusCode = statusText === undefined || statusText === '' ? undefined : Number(statusText);
  if (statusCode !== undefined && (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)) {
    return { kind: 'invalid', field: 'status_code', message: 'must be an HTTP status code' };
  }

  if (!(await storesOf(deps).plivoCallbacks.useNonce(nonce, apiId, now, deps.nonceTtlSeconds ?? DEFAULT_NONCE_TTL_SECONDS))) {
    return { kind: 'unauthorized', reason: 'the nonce was already used: a replayed request' };
  }
  const { recorded, callback } = await recordPlivoCallback(deps, { apiId, statusCode, responseText });
  return recorded ? { kind: 'accepted', callback } : { kind: 'duplicate', callback };
}

/** The `event_type` of Plivo's 10DLC number-linking status callback. */
const LINK_EVENT = 'number_linking';
const E164 = /^\+?\d{8,15}$/;

/**
 * A 10DLC link status: `campaign_id`, `number`, and the outcome — `tendlc_registration_status`
 * (COMPLETED or FAILED) where given, else `status` (success or failed). A repeat replaces the
 * stored status with the same one; a later outcome replaces an earlier one.
 */
async function receiveLinkStatus(deps: PlivoInboundDeps, params: Record<string, string[]>, nonce: string, now: Date): Promise<PlivoInboundResult> {
  const campaignId = single(params, 'campaign_id');
  if (campaignId === undefined || !CAMPAIGN_ID_PATTERN.test(campaignId)) return { kind: 'invalid', field: 'campaign_id', message: 'is required (once): a 10DLC campaign id' };
  const number = single(params, 'number');
  if (number === undefined || !E164.test(number)) return { kind: 'invalid', field: 'number', message: 'is required (once): a phone number in E.164 format' };
  const registration = single(params, 'tendlc_registration_status')?.toUpperCase();
  const outcome = single(params, 'status')?.toLowerCase();
  const status = registration === 'COMPLETED' || registration === 'FAILED' ? registration : outcome === 'success' ? 'COMPLETED' : outcome === 'failed' ? 'FAILED' : undefined;
  if (status === undefined) return { kind: 'invalid', field: 'status', message: 'must be success or failed (or tendlc_registration_status COMPLETED or FAILED)' };
  const digits = number.replace(/^\+/, '');
  const stores = storesOf(deps);
  if (!(await stores.plivoCallbacks.useNonce(nonce, `link:${campaignId}:${digits}`, now, deps.nonceTtlSeconds ?? DEFAULT_NONCE_TTL_SECONDS))) {
    return { kind: 'unauthorized', reason: 'the nonce was already used: a replayed request' };
  }
  const link: CampaignLinkStatus = { campaignId, number: digits, status, receivedAt: now.toISOString() };
  await stores.plivoCallbacks.recordLinkStatus(link, deps.callbackTtlSeconds ?? DEFAULT_CALLBACK_TTL_SECONDS);
  return { kind: 'link-status', link };
}
