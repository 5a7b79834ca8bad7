/**
 * Route matching on method and path templates (`/orders/{orderId}`), knowing the difference
 * between "no such resource" (404) and "no such method on it" (405, with the methods there are).
 *
 * Not @middy/http-router: that one matches per method only, so it cannot tell a 405 from a 404
 * nor list the `Allow` methods; it runs as the final handler, after body parsing (see stack.ts);
 * and it leaves %-escapes in path parameters (a malformed one must name no resource: 404).
 */
import { ConfigurationError } from '../errors.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface RouteKey {
  method: HttpMethod;
  /** Template in API Gateway's syntax: `/orders/{orderId}/numbers`. */
  path: string;
}

export type RouteMatch<R> =
  | { kind: 'found'; route: R; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: HttpMethod[] }
  | { kind: 'not-found' };

interface Compiled<R> {
  route: R;
  pattern: RegExp;
  names: string[];
}

function compile<R extends RouteKey>(route: R): Compiled<R> {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return { route, names, pattern: new RegExp(`^${source}/?$`) };
}

export class Router<R extends RouteKey> {
  private readonly compiled: Compiled<R>[];

  constructor(readonly routes: readonly R[]) {
    const seen = new Set<string>();
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new ConfigurationError(`route ${key} is defined twice`);
      seen.add(key);
    }
    this.compiled = routes.map(compile);
  }

  match(method: string, path: string): RouteMatch<R> {
    const allow = new Set<HttpMethod>();
    for (const { route, pattern, names } of this.compiled) {
      const found = pattern.exec(path);
      if (!found) continue;
      if (route.method !== method) {
        allow.add(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      try {
        names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1] ?? '')));
      } catch {
        return { kind: 'not-found' }; // a malformed %-escape names no resource
      }
      return { kind: 'found', route, params };
    }
    if (allow.size > 0) return { kind: 'method-not-allowed', allow: HTTP_METHODS.filter((m) => allow.has(m)) };
    return { kind: 'not-found' };
  }
}
