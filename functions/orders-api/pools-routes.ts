/**
 * Pool rebalancing: the policy of a pool (PUT/GET/DELETE), its state, a run on demand, and the
 * runs' records. The domain lives in functions/lib/pools/; these routes call it, and the stack
 * answers its refusals (error-status.ts).
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ZodOpenApiOperationObject } from 'zod-openapi';
import { z } from 'zod';
import { ConfigurationError, HttpError } from '../lib/errors.js';
import { accepted, ok } from '../lib/http/responses.js';
import { routeBuilder, type HttpRoute } from '../lib/http/stack.js';
import { runListSchema, runRecordSchema, storedPolicySchema } from '../lib/orders/contract.js';
import type { PlivoClient } from '../lib/plivo/client.js';
import { assertPoolExists } from '../lib/pools/counting.js';
import { poolPolicySchema } from '../lib/pools/policy.js';
import type { PoolsDeps } from '../lib/pools/deps.js';
import { runRebalance } from '../lib/pools/run.js';
import type { Stores } from '../lib/store/stores.js';
import type { WorkflowLogger } from '../lib/workflow/deps.js';
import { asWorkflowLogger } from '../lib/runtime/logger.js';
import { listDeliveries } from '../lib/webhooks/delivery.js';
import { assertCallbackUrl, type CallbackDeps, retryWebhook, webhooksOf } from './callbacks.js';
import { deliveryIdSchema, webhookDeliverySchema, webhookRetrySchema } from './schemas.js';
import { toWebhookDeliveryView } from './delivery-view.js';

/** What the pool routes need beyond the orders API's own dependencies. */
export interface PoolsRouteDeps extends CallbackDeps {
  store: Stores;
  sfn: SFNClient;
  stateMachineArn: string;
  plivo?: PlivoClient;
  /** The scheduled rebalance's window, so that a run on demand shares its idempotency key. @default 3600 */
  rebalanceWindowSeconds?: number;
}

const route = routeBuilder<PoolsRouteDeps>();

export const poolPathParams = z.object({
  poolUuid: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a Plivo number pool uuid').meta({ description: 'Plivo number pool uuid' }),
});
export const runPathParams = z.object({
  poolUuid: poolPathParams.shape.poolUuid,
  runId: z.string().regex(/^\d{13}-[0-9a-f]{8}$/, 'is not a run id').meta({ description: 'Run id' }),
});
export const poolDeliveryPathParams = z.object({ poolUuid: poolPathParams.shape.poolUuid, deliveryId: deliveryIdSchema });
export const poolWebhooksSchema = z.object({
  poolUuid: z.string(),
  deliveries: z.array(webhookDeliverySchema).meta({ description: 'Oldest first: pool.rebalanced and pool.surplus' }),
});
export const putPolicyHeaders = z.object({
  'if-match': z
    .string()
    .regex(/^(W\/)?"?\d+"?$/, 'must be a policy version, such as "3"')
    .optional()
    .meta({ description: 'Only replace this version of the policy (else 412)' }),
});
export const rebalanceBody = z.object({ dryRun: z.boolean().default(false) }).strict();


function poolsDeps(deps: PoolsRouteDeps, logger?: WorkflowLogger): PoolsDeps {
  if (!deps.plivo) throw new ConfigurationError('the orders API was built without a Plivo client: pools cannot be counted');
  return { store: deps.store, sfn: deps.sfn, stateMachineArn: deps.stateMachineArn, plivo: deps.plivo,
    ...(deps.rebalanceWindowSeconds ? { windowSeconds: deps.rebalanceWindowSeconds } : {}),
    ...(logger ? { logger } : {}),
  };
}

const etag = (version: number) => ({ etag: `"${version}"` });

export const poolListSchema = z.object({
  pools: z
    .array(z.object({ poolUuid: z.string(), policyVersion: z.number().int(), updatedAt: z.string(), rules: z.number().int().meta({ description: 'Rules in its policy' }) }))
    .meta({ description: 'Every pool with a rebalancing policy, by uuid' }),
});
export type PoolList = z.infer<typeof poolListSchema>;

