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
import type {
  BalancerPolicy,
  HostRoutes,
  Route,
  RouteMatch,
  WeightedBackend,
} from '../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../snapshot.ts';
import type { CanarySpec } from './annotations/canary.ts';
import type { BackendSettings, CanaryBalancing } from './annotations/settings.ts';
import type { BackendResolver } from './backends.ts';
import { ingressObject } from './diagnostics.ts';
import type { IngressRoutes, RouteClaim } from './ingress.ts';

export interface CanaryIngress {
  routes: IngressRoutes;
  spec: CanarySpec;
  /** The canary's own backend settings (only the annotations ingress-nginx keeps on a canary). */
  backend?: BackendSettings;
  balancing?: CanaryBalancing;
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
  policyCanaries: readonly SplitRequest[] = [],
): void {
  const byHost = new Map(hosts.map((h) => [h.host, h]));
  // A RoutePolicy's canary wins over a canary Ingress, as its other fields win over annotations.
  const byPolicy = new Map(policyCanaries.map((c) => [c.route.id, c.policy]));
  // By route id: the main route is replaced by its split copy once a canary joins it.
  const taken = new Map<string, RouteClaim>();
  for (const { routes, spec, backend, balancing } of canaries) {
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
      const policy = byPolicy.get(main.id);
      if (policy !== undefined) {
        diagnostics.push({
          object,
          field: claim.field,
          reason: 'RouteConflict',
          message:
            `${claim.match.type} "${claim.match.value}" on host "${claim.host}" has the canary of ` +
            `RoutePolicy ${policy}; only one canary per path is used`,
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
      const settings = canarySettings(main, resolver, backend, balancing);
      const resolution = resolver.resolve(claim.ingress.namespace, claim.backend, undefined, settings);
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
      const sticky = (key: string) => issuesCookie(resolver.get(key)?.balancer);
      entry.routes.splice(at, 1, ...canaryRoutes(main, spec, resolution.backends, sticky));
    }
  }
}

/** A route a RoutePolicy's canary splits (policy/attach.ts), its canary backends resolved. */
export interface SplitRequest {
  host: string;
  route: Route;
  spec: CanarySpec;
  backends: WeightedBackend[];
  /** `namespace/name` of the policy, for diagnostics. */
  policy: string;
}

/** Replaces each route by its canary routes, as a canary Ingress joining it would (canaryRoutes). */
export function splitPolicyCanaries(
  hosts: HostRoutes[],
  requests: readonly SplitRequest[],
  resolver: BackendResolver,
): void {
  const byHost = new Map(hosts.map((h) => [h.host, h]));
  const sticky = (key: string) => issuesCookie(resolver.get(key)?.balancer);
  for (const { host, route, spec, backends } of requests) {
    const entry = byHost.get(host);
    const at = entry?.routes.indexOf(route) ?? -1;
    if (entry === undefined || at < 0) continue;
    entry.routes.splice(at, 1, ...canaryRoutes(route, spec, backends, sticky));
  }
}

const CANARY_ID = '/canary/';

function isCanaryRoute(route: Route): boolean {
  return route.id.includes(CANARY_ID);
}

/**
 * affinity-canary-behavior (controller.go mergeAlternativeBackend): unless the canary says
 * "legacy", the main backend's cookie affinity replaces the canary's own (ingress-nginx copies the
 * main SessionAffinity over the canary's, an absent one included); the canary keeps its
 * upstream-hash-by or load-balance.
 */
function canarySettings(
  main: Route,
  resolver: BackendResolver,
  own: BackendSettings = {},
  balancing?: CanaryBalancing,
): BackendSettings {
  if (balancing?.behavior === 'legacy') return own;
  const mainAffinity = main.backends.map((b) => resolver.get(b.backend)?.balancer).find(issuesCookie);
  const { balancer: _own, ...rest } = own;
  const balancer = mainAffinity ?? balancing?.withoutAffinity;
  return balancer === undefined ? rest : { ...rest, balancer };
}

function issuesCookie(policy: BalancerPolicy | undefined): policy is BalancerPolicy {
  return policy?.type === 'ConsistentHash' && policy.setCookie !== undefined;
}

/**
 * The routes that replace `main`: conditional ones first, then `main` with its split. `sticky`
 * tells the backends that issue affinity cookies: each route also lists those of the other side at
 * weight 0, so that a client pinned to one is sent back to it before the route's own decision
 * (balancer.lua route_to_alternative_balancer checks is_affinitized before header, cookie, weight).
 */
export function canaryRoutes(
  main: Route,
  spec: CanarySpec,
  canary: WeightedBackend[],
  sticky: (key: string) => boolean = () => false,
): Route[] {
  const primary = main.backends;
  const pinnedOnly = (list: WeightedBackend[]) =>
    list.filter((b) => sticky(b.backend)).map((b) => ({ backend: b.backend, weight: 0 }));
  const toCanary = [...canary, ...pinnedOnly(primary)];
  const toPrimary = [...primary, ...pinnedOnly(canary)];
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
      add('header', { headers: [{ name, type: 'Exact', value: header.value }] }, toCanary);
    else if (header.mode === 'pattern') {
      // ngx.re.match finds a match anywhere in the value; a regex that fails sends the request to main.
      if (header.valid)
        add('header', { headers: [{ name, type: 'Regex', value: `.*(?:${header.pattern}).*` }] }, toCanary);
      else add('header', { headers: [{ name, type: 'Regex', value: '.*' }] }, toPrimary);
    } else {
      add('header', { headers: [{ name, type: 'Exact', value: 'always' }] }, toCanary);
      add('header-never', { headers: [{ name, type: 'Exact', value: 'never' }] }, toPrimary);
    }
  }
  if (cookie !== undefined) {
    add('cookie', { cookies: [{ name: cookie, type: 'Exact', value: 'always' }] }, toCanary);
    add('cookie-never', { cookies: [{ name: cookie, type: 'Exact', value: 'never' }] }, toPrimary);
  }
  routes.push({ ...main, backends: split(primary, canary, toPrimary, spec) });
  return routes;
}

// balancer.lua: `math.random(weightTotal) <= weight` picks the canary, so weight/total of requests.
// A main route without backends (unresolved Service) keeps answering 503 rather than sending all to the canary.
function split(
  primary: WeightedBackend[],
  canary: WeightedBackend[],
  toPrimary: WeightedBackend[],
  spec: CanarySpec,
): WeightedBackend[] {
  if (primary.length === 0) return primary;
  if (spec.weight === 0) return toPrimary;
  const rest = spec.weightTotal - spec.weight;
  return [
    ...primary.map((b) => ({ backend: b.backend, weight: rest })),
    ...canary.map((b) => ({ backend: b.backend, weight: spec.weight })),
  ];
}
