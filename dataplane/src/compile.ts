// compile(RouteTable) → Runtime: everything a request needs, resolved once per table so the
// request path only looks things up. The worker swaps runtimes with one assignment; a request
// keeps the runtime it started with until it ends.
import type { RouteSeries } from './metrics/route-series.ts';
import { compileRouter, normalizePath, type Router } from './router/index.ts';
import type {
  HeaderModifier,
  HostRoutes,
  RequestRedirectFilter,
  Route,
  RouteTable,
  UrlRewriteFilter,
} from './table/types.ts';
import { BackendCompiler } from './upstream/backends.ts';
import type { BackendGroups, CompiledBackend } from './upstream/balancer.ts';
import type { UpstreamPools } from './upstream/pools.ts';
import { type CompiledRetry, compileRetry } from './upstream/retry.ts';

/** Defaults where a route sets no timeout: nginx's proxy_read_timeout of 60 s. */
export const DEFAULT_RESPONSE_HEADER_MS = 60_000;
export const DEFAULT_IDLE_MS = 60_000;

export interface CompiledRoute {
  route: Route;
  host: HostRoutes | undefined;
  groups: BackendGroups;
  /** The match's path value, for ReplacePrefixMatch rewrites. */
  matchedPrefix: string;
  requestHeaders: HeaderModifier | undefined;
  responseHeaders: HeaderModifier | undefined;
  redirect: RequestRedirectFilter | undefined;
  rewrite: UrlRewriteFilter | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxRequestBodyBytes: number | undefined;
  /** Retry policy (upstream/retry.ts), defaults included. */
  retry: CompiledRetry;
  /** Metric series of this route, one per backend, bound once per table (dataplane/src/metrics/). */
  series?: RouteSeries;
}

/** Binds a route's metric series at compile time, so requests only look them up. */
export type SeriesBinder = (route: Route, backends: readonly CompiledBackend[]) => RouteSeries;

export interface Runtime {
  version: number;
  router: Router<CompiledRoute>;
  /** Keys of every upstream pool this table's routes use (upstream/pools.ts): the pools to keep. */
  poolKeys: Set<string>;
  problems: Array<{ routeId: string; message: string }>;
}

function mergeModifiers(
  route: Route,
  type: 'RequestHeaderModifier' | 'ResponseHeaderModifier',
): HeaderModifier | undefined {
  let merged: HeaderModifier | undefined;
  for (const f of route.filters) {
    if (f.type !== type) continue;
    merged ??= { set: [], add: [], remove: [] };
    merged.set!.push(...(f.set ?? []));
    merged.add!.push(...(f.add ?? []));
    merged.remove!.push(...(f.remove ?? []));
  }
  return merged;
}

export function compile(table: RouteTable, pools: UpstreamPools, bindSeries?: SeriesBinder): Runtime {
  // Backends are compiled as routes reach them: one no route uses carries no traffic.
  const compiler = new BackendCompiler(table.backends, pools);

  const bind = (route: Route, host: HostRoutes | undefined): CompiledRoute => {
    const groupBackends: CompiledBackend[] = [];
    const weights: number[] = [];
    for (const wb of route.backends) {
      const compiled = compiler.get(wb.backend, route.timeouts?.connectMs);
      if (compiled === undefined) continue;
      groupBackends.push(compiled);
      weights.push(wb.weight);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    let redirect: RequestRedirectFilter | undefined;
    let rewrite: UrlRewriteFilter | undefined;
    for (const f of route.filters) {
      if (f.type === 'RequestRedirect') redirect ??= f;
      else if (f.type === 'URLRewrite') rewrite ??= f;
    }
    return {
      route,
      host,
      groups: { backends: groupBackends, weights, current: weights.map(() => 0), total },
      // Normalised like the request path it is compared with, so a rewrite cuts where the match did.
      matchedPrefix:
        route.match.path.type === 'Prefix' ? (normalizePath(route.match.path.value) ?? '/') : '/',
      requestHeaders: mergeModifiers(route, 'RequestHeaderModifier'),
      responseHeaders: mergeModifiers(route, 'ResponseHeaderModifier'),
      redirect,
      rewrite,
      headersTimeoutMs: route.timeouts?.responseHeaderMs ?? DEFAULT_RESPONSE_HEADER_MS,
      bodyTimeoutMs: route.timeouts?.idleMs ?? DEFAULT_IDLE_MS,
      maxRequestBodyBytes: route.maxRequestBodyBytes,
      retry: compileRetry(route.retry),
      series: bindSeries?.(route, groupBackends),
    };
  };

  const router = compileRouter(table, bind);
  return { version: table.version, router, poolKeys: compiler.poolKeys, problems: router.problems };
}
