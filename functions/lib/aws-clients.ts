/**
 * AWS SDK clients built from configuration. Only endpoints differ between AWS and the local
 * stack: `DYNAMODB_ENDPOINT` and `SFN_ENDPOINT` point at DynamoDB Local and the local Step
 * Functions endpoint; unset, the SDK's own resolution (the Lambda's region and role) applies.
 *
 * The DynamoDB client retries in two layers (docs/design.md, "DynamoDB failures"): the SDK's retry
 * strategy takes throttles and timeouts of every call (more attempts than the SDK's default 3,
 * with its full-jitter exponential backoff), and `store/write-conflicts.ts` takes transactions
 * cancelled by a conflict, which the SDK never retries. `DYNAMODB_FAULTS` switches on the fault
 * injector (`dynamodb-faults.ts`): the local stack sets it from `--dynamodb-faults`, the CDK stack
 * never does.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { type Env, optional } from './config.js';
import { DynamoDbFaults, parseDynamoDbFaults } from './dynamodb-faults.js';
import { installConflictRetry } from './store/write-conflicts.js';

/** Attempts per DynamoDB call for throttles and timeouts (the SDK's default is 3). */
const DYNAMODB_MAX_ATTEMPTS = 8;
/** Full jitter: the n-th retry waits a random time up to 50 ms · 2^(n-1), never more than 5 s. */
const dynamoDbBackoff = (attempt: number) => Math.floor(Math.random() * Math.min(5_000, 50 * 2 ** (attempt - 1)));

function localCredentials(env: Env) {
  // Local endpoints accept any credentials; give them fixed ones so no credential chain runs.
  return env.AWS_ACCESS_KEY_ID ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

export interface DocumentClientOptions {
  /** Faults to inject instead of those `DYNAMODB_FAULTS` names (tests hold the object to steer it). */
  faults?: DynamoDbFaults;
}

/**
 * The document client every handler uses. `DYNAMODB_FAULTS` (e.g. `conflict=0.05,throttle=0.05,timeout=0.01`)
 * injects faults into it. @throws ConfigurationError when `DYNAMODB_FAULTS` is malformed
 */
export function createDocumentClient(env: Env = process.env, options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const endpoint = env.DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint, region: env.AWS_REGION ?? 'us-east-1', ...localCredentials(env) } : {}),
    retryStrategy: new ConfiguredRetryStrategy(DYNAMODB_MAX_ATTEMPTS, dynamoDbBackoff),
  });
  installConflictRetry(client);
  const faultSpec = optional(env, 'DYNAMODB_FAULTS');
  const faults = options.faults ?? (faultSpec ? new DynamoDbFaults(parseDynamoDbFaults(faultSpec)) : undefined);
  faults?.install(client);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createSfnClient(env: Env = process.env): SFNClient {
  const endpoint = env.SFN_ENDPOINT;
  return new SFNClient({
    ...(endpoint ? { endpoint, region: env.AWS_REGION ?? 'us-east-1', ...localCredentials(env) } : {}),
  });
}
