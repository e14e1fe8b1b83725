// Ingress rules → routes per host, merged across all our Ingresses. A host+match claimed twice is
// won by the oldest Ingress, then by namespace/name (the order of `IngressView`s given), and the
// loser is told which object holds the route. Backends are resolved only for the winners.
import type { HostRoutes, Route, RouteMatch } from '../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../snapshot.ts';
import type { BackendResolver } from './backends.ts';
import { ingressObject } from './diagnostics.ts';
import { compareText, isRecord, list, record } from './guard.ts';
import { normaliseHost } from './hosts.ts';
import type { IngressView } from './lookup.ts';
import { normalisePath } from './paths.ts';
import { type RegexPaths, regexPath } from './regex-paths.ts';

/** One path of one rule, before merging. */
export interface RouteClaim {
  ingress: IngressView;
  host: string;
  match: RouteMatch['path'];
  id: string;
  /** `spec.rules[i].http.paths[j]`. */
  field: string;
  backend: unknown;
  /** The path and pathType as written, for use-regex (regex-paths.ts). */
  written?: { path: string; type: string };
  /** Its location makes every path of its host a regex (ingress-nginx use-regex or rewrite-target). */
  enforcesRegex?: boolean;
}

export interface IngressRoutes {
  ingress: IngressView;
  claims: RouteClaim[];
  /** Valid hosts the rules name, `*` for rules without a host. */
  hosts: Set<string>;
  /** spec.defaultBackend as written, if set. */
  defaultBackend?: unknown;
  /** An access-restricting annotation is not honoured: every route keeps its claim but has no backends (503). */
  closed?: boolean;
}

export interface MergedRoutes {
  hosts: HostRoutes[];
  defaultRoute?: Route;
}

/** `regex`: the Ingress's use-regex and rewrite-target (regex-paths.ts); absent, none. */
export function readIngress(
  ingress: IngressView,
  diagnostics: Diagnostic[],
  regex?: RegexPaths,
): IngressRoutes {
  const object = ingressObject(ingress.namespace, ingress.name);
  const claims: RouteClaim[] = [];
  const hosts = new Set<string>();
  const rules = list(ingress.spec.rules);
  const defaultBackend = ingress.spec.defaultBackend;
  if (rules.length === 0 && defaultBackend === undefined) {
    diagnostics.push({
      object,
      field: 'spec',
      reason: 'NoRules',
      message: 'the Ingress has neither rules nor a defaultBackend, so it routes nothing',
    });
  }
  for (const [i, rawRule] of rules.entries()) {
    if (!isRecord(rawRule)) {
      diagnostics.push({
        object,
        field: `spec.rules[${i}]`,
        reason: 'InvalidRule',
        message: 'a rule must be an object',
      });
      continue;
    }
    const host = normaliseHost(rawRule.host);
    if (!host.ok) {
      diagnostics.push({
        object,
        field: `spec.rules[${i}].host`,
        reason: 'InvalidHost',
        message: host.message,
      });
      continue;
    }
    hosts.add(host.host);
    for (const [j, rawPath] of list(record(rawRule.http).paths).entries()) {
      const field = `spec.rules[${i}].http.paths[${j}]`;
      const httpPath = record(rawPath);
      const path =
        regexPath(httpPath.path, httpPath.pathType, regex) ?? normalisePath(httpPath.path, httpPath.pathType);
      if (!path.ok) {
        const suffix = path.reason === 'InvalidPathType' ? 'pathType' : 'path';
        diagnostics.push({ object, field: `${field}.${suffix}`, reason: path.reason, message: path.message });
        continue;
      }
      claims.push({
        ingress,
        host: host.host,
        match: path.match,
        id: `ingress/${ingress.namespace}/${ingress.name}/rules/${i}/paths/${j}`,
        field,
        backend: httpPath.backend,
        written: {
          path: httpPath.path === undefined || httpPath.path === '' ? '/' : String(httpPath.path),
          type: String(httpPath.pathType),
        },
        enforcesRegex:
          regex !== undefined &&
          (regex.useRegex || (regex.rewriteTarget !== undefined && regex.rewriteTarget !== httpPath.path)),
      });
    }
  }
  const routes: IngressRoutes = { ingress, claims, hosts };
  if (defaultBackend !== undefined) routes.defaultBackend = defaultBackend;
  return routes;
}

