// compile(RouteTable) → Runtime: everything a request needs, resolved once per table so the
// request path only looks things up. The worker swaps runtimes with one assignment; a request
// keeps the runtime it started with until it ends.

import { type CompiledExternalAuth, compileExternalAuth } from './auth/external.ts';
import { compactRoutes, Interner } from './compact-routes.ts';
import type { LimitClient } from './limits/client.ts';
import { type CompiledRateLimit, compileRateLimit } from './limits/compile.ts';
import type { RouteSeries } from './metrics/route-series.ts';
import { type CompiledBasicAuth, compileBasicAuth } from './proxy/basic-auth.ts';
import { type CompiledClientAccess, compileClientAccess } from './proxy/client-access.ts';
import { type CompiledClientCertificate, compileClientCertificate } from './proxy/client-certificate.ts';
import { type CompiledCors, compileCors } from './proxy/cors.ts';
import { type CompiledErrorPages, compileErrorPages } from './proxy/error-pages.ts';
import { compilePathRegex, type PathRegex, type StatusHeaderModifier } from './proxy/filters.ts';
import { type CompiledMirror, compileMirror } from './proxy/mirror.ts';
import { type CompiledResponseRewrites, compileResponseRewrites } from './proxy/response-rewrites.ts';
import { compileStages } from './proxy/stages/build.ts';
import type { Stage } from './proxy/stages/stage.ts';
import { compileRouter, normalizePath, type Router } from './router/index.ts';
import { compileBoundedRegex } from './router/regex.ts';
import type {
  DirectResponseFilter,
  HeaderModifier,
  HostRoutes,
  RequestRedirectFilter,
  Route,
  RouteTable,
  UrlRewriteFilter,
} from './table/types.ts';
import { BackendCompiler } from './upstream/backends.ts';
import type { BackendGroups, CompiledBackend } from './upstream/balancer.ts';
import type { PoolKeys, UpstreamPools } from './upstream/pools.ts';
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
  /** Strict-Transport-Security of answers over TLS (Route.hsts). */
  hsts: string | undefined;
  requestHeaders: HeaderModifier | undefined;
  responseHeaders: HeaderModifier | undefined;
  /** Response header changes for some statuses only (nginx add_header without `always`). */
  statusResponseHeaders: readonly StatusHeaderModifier[] | undefined;
  redirect: RequestRedirectFilter | undefined;
  rewrite: UrlRewriteFilter | undefined;
  /** The redirect's RegexSubstitution / RegexReplace path modifier, compiled; undefined otherwise. */
  redirectRegex: PathRegex | undefined;
  /** The URL rewrite's RegexSubstitution / RegexReplace path modifier, compiled; undefined otherwise. */
  rewriteRegex: PathRegex | undefined;
  /** The first DirectResponse filter: the route answers itself (after a redirect that applies). */
  direct: DirectResponseFilter | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxRequestBodyBytes: number | undefined;
  /** Retry policy (upstream/retry.ts), defaults included. */
  retry: CompiledRetry;
  /** RequestMirror filters (proxy/mirror.ts); undefined for routes without one, which pay nothing. */
  mirrors: readonly CompiledMirror[] | undefined;
  /** custom-http-errors (proxy/error-pages.ts); undefined for routes without, which pay nothing. */
  errorPages: CompiledErrorPages | undefined;
  /** Location / Set-Cookie rewrites (proxy/response-rewrites.ts); undefined for routes without. */
  responseRewrites: CompiledResponseRewrites | undefined;
  /** Allow/deny rules on the client address (proxy/client-access.ts); undefined: everyone. */
  clientAccess: CompiledClientAccess | undefined;
  /** CORS (proxy/cors.ts); undefined for routes without, which pay nothing. */
  cors: CompiledCors | undefined;
  /** Request and connection limits (limits/); undefined for routes without, which pay nothing. */
  rateLimit: CompiledRateLimit | undefined;
  /** Checks that may answer before any upstream is picked (proxy/stages/), in order; empty for most. */
  stages: readonly Stage[];
  /** The stages an upgrade handshake meets (access rules, not a CORS preflight). */
  upgradeStages: readonly Stage[];
  /** HTTP Basic authentication (proxy/basic-auth.ts); undefined for routes without, which pay nothing. */
  basicAuth: CompiledBasicAuth | undefined;
  /** auth-url (auth/external.ts); undefined for routes without, which pay nothing. */
  externalAuth: CompiledExternalAuth | undefined;
  /** The host's client certificate settings (proxy/client-certificate.ts); undefined for most. */
  clientCertificate: CompiledClientCertificate | undefined;
  /** Metric series of this route, one per backend (dataplane/src/metrics/), bound on first use. */
  readonly series?: RouteSeries;
}

