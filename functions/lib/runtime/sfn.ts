/**
 * The Step Functions client of a container (resuming and failing waiting lines), built on first
 * use from the environment (`SFN_ENDPOINT` locally). The local stack sets its own once its
 * endpoint is up.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { createSfnClient } from '../aws-clients.js';

let shared: SFNClient | undefined;

export function sfnClient(): SFNClient {
  shared ??= createSfnClient();
  return shared;
}

export function setSfnClient(client: SFNClient | undefined): void {
  shared = client;
}
