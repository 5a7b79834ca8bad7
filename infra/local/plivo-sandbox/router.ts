/**
 * The Plivo routes the sandbox serves and how a request path finds one. Paths are relative to
 * `/v1/Account/{auth_id}/`, with a trailing slash (added when missing). A route's template
 * (`POST AvailableNumberGroup/{group_id}/`) is also the key its requests are counted under.
 */
import type { Params } from './http.js';
import type { SandboxWorld } from './world.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** What a handler sees. */
export interface ApiContext {
  world: SandboxWorld;
  /** The account id of the path (the authenticated one). */
  accountId: string;
  /** Query and body parameters, merged (the body wins). */
  params: Params;
  /** Values of the path's `{placeholders}`. */
  path: Record<string, string>;
  /** For rents and 10DLC links: whether the next number fails (a fault rule's `numberFailureRate`). */
  failNumber: () => boolean;
  /** For pool adds: the member shows in the pool's list and find only this many ms later (a fault rule). */
  visibleAfterMs?: number;
}

/** A success answer without its api_id (the server adds it). No body means 204-style empty. */
export interface ApiAnswer {
  status: number;
  body?: Record<string, unknown>;
}

/** The part of a request that changes or reads state, run after validation (at once, or later in async mode). */
export type Operation = () => ApiAnswer;

/**
 * A route: `prepare` validates the parameters (throwing ApiError 400) without looking at
 * state, and returns the operation. Validation is split from the operation so that an async call
 * (`callback_url`) can be refused synchronously while the operation runs later.
 */
export interface RouteSpec {
  method: HttpMethod;
  /** e.g. `NumberPool/{uuid}/Number/{number}/` */
  pattern: string;
  prepare: (ctx: ApiContext) => Operation;
}

interface CompiledRoute {
  spec: RouteSpec;
  segments: string[];
}

export type RouteMatch =
  | { kind: 'found'; spec: RouteSpec; template: string; path: Record<string, string> }
  | { kind: 'method-not-allowed'; template: string; allowed: HttpMethod[] }
  | { kind: 'not-found'; template: string };

/** Template key of requests that match no route. */
export const UNKNOWN_ROUTE = '(unknown route)';

const split = (path: string): string[] => path.split('/').filter((segment) => segment !== '');

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(specs: readonly RouteSpec[]) {
    this.routes = specs.map((spec) => ({ spec, segments: split(spec.pattern) }));
  }

  match(method: string, relativePath: string): RouteMatch {
    const segments = split(relativePath);
    const candidates: { route: CompiledRoute; path: Record<string, string> }[] = [];
    for (const route of this.routes) {
      const path = matchSegments(route.segments, segments);
      if (path) candidates.push({ route, path });
    }
    const found = candidates.find((candidate) => candidate.route.spec.method === method);
    if (found) {
      return { kind: 'found', spec: found.route.spec, template: `${method} ${found.route.spec.pattern}`, path: found.path };
    }
    const first = candidates[0];
    if (first) {
      return {
        kind: 'method-not-allowed',
        template: `${method} ${first.route.spec.pattern}`,
        allowed: candidates.map((candidate) => candidate.route.spec.method),
      };
    }
    return { kind: 'not-found', template: `${method} ${UNKNOWN_ROUTE}` };
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const path: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] ?? '';
    const got = actual[i] ?? '';
    const placeholder = /^\{(\w+)\}$/.exec(want);
    if (placeholder?.[1]) path[placeholder[1]] = decodeSegment(got);
    else if (want !== got) return undefined;
  }
  return path;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