/** Binds a route's metric series, once per route and table, so requests only look them up. */
export type SeriesBinder = (route: Route, backends: readonly CompiledBackend[]) => RouteSeries;

export interface Runtime {
  version: number;
  router: Router<CompiledRoute>;
  /** Keys of every upstream pool this table's routes use (upstream/pools.ts): the pools to keep. */
  poolKeys: PoolKeys;
  problems: Array<{ routeId: string; message: string }>;
  /** SSL passthrough: SNI host name → its backend (tls/passthrough.ts); undefined when the table has none. */
  passthrough: ReadonlyMap<string, CompiledBackend> | undefined;
}

function mergeModifiers(
  route: Route,
  type: 'RequestHeaderModifier' | 'ResponseHeaderModifier',
): HeaderModifier | undefined {
  let merged: HeaderModifier | undefined;
  for (const f of route.filters) {
    if (f.type !== type || f.statuses !== undefined) continue;
    merged ??= { set: [], add: [], remove: [] };
    merged.set!.push(...(f.set ?? []));
    merged.add!.push(...(f.add ?? []));
    merged.remove!.push(...(f.remove ?? []));
  }
  return merged;
}

/** ResponseHeaderModifiers limited to some statuses, in filter order; undefined when there is none. */
function statusModifiers(route: Route): StatusHeaderModifier[] | undefined {
  let out: StatusHeaderModifier[] | undefined;
  for (const f of route.filters) {
    if (f.type !== 'ResponseHeaderModifier' || f.statuses === undefined) continue;
    out ??= [];
    out.push({ statuses: new Set(f.statuses), modifier: { set: f.set, add: f.add, remove: f.remove } });
  }
  return out;
}

/**
 * A compiled route whose series are bound by its first request, not at compile time: binding
 * 10 000 routes eagerly cost ~24 MiB per worker, for routes most of which see no traffic there.
 */
class BoundRoute implements CompiledRoute {
  readonly route: Route;
  readonly host: HostRoutes | undefined;
  readonly groups: BackendGroups;
  readonly matchedPrefix: string;
  readonly requestHeaders: HeaderModifier | undefined;
  readonly responseHeaders: HeaderModifier | undefined;
  readonly hsts: string | undefined;
  readonly statusResponseHeaders: readonly StatusHeaderModifier[] | undefined;
  readonly redirect: RequestRedirectFilter | undefined;
  readonly rewrite: UrlRewriteFilter | undefined;
  readonly redirectRegex: PathRegex | undefined;
  readonly rewriteRegex: PathRegex | undefined;
  readonly direct: DirectResponseFilter | undefined;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxRequestBodyBytes: number | undefined;
  readonly retry: CompiledRetry;
  readonly mirrors: readonly CompiledMirror[] | undefined;
  readonly errorPages: CompiledErrorPages | undefined;
  readonly responseRewrites: CompiledResponseRewrites | undefined;
  readonly clientAccess: CompiledClientAccess | undefined;
  readonly cors: CompiledCors | undefined;
  readonly rateLimit: CompiledRateLimit | undefined;
  readonly stages: readonly Stage[];
  readonly upgradeStages: readonly Stage[];
  readonly basicAuth: CompiledBasicAuth | undefined;
  readonly externalAuth: CompiledExternalAuth | undefined;
  readonly clientCertificate: CompiledClientCertificate | undefined;
  readonly satisfyAny: boolean;
  #bindSeries: SeriesBinder | undefined;
  #series: RouteSeries | undefined = undefined;

