/**
 * Where the Plivo credentials come from, read when a call needs them rather than when a process
 * starts: a function that never calls Plivo never reads them, and one whose token was rotated reads
 * the new one when Plivo refuses the old (the HTTP layer asks for a refresh once per refused call).
 *
 * Hand-written: the reading itself is Powertools Parameters' (runtime/secrets.ts); what is here is
 * the single flight and the floor between two refreshes, which a refused request must not be able
 * to turn into a read of the secret per request.
 */
import { ConfigurationError } from '../errors.js';

export interface PlivoCredentials {
  authId: string;
  authToken: string;
}

export interface CredentialSource {
  /** The credentials; the first call reads them, later calls get the same answer. */
  get(): Promise<PlivoCredentials>;
  /**
   * Reads them afresh, past every cache (Plivo refused the ones in hand). Callers at the same time
   * share one read; within `minRefreshIntervalMs` of the last refresh, the credentials in hand.
   */
  refresh(): Promise<PlivoCredentials>;
}

/** Credentials known up front (the local stack, tests, the CLIs): nothing to read, nothing to refresh. */
export function staticCredentials(credentials: PlivoCredentials): CredentialSource {
  const answer = Promise.resolve({ ...credentials });
  return { get: () => answer, refresh: () => answer };
}

/** A source that has nothing to give: every use fails with this configuration error. */
export function missingCredentials(message: string): CredentialSource {
  const fail = () => Promise.reject(new ConfigurationError(message));
  return { get: fail, refresh: fail };
}

export interface ReadCredentialsOptions {
  /** @default 30_000 */
  minRefreshIntervalMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Credentials read by `read` (`fresh`: skip any cache), once, then kept. A failed read is not kept:
 * the next call reads again.
 */
export function readCredentials(read: (fresh: boolean) => Promise<PlivoCredentials>, options: ReadCredentialsOptions = {}): CredentialSource {
  const minInterval = options.minRefreshIntervalMs ?? 30_000;
  const now = options.now ?? Date.now;
  let current: Promise<PlivoCredentials> | undefined;
  let refreshedAt = Number.NEGATIVE_INFINITY;
  const load = (fresh: boolean): Promise<PlivoCredentials> => {
    const loading = read(fresh);
    current = loading;
    loading.catch(() => {
      if (current === loading) current = undefined;
    });
    return loading;
  };
  return {
    get: () => current ?? load(false),
    refresh: () => {
      if (current && now() - refreshedAt < minInterval) return current;
      refreshedAt = now();
      return load(true);
    },
  };
}

/** Whether two answers are the same credentials (a refresh that changed nothing: the refusal stands). */
export function sameCredentials(a: PlivoCredentials, b: PlivoCredentials): boolean {
  return a.authId === b.authId && a.authToken === b.authToken;
}
