// `gatehouse explain`: what the data plane would do with one request. Every answer comes from the
// data plane's own code — compile() and its router, stages and backend groups — never from a
// second implementation; only the words saying why are written here.
import type { IncomingHttpHeaders } from 'node:http';
import { type CompiledRoute, compile } from '../dataplane/src/compile.ts';
import { clientAllowed } from '../dataplane/src/proxy/client-access.ts';
import { resolve } from '../dataplane/src/proxy/resolve.ts';
import { compareConditions } from '../dataplane/src/router/conditions.ts';
import { hostKey } from '../dataplane/src/router/host.ts';
import { compileRouter, lookup } from '../dataplane/src/router/index.ts';
import { prefixKey } from '../dataplane/src/router/path.ts';
import type { HostRoutes, Route, RouteMatch, RouteTable } from '../dataplane/src/table/types.ts';
import { UpstreamPools } from '../dataplane/src/upstream/pools.ts';

export interface ExplainRequest {
  host: string;
  /** As sent: percent-encoded, with `?query` if any. */
  path: string;
  method: string;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  clientIp?: string;
  /** Arrived on the HTTPS listener (port 443); otherwise plain HTTP, which a TLS host redirects. */
  https?: boolean;
}

export interface RouteSummary {
  id: string;
  ingress: string;
  match: RouteMatch;
}

export interface BackendShare {
  backend: string;
  weight: number;
  /** Share of requests, in percent, among the groups that compiled. */
  percent: number;
  endpoints: string[];
}

export interface Explanation {
  host: { entry: string | undefined; rule: string };
  /** The path as the proxy normalises it (RFC 3986 dot segments, unreserved escapes): what is routed and sent. */
  path?: string;
  /** `route` a path of the host; `fallback` the host's default backend; `default` the table's. */
  outcome: 'route' | 'fallback' | 'default' | 'none';
  route?: RouteSummary;
  precedence: string;
  /** Routes of the host that match this request too and lose, in the order the router would take them. */
  losers: Array<RouteSummary & { rule: string }>;
  /** What happens to the request, in the order the proxy does it. */
  steps: string[];
  backends: BackendShare[];
  /** Backends named by the route that did not compile (missing from the table). */
  missingBackends: string[];
}

/** Most losers listed: enough to see why, bounded whatever the table holds. */
const MAX_LOSERS = 8;

function headersOf(request: ExplainRequest): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { host: request.host };
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const cookies = Object.entries(request.cookies).map(([name, value]) => `${name}=${value}`);
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  return headers;
}

function summary(route: Route): RouteSummary {
  return { id: route.id, ingress: `${route.source.namespace}/${route.source.name}`, match: route.match };
}

function hostRule(key: string | undefined, entry: HostRoutes | undefined): string {
  if (entry === undefined)
    return `no host entry takes ${key ?? 'a request without Host'}: the table's default route`;
  if (entry.host === '*') return `no host entry names ${key}: the rules without a host ("*") take it`;
  if (entry.host.startsWith('*.'))
    return `no exact entry for ${key}; the wildcard ${entry.host} takes exactly one extra label`;
  return `exact host ${entry.host} (case-insensitive, port stripped)`;
}

/** Length the router orders Prefix and Regex routes by: the normalised prefix, or the pattern. */
function pathLength(match: RouteMatch): number {
  const { type, value } = match.path;
  return type === 'Prefix' ? (prefixKey(value) ?? '/').length : value.length;
}

function describePath(match: RouteMatch): string {
  return `${match.path.type} ${match.path.value}`;
}

/** Which of the router's condition rules (conditions.ts compareConditions) put `a` first. */
function conditionRule(a: RouteMatch, b: RouteMatch): string {
  const count = (list: readonly unknown[] | undefined) => list?.length ?? 0;
  if (count(a.methods) > 0 !== count(b.methods) > 0) return 'a route with a method match goes first';
  if (count(a.headers) !== count(b.headers))
    return `more header matches go first (${count(a.headers)} against ${count(b.headers)}; canary-by-header before canary-by-cookie)`;
  if (count(a.queryParams) !== count(b.queryParams))
    return `more query-parameter matches go first (${count(a.queryParams)} against ${count(b.queryParams)})`;
  return `more cookie matches go first (${count(a.cookies)} against ${count(b.cookies)})`;
}

