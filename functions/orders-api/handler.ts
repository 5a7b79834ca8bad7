/**
 * Lambda entry of the orders HTTP API (API Gateway REST proxy). Configuration is read once, at
 * cold start, failing with the variable's name: `TABLE_NAME`, `STATE_MACHINE_ARN`; endpoints
 * (`DYNAMODB_ENDPOINT`, `SFN_ENDPOINT`) as `functions/lib/aws-clients.ts` reads them.
 */
import { createDocumentClient, createSfnClient } from '../lib/aws-clients.js';
import { required } from '../lib/config.js';
import { OrderStore } from '../lib/store/order-store.js';
import { createOrdersApi } from './api.js';

const tableName = required(process.env, 'TABLE_NAME');
const stateMachineArn = required(process.env, 'STATE_MACHINE_ARN');

export const handler = createOrdersApi({
  store: new OrderStore(createDocumentClient(), tableName),
  sfn: createSfnClient(),
  stateMachineArn,
});

export { createOrdersApi };
