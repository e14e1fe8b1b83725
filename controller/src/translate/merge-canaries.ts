// Canary Ingresses merged into the routes of their main Ingresses, after those are merged. As
// ingress-nginx (controller.go mergeAlternativeBackends): a canary path joins the main route with
// the same host, path and pathType; it adds no host, route or TLS of its own, and serves nothing
// without a main route. The main route's filters and settings apply to the canary's traffic too.
//
// balancer.lua's decision, in order, becomes routes on the same path, which the router tries by
// its precedence (header matches, then cookie matches, then none):
//   header (value / pattern / "always")  → canary       header "never" → main
//   cookie "always"                      → canary       cookie "never" → main
//   otherwise the main route, its backends split canary-weight : (total − canary-weight).
import type { HostRoutes, Route, RouteMatch, WeightedBackend } from '../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../snapshot.ts';
import type { CanarySpec } from './annotations/canary.ts';
import type { BackendResolver } from './backends.ts';
import { ingressObject } from './diagnostics.ts';
import type { IngressRoutes, RouteClaim } from './ingress.ts';

export interface CanaryIngress {
  routes: IngressRoutes;
  spec: CanarySpec;
}

/**
 * Adds the canaries to `hosts` in place. `canaries` in conflict order (oldest first): only one
 * canary per route is used (annotations.md#canary, Known Limitations), the first. `closed` holds
 * `namespace/name` of main Ingresses that fail closed: their routes stay 503 for every request.
 */
export function mergeCanaries(
  hosts: HostRoutes[],
  canaries: CanaryIngress[],
  closed: ReadonlySet<string>,
  resolver: BackendResolver,
  diagnostics: Diagnostic[],
): void {
  const byHost = new Map(hosts.map((h) => [h.host, h]));
  // By route id: the main route is replaced by its split copy once a canary joins it.
  const taken = new Map<string, RouteClaim>();
  for (const { routes, spec } of canaries) {
    const object = ingressObject(routes.ingress.namespace, routes.ingress.name);
    if (routes.defaultBackend !== undefined)
      diagnostics.push({
        object,
        field: 'spec.defaultBackend',
        reason: 'UnsupportedCanaryBackend',
        message:
          "a canary Ingress's defaultBackend is not used; give the canary the main Ingress's host and path",
      });
    for (const claim of routes.claims) {
      const entry = byHost.get(claim.host);
      const main = entry?.routes.find(
        (r) =>
          r.match.path.type === claim.match.type &&
          r.match.path.value === claim.match.value &&
          !isCanaryRoute(r),
      );
      if (entry === undefined || main === undefined) {
        diagnostics.push({
          object,
          field: claim.field,
          reason: 'CanaryWithoutMain',
          message:
            `no Ingress routes ${claim.match.type} "${claim.match.value}" on host "${claim.host}", ` +
            'so this canary path serves nothing',
        });
        continue;
      }
      if (main.source.namespace !== routes.ingress.namespace) {
        // A canary takes a share of the main route's traffic: only the main route's own namespace
        // may do that, or any tenant could divert another's host (the trust model in SECURITY.md).
        diagnostics.push({
          object,
          field: claim.field,
          reason: 'CanaryOtherNamespace',
          message:
            `${claim.match.type} "${claim.match.value}" on host "${claim.host}" is served by ` +
            `${main.source.namespace}/${main.source.name}; a canary must be in the same namespace as its main Ingress`,
        });
        continue;
      }
      const first = taken.get(main.id);
      if (first !== undefined) {
        diagnostics.push({
          object,
          field: claim.field,
          reason: 'RouteConflict',
          message:
            `${claim.match.type} "${claim.match.value}" on host "${claim.host}" already has the canary ` +
            `${first.ingress.namespace}/${first.ingress.name} (${first.field}); only one canary per path is used`,
        });
        continue;
      }
      taken.set(main.id, claim);
      if (closed.has(`${main.source.namespace}/${main.source.name}`)) continue;
      const resolution = resolver.resolve(claim.ingress.namespace, claim.backend);
      if (resolution.problem !== undefined) {
        const { problem } = resolution;
        diagnostics.push({
          object,
          field: `${claim.field}.backend${problem.field}`,
          reason: problem.reason,
          message: problem.message,
        });
      }
      const at = entry.routes.indexOf(main);
      entry.routes.splice(at, 1, ...canaryRoutes(main, spec, resolution.backends));
    }
  }
}

const CANARY_ID = '/canary/';

function isCanaryRoute(route: Route): boolean {
  return route.id.includes(CANARY_ID);
}

/** The routes that replace `main`: conditional ones first, then `main` with its split. */
export function canaryRoutes(main: Route, spec: CanarySpec, canary: WeightedBackend[]): Route[] {
  const primary = main.backends;
  const routes: Route[] = [];
  const add = (suffix: string, extra: Omit<RouteMatch, 'path'>, backends: WeightedBackend[]) =>
    routes.push({
      ...main,
      id: `${main.id}${CANARY_ID}${suffix}`,
      match: { ...main.match, ...extra },
      backends,
    });
  const { header, cookie } = spec;
  if (header !== undefined) {
    const name = header.name;
    if (header.mode === 'value')
      add('header', { headers: [{ name, type: 'Exact', value: header.value }] }, canary);
    else if (header.mode === 'pattern') {
      // ngx.re.match finds a match anywhere in the value; a regex that fails sends the request to main.
      if (header.valid)
        add('header', { headers: [{ name, type: 'Regex', value: `.*(?:${header.pattern}).*` }] }, canary);
      else add('header', { headers: [{ name, type: 'Regex', value: '.*' }] }, primary);
    } else {
      add('header', { headers: [{ name, type: 'Exact', value: 'always' }] }, canary);
      add('header-never', { headers: [{ name, type: 'Exact', value: 'never' }] }, primary);
    }
  }
  if (cookie !== undefined) {
    add('cookie', { cookies: [{ name: cookie, type: 'Exact', value: 'always' }] }, canary);
    add('cookie-never', { cookies: [{ name: cookie, type: 'Exact', value: 'never' }] }, primary);
  }
  routes.push({ ...main, backends: split(primary, canary, spec) });
  return routes;
}

// balancer.lua: `math.random(weightTotal) <= weight` picks the canary, so weight/total of requests.
// A main route without backends (unresolved Service) keeps answering 503 rather than sending all to the canary.
function split(primary: WeightedBackend[], canary: WeightedBackend[], spec: CanarySpec): WeightedBackend[] {
  if (spec.weight === 0 || primary.length === 0) return primary;
  const rest = spec.weightTotal - spec.weight;
  return [
    ...primary.map((b) => ({ backend: b.backend, weight: rest })),
    ...canary.map((b) => ({ backend: b.backend, weight: spec.weight })),
  ];
}
