/**
 * `POST /webhooks/plivo` in the API's OpenAPI document: the keyless route Plivo posts its
 * asynchronous-mode answers and 10DLC link statuses to (served by its own Lambda behind the same API). Beside the
 * checks it describes (plivo-inbound.ts), so that the two change together.
 */
import { z } from 'zod';
import type { ZodOpenApiOperationObject } from 'zod-openapi';
import { errorResponseSchema } from '../orders/contract.js';
import { SIGNATURE_MA_V3_HEADER, SIGNATURE_NONCE_HEADER, SIGNATURE_V3_HEADER } from '../plivo/signature.js';

/** Plivo callbacks are small forms. */
export const PLIVO_WEBHOOK_MAX_BODY_BYTES = 64 * 1024;

const error = (description: string) => ({ description, content: { 'application/json': { schema: errorResponseSchema } } });

const asyncAnswerForm = z
  .object({
    api_id: z.string().max(256).meta({ description: 'The `api_id` of the call this callback answers' }),
    response: z.string().meta({ description: "The call's answer, as JSON text" }),
    status_code: z.string().optional().meta({ description: "The HTTP status Plivo's call answered with" }),
  })
  .meta({ title: 'AsyncAnswerCallback', description: 'The answer of a call made in asynchronous mode' });

const linkStatusForm = z
  .object({
    event_type: z.literal('number_linking'),
    campaign_id: z.string().max(32).meta({ description: 'The 10DLC campaign' }),
    number: z.string().max(16).meta({ description: 'The number linked, E.164' }),
    status: z.enum(['success', 'failed']).optional().meta({ description: "The link's outcome" }),
    tendlc_registration_status: z.enum(['COMPLETED', 'FAILED']).optional().meta({ description: "The number's 10DLC registration status (wins over `status` when both are given)" }),
  })
  .meta({ title: 'NumberLinkingCallback', description: "A 10DLC link's outcome, for the number's link step" });

const callbackForm = z.union([asyncAnswerForm, linkStatusForm]);

const callbackAnswer = z.union([
  z.object({
    status: z.enum(['accepted', 'duplicate']).meta({ description: 'Stored now, or stored before (the first one kept)' }),
    apiId: z.string(),
  }),
  z.object({
    status: z.literal('accepted'),
    campaignId: z.string(),
    number: z.string(),
    linkStatus: z.enum(['COMPLETED', 'FAILED']),
  }),
]);

export const plivoCallbackOperation: ZodOpenApiOperationObject = {
  operationId: 'receivePlivoCallback',
  summary: "Plivo's callbacks: asynchronous-mode answers and 10DLC link statuses (no API key: Plivo's V3 signature)",
  description:
    'Plivo posts the answer of a call made in asynchronous mode here, and the outcome of each 10DLC number link (`event_type=number_linking`). The request must carry a V3 signature of the account (or, for a subaccount, of the main account) over this URL with its query and the form, and a nonce never seen before; an answer is kept once per `api_id`, a link status per campaign and number (the latest wins).',
  security: [],
  requestParams: {
    header: z.object({
      [SIGNATURE_V3_HEADER]: z.string().optional().meta({ description: "Signature with the account's auth token (this or the -Ma- one is required)" }),
      [SIGNATURE_MA_V3_HEADER]: z.string().optional().meta({ description: "Signature with the main account's auth token" }),
      [SIGNATURE_NONCE_HEADER]: z.string().max(256).meta({ description: 'The nonce signed with the request; a repeat is refused' }),
    }),
  },
  requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: callbackForm } } },
  responses: {
    '200': { description: 'Stored, or a repeat of a stored callback', content: { 'application/json': { schema: callbackAnswer } } },
    '401': error('Unsigned, wrongly signed, or a nonce already used'),
    '413': error(`The body is larger than ${PLIVO_WEBHOOK_MAX_BODY_BYTES} bytes`),
    '415': error('The body is not a form (`application/x-www-form-urlencoded`)'),
    '422': error('A signed form that is not a callback: `issues` names the field'),
  },
};
