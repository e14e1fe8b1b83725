// compileRouter(table) → Router: hosts in Maps (exact names; wildcards keyed by the suffix after
// their `*.`; the `*` catch-all apart), each host compiled by compileHost. Built once per table;
// the worker swaps whole routers, so nothing here is ever mutated after compile.
import type { IncomingHttpHeaders } from 'node:http';
import type { HostRoutes, Route, RouteTable } from '../table/types.ts';
import { hostKey, isIpLiteral, tableHostKey } from './host.ts';
import { compileHost, type HostMatcher } from './host-matcher.ts';
import type { CompiledHost, RouteProblem, Router } from './types.ts';

class CompiledRouter<R> implements Router<R> {
  readonly defaultRoute: R | undefined;
  readonly problems: RouteProblem[];
  private readonly exact: Map<string, HostMatcher<R>>;
  private readonly wildcards: Map<string, HostMatcher<R>>;
  private readonly catchAll: HostMatcher<R> | undefined;

  constructor(
    exact: Map<string, HostMatcher<R>>,
    wildcards: Map<string, HostMatcher<R>>,
    catchAll: HostMatcher<R> | undefined,
    defaultRoute: R | undefined,
    problems: RouteProblem[],
  ) {
    this.exact = exact;
    this.wildcards = wildcards;
    this.catchAll = catchAll;
    this.defaultRoute = defaultRoute;
    this.problems = problems;
  }

  host(hostHeader: string | undefined): CompiledHost<R> | undefined {
    const key = hostKey(hostHeader);
    if (key === undefined) return this.catchAll;
    const exact = this.exact.get(key);
    if (exact !== undefined) return exact;
    if (this.wildcards.size > 0 && !isIpLiteral(key)) {
      // `*.example.com` takes `a.example.com`: one non-empty label, then exactly the suffix.
      const dot = key.indexOf('.');
      if (dot > 0) {
        const wildcard = this.wildcards.get(key.slice(dot + 1));
        if (wildcard !== undefined) return wildcard;
      }
    }
    return this.catchAll;
  }
}

/**
 * Compiles a table for lookup. `bind` runs once per route kept (host fallbacks with their host,
 * the table's defaultRoute with host undefined) and its result is what lookups return.
 */
export function compileRouter<R>(
  table: RouteTable,
  bind: (route: Route, host: HostRoutes | undefined) => R,
): Router<R> {
  const problems: RouteProblem[] = [];
  const exact = new Map<string, HostMatcher<R>>();
  const wildcards = new Map<string, HostMatcher<R>>();
  let catchAll: HostMatcher<R> | undefined;
  for (const entry of table.hosts) {
    const key = tableHostKey(entry.host);
    const isWildcard = key.startsWith('*.');
    const taken =
      key === '*'
        ? catchAll !== undefined
        : (isWildcard ? wildcards : exact).has(key.slice(isWildcard ? 2 : 0));
    if (taken) {
      // The table promises one entry per host; keep the first rather than fail the whole table.
      problems.push({
        routeId: `host:${entry.host}`,
        message: `host ${entry.host} appears twice; the first entry is kept`,
      });
      continue;
    }
    const matcher = compileHost(entry, bind, problems);
    if (key === '*') catchAll = matcher;
    else if (isWildcard) wildcards.set(key.slice(2), matcher);
    else exact.set(key, matcher);
  }
  const defaultRoute = table.defaultRoute === undefined ? undefined : bind(table.defaultRoute, undefined);
  return new CompiledRouter(exact, wildcards, catchAll, defaultRoute, problems);
}

/** The route for a request: its host's best route or fallback, else the table's defaultRoute. */
export function lookup<R>(
  router: Router<R>,
  hostHeader: string | undefined,
  path: string,
  method: string,
  headers: IncomingHttpHeaders,
  rawQuery: string | undefined,
): R | undefined {
  const host = router.host(hostHeader);
  if (host !== undefined) {
    const route = host.match(path, method, headers, rawQuery);
    if (route !== undefined) return route;
  }
  return router.defaultRoute;
}