/** `all` must be in conflict order: oldest Ingress first, then namespace/name. */
export function mergeRoutes(
  all: IngressRoutes[],
  resolver: BackendResolver,
  diagnostics: Diagnostic[],
): MergedRoutes {
  const winners = new Map<string, RouteClaim>();
  const routesByHost = new Map<string, Route[]>();
  for (const { claims, hosts, closed } of all) {
    for (const host of hosts) if (!routesByHost.has(host)) routesByHost.set(host, []);
    for (const claim of claims) {
      const key = `${claim.host}\u0000${claim.match.type}\u0000${claim.match.value}`;
      const winner = winners.get(key);
      if (winner !== undefined) {
        diagnostics.push(conflict(claim, winner));
        continue;
      }
      winners.set(key, claim);
      const backends = closed
        ? []
        : resolveBackend(resolver, claim.ingress, claim.backend, `${claim.field}.backend`, diagnostics);
      routesByHost.get(claim.host)?.push(routeOf(claim.ingress, claim.id, claim.match, backends));
    }
  }

  const fallbacks = new Map<string, { owner: IngressView; route: Route }>();
  let defaultRoute: { owner: IngressView; route: Route } | undefined;
  for (const { ingress, hosts, defaultBackend, closed } of all) {
    if (defaultBackend === undefined) continue;
    const object = ingressObject(ingress.namespace, ingress.name);
    const field = 'spec.defaultBackend';
    const id = `ingress/${ingress.namespace}/${ingress.name}/defaultBackend`;
    const everything: RouteMatch['path'] = { type: 'Prefix', value: '/' };
    // Resolved only once something is won, so an unused defaultBackend adds no backend or diagnostic.
    let backends: Route['backends'] | undefined;
    const route = (): Route => {
      backends ??= closed ? [] : resolveBackend(resolver, ingress, defaultBackend, field, diagnostics);
      return routeOf(ingress, id, everything, backends);
    };
    const wonHosts: string[] = [];
    for (const host of [...hosts].sort(compareText)) {
      const taken = fallbacks.get(host);
      if (taken === undefined) {
        fallbacks.set(host, { owner: ingress, route: route() });
        wonHosts.push(host);
      } else {
        diagnostics.push({
          object,
          field,
          reason: 'RouteConflict',
          message:
            `host "${host}" already falls back to the defaultBackend of Ingress ${name(taken.owner)} ` +
            `(${precedence(taken.owner, ingress)})`,
        });
      }
    }
    if (defaultRoute === undefined) {
      defaultRoute = { owner: ingress, route: route() };
    } else {
      diagnostics.push({
        object,
        field,
        reason: 'RouteConflict',
        message:
          `the default route for unmatched hosts is already the defaultBackend of Ingress ` +
          `${name(defaultRoute.owner)} (${precedence(defaultRoute.owner, ingress)}); ` +
          (wonHosts.length > 0
            ? `this one serves only as the fallback of this Ingress's hosts ${wonHosts.join(', ')}`
            : 'this one is not used'),
      });
    }
  }

  const hosts: HostRoutes[] = [...routesByHost.keys()].sort(compareText).map((host) => {
    const entry: HostRoutes = { host, routes: (routesByHost.get(host) ?? []).sort(compareRoutes) };
    const fallback = fallbacks.get(host);
    if (fallback !== undefined) entry.fallback = fallback.route;
    return entry;
  });
  return defaultRoute === undefined ? { hosts } : { hosts, defaultRoute: defaultRoute.route };
}

export function routeOf(
  ingress: IngressView,
  id: string,
  path: RouteMatch['path'],
  backends: Route['backends'],
): Route {
  return {
    id,
    source: { kind: 'Ingress', namespace: ingress.namespace, name: ingress.name },
    match: { path: { type: path.type, value: path.value } },
    backends: backends.map((b) => ({ backend: b.backend, weight: b.weight })),
    filters: [],
  };
}

function resolveBackend(
  resolver: BackendResolver,
  ingress: IngressView,
  backend: unknown,
  field: string,
  diagnostics: Diagnostic[],
): Route['backends'] {
  const resolution = resolver.resolve(ingress.namespace, backend, ingress);
  if (resolution.problem !== undefined) {
    const { problem } = resolution;
    diagnostics.push({
      object: ingressObject(ingress.namespace, ingress.name),
      field: `${field}${problem.field}`,
      reason: problem.reason,
      message: problem.message,
    });
  }
  return resolution.backends;
}

function conflict(loser: RouteClaim, winner: RouteClaim): Diagnostic {
  const same = winner.ingress === loser.ingress;
  const holder = same
    ? `${winner.field} of this Ingress`
    : `${winner.field} of Ingress ${name(winner.ingress)} (${precedence(winner.ingress, loser.ingress)})`;
  return {
    object: ingressObject(loser.ingress.namespace, loser.ingress.name),
    field: loser.field,
    reason: 'RouteConflict',
    message:
      `${loser.match.type} "${loser.match.value}" on host "${loser.host}" is already routed by ${holder}; ` +
      `this path is ignored`,
  };
}

/** Why `winner` beat `loser`, for messages: age first, then namespace/name. */
function precedence(winner: IngressView, loser: IngressView): string {
  return winner.created < loser.created ? 'older' : 'same age, first by namespace/name';
}

function name(ingress: IngressView): string {
  return `${ingress.namespace}/${ingress.name}`;
}

// Most specific first (longer path, then Exact before Prefix), as a reader of the table expects;
// (type, value) is unique per host after merging, so this order is total.
function compareRoutes(a: Route, b: Route): number {
  const pa = a.match.path;
  const pb = b.match.path;
  if (pa.value.length !== pb.value.length) return pb.value.length - pa.value.length;
  if (pa.type !== pb.type) return pa.type === 'Exact' ? -1 : 1;
  // ingress-nginx orders its locations by length, then path descending; the router tries regexes
  // of equal length in table order.
  if (pa.type === 'Regex') return compareText(pb.value, pa.value) || compareText(a.id, b.id);
  return compareText(pa.value, pb.value) || compareText(a.id, b.id);
}
