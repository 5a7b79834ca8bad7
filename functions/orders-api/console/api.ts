/**
 * The console's calls to the orders API: same origin, under the stage prefix the page names
 * (`<meta name="api-base">`), with the API key the operator typed, kept in sessionStorage (gone
 * when the tab closes; never in localStorage, a URL or a log).
 */

const KEY_STORAGE = 'number-orders.api-key';

const apiBase = document.querySelector<HTMLMetaElement>('meta[name="api-base"]')?.content ?? '';

export function storedApiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** Dispatched on `window` when the API refuses the key. */
export const UNAUTHORIZED_EVENT = 'number-orders:unauthorized';

export interface FieldIssue {
  field: string;
  message: string;
}

/** An answer other than 2xx: the API's own `{"error","issues"?}`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly issues: readonly FieldIssue[] = [],
  ) {
    super(message);
  }

  /** The key is missing or wrong: the console asks for it again. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = storedApiKey();
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${apiBase}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    // The console asks for the key again (app.tsx).
    if (response.status === 401 || response.status === 403) dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    const error = (parsed ?? {}) as { error?: string; message?: string; issues?: FieldIssue[] };
    throw new ApiError(response.status, error.error ?? error.message ?? `${response.status} ${response.statusText}`, error.issues ?? []);
  }
  return parsed as T;
}

export const encode = encodeURIComponent;