/** Why `winner` went before `next` (or why it won alone), in the router's own precedence terms. */
function precedenceRule(winner: RouteMatch, next: RouteMatch | undefined): string {
  if (winner.path.type === 'Exact')
    return 'an Exact path equal to the request path beats every Prefix and regex (Ingress v1; nginx `location =`)';
  if (next === undefined)
    return `the only route of the host whose path (${describePath(winner)}) and conditions match`;
  const a = pathLength(winner);
  const b = pathLength(next);
  if (a !== b)
    return `longest path wins: ${describePath(winner)} (${a}) before ${describePath(next)} (${b}); ingress-nginx sorts paths by length`;
  if (winner.path.type !== next.path.type) return 'at equal length the Prefix goes before the regex';
  if (compareConditions(winner, next) < 0) return `same path: ${conditionRule(winner, next)}`;
  return 'same path and conditions: table order, the oldest Ingress first (then namespace/name)';
}

/** The host's routes that match too, in the order the router would try them, by taking the winner out and asking again. */
function losers(
  entry: HostRoutes,
  first: Route,
  request: ExplainRequest,
  path: string,
  rawQuery: string | undefined,
): Route[] {
  const headers = headersOf(request);
  const out: Route[] = [];
  const taken = new Set([first.id]);
  for (let i = 0; i < MAX_LOSERS; i++) {
    const routes = entry.routes.filter((r) => !taken.has(r.id));
    const table: RouteTable = {
      version: 1,
      hosts: [{ host: entry.host, routes }],
      backends: {},
      certificates: {},
    };
    const router = compileRouter(table, (route) => route);
    const next = router.host(request.host)?.match(path, request.method, headers, rawQuery);
    if (next === undefined) break;
    out.push(next);
    taken.add(next.id);
  }
  return out;
}

function steps(compiled: CompiledRoute, request: ExplainRequest, answer: string | undefined): string[] {
  const out: string[] = [];
  const { route } = compiled;
  // What resolve() answered before any stage: the HTTPS redirect or the route's RequestRedirect.
  if (answer !== undefined) out.push(answer);
  if (compiled.direct !== undefined)
    out.push(`DirectResponse ${compiled.direct.statusCode}: answered by the proxy`);
  for (const stage of compiled.stages) {
    // Stage classes are named after what they check (proxy/stages/): BodySizeStage → BodySize.
    const name = stage.constructor.name.replace(/Stage$/, '');
    let verdict = '';
    if (name === 'ClientAccess' && compiled.clientAccess !== undefined && request.clientIp !== undefined)
      verdict = clientAllowed(compiled.clientAccess, request.clientIp)
        ? `: ${request.clientIp} allowed`
        : `: ${request.clientIp} refused (403)`;
    out.push(`stage ${name}${stage.refusal === undefined ? '' : ` (refuses as ${stage.refusal})`}${verdict}`);
  }
  for (const filter of route.filters) {
    if (filter.type === 'RequestRedirect' || filter.type === 'DirectResponse') continue;
    const { type, ...rest } = filter;
    out.push(`${type} ${JSON.stringify(rest)}`);
  }
  if (compiled.groups.total === 0)
    out.push('no backend to send it to: answered 503 (why is among the diagnostics below)');
  else out.push(`proxied upstream (response headers within ${compiled.headersTimeoutMs} ms)`);
  return out;
}

function shares(compiled: CompiledRoute): BackendShare[] {
  const { backends, weights, total } = compiled.groups;
  return backends.map((b, i) => ({
    backend: b.key,
    weight: weights[i],
    percent: total === 0 ? 0 : Math.round((weights[i] / total) * 1000) / 10,
    endpoints: b.endpoints.map((e) => `${e.origin}${e.terminating ? ' (terminating)' : ''}`),
  }));
}

/**
 * `table` must have passed validateRouteTable, as a worker's does before it compiles. The request
 * goes through the proxy's own resolve(): path normalisation, Host checks, the HTTPS redirect, the
 * route's redirect and the 404, exactly as a worker decides them.
 */