export const poolsRoutes: readonly HttpRoute<PoolsRouteDeps>[] = [
  route({
    method: 'GET',
    path: '/pools',
    handler: async ({ deps }) => {
      const uuids = (await deps.store.pools.policies.poolsWithPolicy()).sort();
      const policies = await Promise.all(uuids.map((uuid) => deps.store.pools.policies.get(uuid)));
      const answer: PoolList = {
        pools: policies.flatMap((stored) =>
          // A policy deleted between the index read and its own read is left out.
          stored ? [{ poolUuid: stored.poolUuid, policyVersion: stored.version, updatedAt: stored.updatedAt, rules: stored.policy.rules.length }] : [],
        ),
      };
      return ok(answer);
    },
  }),
  route({
    method: 'PUT',
    path: '/pools/{poolUuid}/policy',
    params: poolPathParams,
    headers: putPolicyHeaders,
    body: poolPolicySchema,
    handler: async ({ params, headers, body, deps, logger }) => {
      logger.appendKeys({ poolUuid: params.poolUuid });
      await assertCallbackUrl(body.callbackUrl, deps);
      // A policy for a pool Plivo does not know is refused now, not by every scheduled run later.
      await assertPoolExists(poolsDeps(deps).plivo, params.poolUuid);
      const ifMatch = headers['if-match'] === undefined ? undefined : Number(headers['if-match'].replace(/\D/g, ''));
      const stored = await deps.store.pools.policies.put(params.poolUuid, body, ifMatch);
      logger.info('pool policy stored', { version: stored.version, rules: body.rules.length });
      return ok(stored, etag(stored.version));
    },
  }),
  route({
    method: 'GET',
    path: '/pools/{poolUuid}/policy',
    params: poolPathParams,
    handler: async ({ params, deps }) => {
      const stored = await deps.store.pools.policies.get(params.poolUuid);
      if (!stored) throw new HttpError(404, `pool ${params.poolUuid} has no policy`);
      return ok(stored, etag(stored.version));
    },
  }),
  route({
    method: 'DELETE',
    path: '/pools/{poolUuid}/policy',
    params: poolPathParams,
    handler: async ({ params, deps, logger }) => {
      const deleted = await deps.store.pools.policies.delete(params.poolUuid);
      if (!deleted) throw new HttpError(404, `pool ${params.poolUuid} has no policy`);
      logger.info('pool policy deleted', { poolUuid: params.poolUuid });
      return ok({ poolUuid: params.poolUuid, deleted: true });
    },
  }),
  route({
    method: 'GET',
    path: '/pools/{poolUuid}',
    params: poolPathParams,
    handler: async ({ params, deps }) => {
      const plan = await runRebalance(poolsDeps(deps), params.poolUuid, { preview: true });
      return ok(plan);
    },
  }),
  route({
    method: 'POST',
    path: '/pools/{poolUuid}/rebalance',
    params: poolPathParams,
    body: rebalanceBody,
    handler: async ({ params, body, deps, logger }) => {
      logger.appendKeys({ poolUuid: params.poolUuid });
      const run = await runRebalance(poolsDeps(deps, asWorkflowLogger(logger)), params.poolUuid, { dryRun: body.dryRun });
      return ok(run);
    },
  }),
  route({
    method: 'GET',
    path: '/pools/{poolUuid}/runs',
    params: poolPathParams,
    handler: async ({ params, deps }) => ok({ poolUuid: params.poolUuid, runs: await deps.store.pools.runs.list(params.poolUuid) }),
  }),
  route({
    method: 'GET',
    path: '/pools/{poolUuid}/runs/{runId}',
    params: runPathParams,
    handler: async ({ params, deps }) => ok(await deps.store.pools.runs.get(params.poolUuid, params.runId)),
  }),
  route({
    method: 'GET',
    path: '/pools/{poolUuid}/webhooks',
    params: poolPathParams,
    handler: async ({ params, deps }) => {
      const deliveries = await listDeliveries(webhooksOf(deps), { poolUuid: params.poolUuid });
      return ok({ poolUuid: params.poolUuid, deliveries: deliveries.map(toWebhookDeliveryView) });
    },
  }),
  route({
    method: 'POST',
    path: '/pools/{poolUuid}/webhooks/{deliveryId}/retry',
    params: poolDeliveryPathParams,
    handler: async ({ params, deps, logger }) => {
      logger.appendKeys({ poolUuid: params.poolUuid, deliveryId: params.deliveryId });
      return accepted(await retryWebhook(deps, { poolUuid: params.poolUuid }, params.deliveryId));
    },
  }),
];

