// What the rest of the data plane sees of the router: the host lookup, the per-host path match
// and the problems found while compiling. R is the worker's per-route runtime (balancer, labels…).
import type { IncomingHttpHeaders } from 'node:http';
import type { HostRoutes } from '../table/types.ts';

export interface Router<R> {
  /**
   * Host entry for a raw Host header value: case-insensitive, port stripped (also for
   * `[v6]:port`), trailing dot ignored. Exact host first, then the wildcard `*.rest` (exactly one
   * extra label), then `*`. A request whose host has an entry never falls through to `*`.
   */
  host(hostHeader: string | undefined): CompiledHost<R> | undefined;
  /** The table's defaultRoute, bound: requests no host entry (or host route) took. */
  readonly defaultRoute: R | undefined;
  /** Routes left out of this router, and why (a rejected regex, an invalid path value…). */
  readonly problems: RouteProblem[];
}

export interface CompiledHost<R> {
  readonly entry: HostRoutes;
  /**
   * Best route for the request, else the host's fallback; undefined when neither. `path` is the
   * request path without query as received (percent-encoded); `rawQuery` is what follows `?`.
   */
  match(
    path: string,
    method: string,
    headers: IncomingHttpHeaders,
    rawQuery: string | undefined,
  ): R | undefined;
}

export interface RouteProblem {
  /** The route's id; for a problem with a whole host entry, `host:<name>`. */
  routeId: string;
  message: string;
}