export async function explain(table: RouteTable, request: ExplainRequest): Promise<Explanation> {
  const pools = new UpstreamPools();
  try {
    const runtime = compile(table, pools);
    const headers = headersOf(request);
    const listener = { encrypted: request.https === true, httpsPort: 443 };
    const resolution = resolve(
      runtime,
      listener,
      request.path,
      request.method,
      headers,
      undefined,
      request.clientIp ?? '',
    );
    const entry = runtime.router.host(request.host)?.entry;
    const host = { entry: entry?.host, rule: hostRule(hostKey(request.host), entry) };
    if (resolution.kind === 'answer' && resolution.status === 400)
      host.rule = 'not a valid request target or Host (RFC 9110 §7.2)';
    if (resolution.kind === 'answer') {
      const why =
        resolution.status === 400
          ? 'the request target or Host is malformed: the proxy answers 400'
          : 'no route, host fallback or default route takes it: the proxy answers 404';
      return {
        host,
        outcome: 'none',
        precedence: why,
        losers: [],
        steps: [`answered ${resolution.status} by the proxy`],
        backends: [],
        missingBackends: [],
      };
    }
    const path = resolution.path;
    const query = resolution.query;
    // The host's HTTPS redirect names no route; the one that serves the request over HTTPS is shown.
    const compiled =
      resolution.route ?? lookup(runtime.router, request.host, path, request.method, headers, query);
    const answer =
      resolution.kind === 'redirect'
        ? `answered ${resolution.status} with Location: ${resolution.location}${resolution.route === undefined ? ' (HTTP to HTTPS; the rest applies over HTTPS)' : " (the route's RequestRedirect)"}`
        : undefined;
    if (compiled === undefined) {
      return {
        host,
        outcome: 'none',
        precedence: 'no route takes it over HTTPS either',
        losers: [],
        steps: answer === undefined ? [] : [answer],
        backends: [],
        missingBackends: [],
      };
    }
    const outcome =
      compiled === runtime.router.defaultRoute
        ? 'default'
        : entry?.fallback !== undefined && compiled.route.id === entry.fallback.id
          ? 'fallback'
          : 'route';
    const rest =
      outcome === 'route' && entry !== undefined ? losers(entry, compiled.route, request, path, query) : [];
    const precedence =
      outcome === 'route'
        ? precedenceRule(compiled.route.match, rest[0]?.match)
        : outcome === 'fallback'
          ? `no path of ${entry?.host} matches: the host's default backend takes it`
          : 'no path of any host entry matches: the table default route takes it';
    const kept = new Set(compiled.groups.backends.map((b) => b.key));
    return {
      host,
      path,
      outcome,
      route: summary(compiled.route),
      precedence,
      losers: rest.map((r, i) => ({
        ...summary(r),
        rule: precedenceRule(i === 0 ? compiled.route.match : rest[i - 1].match, r.match),
      })),
      steps: steps(compiled, request, answer),
      backends: shares(compiled),
      missingBackends: compiled.route.backends.map((b) => b.backend).filter((k) => !kept.has(k)),
    };
  } finally {
    await pools.closeAll();
  }
}

function describeMatch(match: RouteMatch): string {
  const parts = [describePath(match)];
  if (match.methods?.length) parts.push(`methods ${match.methods.join(',')}`);
  for (const [what, list] of [
    ['header', match.headers],
    ['query', match.queryParams],
    ['cookie', match.cookies],
  ] as const)
    for (const m of list ?? []) parts.push(`${what} ${JSON.stringify(m)}`);
  return parts.join(', ');
}

/** `diagnostics`: what translation said about the matched route's own Ingress. */
export function formatExplainText(
  request: ExplainRequest,
  e: Explanation,
  diagnostics: ReadonlyArray<{
    object: { namespace?: string; name: string };
    reason: string;
    message: string;
  }> = [],
): string {
  const lines = [`${request.method} ${request.host}${request.path}`];
  lines.push(`host:    ${e.host.rule}`);
  const q = request.path.indexOf('?');
  if (e.path !== undefined && e.path !== (q < 0 ? request.path : request.path.slice(0, q)))
    lines.push(`path:    ${e.path} (as the proxy normalises it)`);
  if (e.route !== undefined)
    lines.push(`route:   ${e.route.id} (Ingress ${e.route.ingress}): ${describeMatch(e.route.match)}`);
  lines.push(`why:     ${e.precedence}`);
  for (const l of e.losers) lines.push(`  loses:  ${l.id} (Ingress ${l.ingress}): ${describeMatch(l.match)}`);
  lines.push('steps:');
  for (const [i, s] of e.steps.entries()) lines.push(`  ${i + 1}. ${s}`);
  if (e.backends.length > 0) lines.push('backends:');
  for (const b of e.backends) {
    lines.push(`  ${b.backend}  weight ${b.weight} (${b.percent}%)`);
    if (b.endpoints.length === 0) lines.push('    no ready endpoint: 503');
    for (const endpoint of b.endpoints) lines.push(`    ${endpoint}`);
  }
  for (const k of e.missingBackends) lines.push(`  ${k}: not in the table (left out)`);
  if (diagnostics.length > 0) lines.push('diagnostics:');
  for (const d of diagnostics)
    lines.push(`  Ingress ${d.object.namespace}/${d.object.name} ${d.reason}: ${d.message}`);
  return `${lines.join('\n')}\n`;
}

/** The compiled table as JSON, with private keys and password hashes left out. */
export function formatTable(table: RouteTable): string {
  return `${JSON.stringify(
    table,
    (key, value) => (key === 'keyPem' || key === 'hash' ? '<redacted>' : value),
    2,
  )}\n`;
}
