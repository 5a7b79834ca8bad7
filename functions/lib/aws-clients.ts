/**
 * AWS SDK clients built from configuration. Only endpoints differ between AWS and the local
 * stack: `DYNAMODB_ENDPOINT` and `SFN_ENDPOINT` point at DynamoDB Local and the local Step
 * Functions endpoint; unset, the SDK's own resolution (the Lambda's region and role) applies.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Env } from './config.js';

function localCredentials(env: Env) {
  // Local endpoints accept any credentials; give them fixed ones so no credential chain runs.
  return env.AWS_ACCESS_KEY_ID ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

export function createDocumentClient(env: Env = process.env): DynamoDBDocumentClient {
  const endpoint = env.DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint, region: env.AWS_REGION ?? 'us-east-1', ...localCredentials(env) } : {}),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createSfnClient(env: Env = process.env): SFNClient {
  const endpoint = env.SFN_ENDPOINT;
  return new SFNClient({
    ...(endpoint ? { endpoint, region: env.AWS_REGION ?? 'us-east-1', ...localCredentials(env) } : {}),
  });
}