  constructor(
    route: Route,
    host: HostRoutes | undefined,
    groups: BackendGroups,
    mirrors: readonly CompiledMirror[] | undefined,
    errorPages: CompiledErrorPages | undefined,
    clientAccess: CompiledClientAccess | undefined,
    externalAuth: CompiledExternalAuth | undefined,
    rateLimit: CompiledRateLimit | undefined,
    bindSeries?: SeriesBinder,
  ) {
    this.route = route;
    this.clientAccess = clientAccess;
    this.externalAuth = externalAuth;
    this.rateLimit = rateLimit;
    this.cors = compileCors(route.cors);
    this.basicAuth = compileBasicAuth(route.basicAuth);
    this.mirrors = mirrors;
    this.errorPages = errorPages;
    this.host = host;
    this.clientCertificate = compileClientCertificate(host?.clientCertificate);
    this.satisfyAny = route.satisfy === 'any';
    this.groups = groups;
    // Normalised like the request path it is compared with, so a rewrite cuts where the match did.
    this.matchedPrefix =
      route.match.path.type === 'Prefix' ? (normalizePath(route.match.path.value) ?? '/') : '/';
    this.requestHeaders = mergeModifiers(route, 'RequestHeaderModifier');
    this.responseHeaders = mergeModifiers(route, 'ResponseHeaderModifier');
    this.hsts = route.hsts;
    this.statusResponseHeaders = statusModifiers(route);
    this.responseRewrites = compileResponseRewrites(route.responseRewrites);
    let redirect: RequestRedirectFilter | undefined;
    let rewrite: UrlRewriteFilter | undefined;
    let direct: DirectResponseFilter | undefined;
    for (const f of route.filters) {
      if (f.type === 'RequestRedirect') redirect ??= f;
      else if (f.type === 'URLRewrite') rewrite ??= f;
      else if (f.type === 'DirectResponse') direct ??= f;
    }
    this.redirect = redirect;
    this.rewrite = rewrite;
    this.direct = direct;
    // A RegexReplace redirect applies only where its pattern matches; other requests go on to the rewrite.
    const regex =
      redirect?.path?.type === 'RegexSubstitution' || rewrite?.path?.type === 'RegexSubstitution'
        ? routeRegex(route)
        : undefined;
    this.redirectRegex = compilePathRegex(redirect?.path, regex);
    this.rewriteRegex = compilePathRegex(rewrite?.path, regex);
    this.headersTimeoutMs = route.timeouts?.responseHeaderMs ?? DEFAULT_RESPONSE_HEADER_MS;
    this.bodyTimeoutMs = route.timeouts?.idleMs ?? DEFAULT_IDLE_MS;
    this.maxRequestBodyBytes = route.maxRequestBodyBytes;
    this.retry = compileRetry(route.retry);
    // Last: the stages are built from the fields above.
    const staged = compileStages(this);
    this.stages = staged.stages;
    this.upgradeStages = staged.upgradeStages;
    this.#bindSeries = bindSeries;
  }

  get series(): RouteSeries | undefined {
    if (this.#series === undefined && this.#bindSeries !== undefined) {
      this.#series = this.#bindSeries(this.route, this.groups.backends);
      this.#bindSeries = undefined;
    }
    return this.#series;
  }
}

/** The route's own path regex, as the router compiled it (an invalid one never routes). */
function routeRegex(route: Route) {
  const path = route.match.path;
  if (path.type !== 'Regex') return undefined;
  const compiled = compileBoundedRegex(path.value, 'start');
  return compiled.ok ? compiled.re : undefined;
}

const NO_CURRENT: number[] = [];

