/**
 * Route matching as the HTTP API does it: a path template per route, `{name}` matching one segment.
 * A path no route has, or a method the path's routes lack, is the same 404 on AWS (there is no 405).
 */
import type { RouteEntry } from '../api/routes.ts';

export interface RouteMatch {
  route: RouteEntry;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: RouteEntry;
  pattern: RegExp;
  names: string[];
}

const compile = (route: RouteEntry): CompiledRoute => {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
};

/** Percent-decoding that leaves a malformed sequence as it is (API Gateway does not refuse it). */
export const decodePath = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export interface Router {
  /** The route for `method` and the (still encoded) `path`, with its decoded parameters. */
  find: (method: string, path: string) => RouteMatch | undefined;
  /** Whether some route has this path, whatever the method (the gateway then serves no static file). */
  hasPath: (path: string) => boolean;
}

export const createRouter = (routes: readonly RouteEntry[]): Router => {
  const compiled = routes.map(compile);
  const matching = (path: string) => compiled.filter(({ pattern }) => pattern.test(path));
  return {
    find: (method, path) => {
      const c = matching(path).find(({ route }) => route.method === method);
      if (!c) return undefined;
      const m = c.pattern.exec(path) as RegExpExecArray;
      return {
        route: c.route,
        params: Object.fromEntries(c.names.map((n, i) => [n, decodePath(m[i + 1] as string)])),
      };
    },
    hasPath: (path) => matching(path).length > 0,
  };
};

export const isApiPath = (path: string): boolean =>
  path === '/health' || path === '/v1' || path.startsWith('/v1/');