const errorSchema = z.object({ error: z.string() });
const error = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
const body = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } });

/** The OpenAPI paths of these routes (merged into the API's document). */
export const poolsApiPaths: Record<string, Record<string, ZodOpenApiOperationObject>> = {
  '/pools': {
    get: {
      operationId: 'listPools',
      summary: 'Every pool with a rebalancing policy',
      responses: { '200': body('The pools, by uuid', poolListSchema) },
    },
  },
  '/pools/{poolUuid}/policy': {
    put: {
      operationId: 'putPoolPolicy',
      summary: "Set a pool's rebalancing policy",
      requestParams: { path: poolPathParams, header: putPolicyHeaders },
      requestBody: { content: { 'application/json': { schema: poolPolicySchema } } },
      responses: {
        '200': body('The stored policy and its version (also the ETag)', storedPolicySchema),
        '404': error('Plivo has no number pool with this uuid (the message names poolUuid)'),
        '412': error('If-Match names another version'),
        '422': error('The policy is invalid (the field is named), or its callbackUrl is not allowed'),
      },
    },
    get: {
      operationId: 'getPoolPolicy',
      summary: "A pool's rebalancing policy",
      requestParams: { path: poolPathParams },
      responses: { '200': body('The policy', storedPolicySchema), '404': error('The pool has no policy') },
    },
    delete: {
      operationId: 'deletePoolPolicy',
      summary: 'Stop rebalancing a pool',
      requestParams: { path: poolPathParams },
      responses: { '200': body('Deleted', z.object({ poolUuid: z.string(), deleted: z.literal(true) })), '404': error('The pool has no policy') },
    },
  },
  '/pools/{poolUuid}': {
    get: {
      operationId: 'getPool',
      summary: "A pool's state per rule: what the next run would decide (nothing recorded)",
      requestParams: { path: poolPathParams },
      responses: { '200': body('The plan', runRecordSchema), '404': error('The pool has no policy') },
    },
  },
  '/pools/{poolUuid}/rebalance': {
    post: {
      operationId: 'rebalancePool',
      summary: 'Rebalance a pool now (or plan only, with dryRun)',
      requestParams: { path: poolPathParams },
      requestBody: { content: { 'application/json': { schema: rebalanceBody } } },
      responses: { '200': body('The run, as recorded', runRecordSchema), '404': error('The pool has no policy') },
    },
  },
  '/pools/{poolUuid}/runs': {
    get: {
      operationId: 'listPoolRuns',
      summary: "A pool's rebalance runs, newest first (at most 20)",
      requestParams: { path: poolPathParams },
      responses: { '200': body('The runs', runListSchema) },
    },
  },
  '/pools/{poolUuid}/webhooks': {
    get: {
      operationId: 'listPoolWebhooks',
      summary: "A pool's webhook deliveries (pool.rebalanced, pool.surplus), oldest first",
      requestParams: { path: poolPathParams },
      responses: { '200': body('The deliveries', poolWebhooksSchema) },
    },
  },
  '/pools/{poolUuid}/webhooks/{deliveryId}/retry': {
    post: {
      operationId: 'retryPoolWebhook',
      summary: 'Send one of the pool\'s webhook deliveries again, now',
      requestParams: { path: poolDeliveryPathParams },
      responses: {
        '202': body('The attempt and the delivery after it', webhookRetrySchema),
        '404': error('No such delivery'),
        '409': error('An attempt is under way, or it was tried too often'),
      },
    },
  },
  '/pools/{poolUuid}/runs/{runId}': {
    get: {
      operationId: 'getPoolRun',
      summary: 'One rebalance run',
      requestParams: { path: runPathParams },
      responses: { '200': body('The run', runRecordSchema), '404': error('No such run') },
    },
  },
};