/** The route's mirrors whose backend compiles; undefined (no array) for the routes without one. */
function mirrorsOf(
  route: Route,
  compiler: BackendCompiler,
  connectMs: number | undefined,
): CompiledMirror[] | undefined {
  let mirrors: CompiledMirror[] | undefined;
  for (const f of route.filters) {
    if (f.type !== 'RequestMirror') continue;
    const backend = compiler.get(f.backend, connectMs);
    if (backend === undefined) continue;
    mirrors ??= [];
    mirrors.push(compileMirror(f, backend));
  }
  return mirrors;
}

/** `limits`: the worker's leases of the replica's budgets; without it a rate-limited route answers 503. */
export function compile(
  table: RouteTable,
  pools: UpstreamPools,
  bindSeries?: SeriesBinder,
  limits?: LimitClient,
): Runtime {
  const strings = new Interner();
  // Backends are compiled as routes reach them: one no route uses carries no traffic.
  const compiler = new BackendCompiler(table.backends, pools, strings, table.certificates);
  // The paths of one Ingress share their rules: one set of BlockLists for all of them.
  const accessCache = new Map<string, CompiledClientAccess>();
  const accessProblems: Array<{ routeId: string; message: string }> = [];

  const bind = (route: Route, host: HostRoutes | undefined): CompiledRoute => {
    const connectMs = route.timeouts?.connectMs;
    // Built by filter and map, not push: exact-size arrays (a pushed one reserves 17 slots).
    const kept = route.backends.filter((wb) => compiler.get(wb.backend, connectMs) !== undefined);
    const groupBackends = kept.map((wb) => compiler.get(wb.backend, connectMs) as CompiledBackend);
    const weights = kept.map((wb) => wb.weight);
    const total = weights.reduce((a, b) => a + b, 0);
    // pickGroup keeps no state for a single group: those routes share one unused `current`.
    const current = groupBackends.length > 1 ? weights.map(() => 0) : NO_CURRENT;
    // A multi-group route with a cookie-affinity group sends pinned clients back to their group.
    const sticky = groupBackends.length > 1 && groupBackends.some((b) => b.affinity !== undefined);
    const groups = { backends: groupBackends, weights, current, total, sticky };
    const pages = route.errorPages;
    const pagesBackend = pages === undefined ? undefined : compiler.get(pages.backend, connectMs);
    const errorPages =
      pagesBackend === undefined ? undefined : compileErrorPages(route, pages!, pagesBackend);
    const problems: string[] = [];
    const access = compileClientAccess(route.clientAccess, accessCache, problems);
    const rateLimit = compileRateLimit(route.rateLimit, route.globalRateLimit, limits, accessCache, problems);
    for (const message of problems) accessProblems.push({ routeId: route.id, message });
    const mirrors = mirrorsOf(route, compiler, connectMs);
    const auth = route.externalAuth;
    const externalAuth =
      auth === undefined ? undefined : compileExternalAuth(auth, compiler.get(auth.backend, connectMs));
    return new BoundRoute(
      route,
      host,
      groups,
      mirrors,
      errorPages,
      access,
      externalAuth,
      rateLimit,
      bindSeries,
    );
  };

  const router = compileRouter(compactRoutes(table, strings), bind);
  const problems = accessProblems.length === 0 ? router.problems : [...router.problems, ...accessProblems];
  return {
    version: table.version,
    router,
    poolKeys: compiler.poolKeys,
    problems,
    passthrough: passthroughHosts(table, compiler),
  };
}

/** Exact names only: ingress-nginx's passthrough proxy compares the SNI name with each host as it is. */
function passthroughHosts(
  table: RouteTable,
  compiler: BackendCompiler,
): Map<string, CompiledBackend> | undefined {
  let hosts: Map<string, CompiledBackend> | undefined;
  for (const host of table.hosts) {
    if (host.passthrough === undefined || host.host.startsWith('*')) continue;
    const backend = compiler.get(host.passthrough.backend);
    if (backend === undefined) continue;
    hosts ??= new Map();
    hosts.set(host.host, backend);
  }
  return hosts;
}
