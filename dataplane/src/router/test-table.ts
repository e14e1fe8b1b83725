// Small builders for router tests: a route is its id plus its match; everything a router ignores
// (backends, filters, source) gets a fixed value, and binding a route yields its id.
import type { HostRoutes, PathMatchType, Route, RouteMatch, RouteTable } from '../table/types.ts';

export function route(
  id: string,
  type: PathMatchType,
  value: string,
  extra: Omit<RouteMatch, 'path'> = {},
): Route {
  return {
    id,
    source: { kind: 'Ingress', namespace: 'default', name: id },
    match: { path: { type, value }, ...extra },
    backends: [],
    filters: [],
  };
}

export function host(name: string, routes: Route[], fallback?: Route): HostRoutes {
  return fallback === undefined ? { host: name, routes } : { host: name, routes, fallback };
}

export function table(hosts: HostRoutes[], defaultRoute?: Route): RouteTable {
  const t: RouteTable = { version: 1, hosts, backends: {}, certificates: {} };
  if (defaultRoute !== undefined) t.defaultRoute = defaultRoute;
  return t;
}

/** The bind used by tests: the payload is the route id. */
export function bindId(r: Route): string {
  return r.id;
}
