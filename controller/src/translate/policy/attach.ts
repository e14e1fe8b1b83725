// RoutePolicies → the routes they win, and each policy's conditions. Pure.
//
// Precedence: a policy's field wins over the same setting written as an annotation. The policy is
// the explicit, typed and newer source; annotations stay for Ingresses moved from ingress-nginx, so
// a user adding a policy to such an Ingress means to override them. Fields the policy leaves unset
// keep the annotations' settings; its header filters run after the annotations' ones.
//
// Several policies matching one route: one wins the whole route — the most specific target (paths,
// then hosts, then the whole Ingress), then the oldest creationTimestamp, then namespace/name —
// and the others are told (Conflicted). No field-by-field merge, so a route's settings always come
// from one object a user can read.
import type { Route, UrlRewriteFilter, WeightedBackend } from '../../../../dataplane/src/table/types.ts';
import type { PolicyServiceRef, RoutePolicy } from '../../policy/types.ts';
import { validateRoutePolicy } from '../../policy/validate.ts';
import type { Diagnostic } from '../../snapshot.ts';
import { resolveBasicAuth } from '../annotations/basic-auth.ts';
import type { CanarySpec } from '../annotations/canary.ts';
import { type ClientCertificateClaim, resolveClientCa } from '../annotations/client-certificates.ts';
import { errorPagesFor } from '../annotations/error-pages.ts';
import type { BackendSettings } from '../annotations/settings.ts';
import type { BackendResolver } from '../backends.ts';
import { compareText, list, record, text } from '../guard.ts';
import type { IngressRoutes } from '../ingress.ts';
import type { IngressView, SnapshotIndex } from '../lookup.ts';
import {
  HOST_WIDE_FIELDS,
  INGRESS_WIDE_FIELDS,
  type PolicyProblem,
  type PolicySettings,
  policySettings,
  RESTRICTING_FIELDS,
} from './settings.ts';
import { type PolicyOutcome, PolicyStatusBook } from './status.ts';

export interface RouteLocation {
  route: Route;
  /** The rule host (`*` for none); absent for the default route. */
  host?: string;
  /** The Ingress path as written; absent for defaultBackend routes. */
  path?: string;
}

/** A route a policy's canary splits, with the canary's backends resolved. */
export interface PolicyCanary {
  host: string;
  route: Route;
  spec: CanarySpec;
  backends: WeightedBackend[];
  /** `namespace/name` of the policy. */
  policy: string;
}

interface Candidate {
  policy: RoutePolicy;
  key: string;
  settings: PolicySettings;
  targets: Set<string>;
  hosts?: Set<string>;
  paths?: Set<string>;
  /** 2 paths, 1 hosts, 0 the whole Ingress. */
  specificity: number;
  created: number;
}

/** What a policy's Secret and Service references are resolved against. */
export interface PolicyRefs {
  index: SnapshotIndex;
  resolver: BackendResolver;
}

export interface PolicyPlan {
  /** Ingress-wide backend settings by `namespace/name`, from the winning whole-Ingress policy. */
  backendFor(namespace: string, name: string): BackendSettings | undefined;
  /**
   * Puts the winning policy's settings on each route; call after the annotations' settings. Routes
   * of `closed` Ingresses (`namespace/name`) keep answering 503: no redirect may answer in their place.
   */
  apply(locations: Iterable<RouteLocation>, closed: ReadonlySet<string>, refs: PolicyRefs): void;
  /** regexPaths of the policy winning the whole Ingress: how its paths are read (as use-regex). */
  regexPathsFor(namespace: string, name: string): boolean | undefined;
  /**
   * Client certificate claims of the policies, in precedence order, for the hosts of their target
   * Ingresses where they won a route (a Conflicted policy sets nothing), once `apply` ran.
   */
  clientCertificates(read: readonly Pick<IngressRoutes, 'ingress' | 'hosts'>[]): ClientCertificateClaim[];
  /** The routes `apply` gave a policy canary: merge-canaries.ts builds their routes. */
  canaries(): readonly PolicyCanary[];
  /** Conditions of every policy, sorted by namespace/name, once `apply` ran. */
  outcomes(): PolicyOutcome[];
}

/** `policies` as sources hand them; each is checked against policy/schema.ts again, as translation trusts no input. */
export function planPolicies(
  policies: readonly unknown[],
  ours: readonly IngressView[],
  diagnostics: Diagnostic[],
): PolicyPlan {
  const ingresses = new Set(ours.map((i) => `${i.namespace}/${i.name}`));
  const book = new PolicyStatusBook(diagnostics);
  const candidates: Candidate[] = [];
  for (const raw of sorted(policies)) {
    const check = validateRoutePolicy(raw);
    const policy = check.ok ? check.policy : identity(raw);
    if (policy === undefined) continue;
    const namespace = policy.metadata.namespace ?? 'default';
    const key = `${namespace}/${policy.metadata.name}`;
    book.add(key, policy);
    if (!check.ok) {
      book.invalid(key, [{ field: check.field, message: check.message }]);
      // A schema typo in a restricting field must not serve its routes open: they answer 503.
      const closing = closingCandidate(raw, policy, key, ingresses);
      if (closing !== undefined) candidates.push(closing);
      continue;
    }
    const settings = policySettings(policy.spec, { namespace, name: policy.metadata.name });
    const problems: PolicyProblem[] = [...settings.problems];
    const narrowed = policy.spec.hosts !== undefined || policy.spec.paths !== undefined;
    if (narrowed)
      for (const [field, why] of Object.entries(INGRESS_WIDE_FIELDS))
        if (policy.spec[field as keyof typeof INGRESS_WIDE_FIELDS] !== undefined)
          problems.push({
            field: `spec.${field}`,
            message: `${field} ${why}: it needs a policy without hosts or paths`,
          });
    if (policy.spec.paths !== undefined)
      for (const [field, why] of Object.entries(HOST_WIDE_FIELDS))
        if (policy.spec[field as keyof typeof HOST_WIDE_FIELDS] !== undefined)
          problems.push({
            field: `spec.${field}`,
            message: `${field} ${why}: it needs a policy without paths`,
          });
    const targets = new Set<string>();
    const missing: string[] = [];
    for (const ref of policy.spec.targetRefs) {
      const target = `${namespace}/${ref.name}`;
      if (ingresses.has(target)) targets.add(target);
      else missing.push(ref.name);
    }
    book.resolved(key, missing);
    if (problems.length > 0) {
      book.invalid(key, problems);
      // An access restriction that cannot be honoured closes the routes (503), as annotations do.
      if (!RESTRICTING_FIELDS.some((field) => policy.spec[field] !== undefined)) continue;
      settings.closes = true;
    }
    if (settings.unsupported.length > 0) book.unsupported(key, settings.unsupported, settings.closes);
    // An unsupported restricting field closes the routes; other unsupported fields leave the policy out.
    if (settings.unsupported.length > 0 && !settings.closes) continue;
    const candidate: Candidate = {
      policy,
      key,
      settings,
      targets,
      specificity: policy.spec.paths !== undefined ? 2 : policy.spec.hosts !== undefined ? 1 : 0,
      created: createdOf(policy),
    };
    if (policy.spec.hosts !== undefined) candidate.hosts = new Set(policy.spec.hosts);
    if (policy.spec.paths !== undefined) candidate.paths = new Set(policy.spec.paths);
    candidates.push(candidate);
  }
  candidates.sort(precedence);

  const matches = (c: Candidate, source: string, at: RouteLocation): boolean =>
    c.targets.has(source) &&
    (c.hosts === undefined || (at.host !== undefined && c.hosts.has(at.host))) &&
    (c.paths === undefined || (at.path !== undefined && c.paths.has(at.path)));

  /** The policy that wins an Ingress's whole-Ingress fields (its backends, how its paths are read). */
  const ingressWinner = (namespace: string, name: string) => {
    const target = `${namespace}/${name}`;
    return candidates.find((c) => c.specificity === 0 && c.targets.has(target) && !c.settings.closes);
  };
  const splits: PolicyCanary[] = [];
  /** The rule hosts where each policy won a route: only there may it set a host's client certificate. */
  const wonHosts = new Map<Candidate, Set<string>>();

  return {
    backendFor(namespace, name) {
      const winner = ingressWinner(namespace, name);
      if (winner === undefined || Object.keys(winner.settings.backend).length === 0) return undefined;
      return winner.settings.backend;
    },
    regexPathsFor: (namespace, name) => ingressWinner(namespace, name)?.settings.regexPaths,
    clientCertificates(read) {
      const claims: ClientCertificateClaim[] = [];
      for (const c of candidates) {
        const settings = c.settings.clientCertificateResolved;
        if (settings === undefined) continue;
        const won = wonHosts.get(c);
        if (won === undefined) continue;
        for (const { ingress, hosts } of read) {
          if (!c.targets.has(`${ingress.namespace}/${ingress.name}`)) continue;
          claims.push({ ingress, hosts: new Set([...hosts].filter((h) => won.has(h))), settings });
        }
      }
      return claims;
    },
    canaries: () => splits,
    apply(locations, closed, refs) {
      for (const c of candidates) {
        if (c.settings.closes) continue;
        const namespace = c.policy.metadata.namespace ?? 'default';
        const unresolved = resolveRefs(c.settings, namespace, refs);
        // Only the access references close the routes; a missing error or canary backend leaves them serving.
        const closing = unresolved.length > 0;
        const pages = resolveErrorBackend(c.settings, namespace, refs.resolver);
        if (pages !== undefined) unresolved.push(pages);
        const canary = resolveCanaryBackend(c.settings, namespace, refs.resolver);
        if (canary !== undefined) unresolved.push(canary);
        if (unresolved.length === 0) continue;
        if (closing) c.settings.closes = true;
        book.unresolved(c.key, unresolved);
      }
      const seen = new Set<Route>();
      for (const at of locations) {
        const { route } = at;
        if (seen.has(route) || route.source.kind !== 'Ingress') continue;
        seen.add(route);
        const source = `${route.source.namespace}/${route.source.name}`;
        const matching = candidates.filter((c) => matches(c, source, at));
        const [winner, ...losers] = matching;
        if (winner === undefined) continue;
        book.won(winner.key, route.id);
        if (at.host !== undefined) {
          const won = wonHosts.get(winner) ?? new Set<string>();
          wonHosts.set(winner, won.add(at.host));
        }
        for (const loser of losers) book.lost(loser.key, route.id, winner.key);
        if (winner.settings.closes || closed.has(source)) closeRoute(route);
        else {
          applySettings(route, winner.settings);
          // Only the routes of Ingress paths: a canary Ingress cannot join a defaultBackend either.
          const canary = winner.settings.canary;
          const backends = winner.settings.canaryBackends;
          if (
            canary !== undefined &&
            backends !== undefined &&
            at.path !== undefined &&
            at.host !== undefined
          )
            splits.push({ host: at.host, route, spec: canary.spec, backends, policy: winner.key });
        }
      }
    },
    outcomes: () => book.outcomes(),
  };
}

/**
 * basicAuth's Secret and externalAuth's backend, resolved as auth-secret and auth-url are
 * (translate.ts attachBasicAuth, attachExternalAuth); what cannot be used is returned, and closes the routes.
 */
function resolveRefs(settings: PolicySettings, namespace: string, { index, resolver }: PolicyRefs): string[] {
  const unresolved: string[] = [];
  if (settings.basicAuth !== undefined) {
    const resolved = resolveBasicAuth(settings.basicAuth, namespace, index);
    if (resolved.ok) {
      settings.route.basicAuth = resolved.auth;
      // nginx.tmpl: `proxy_set_header Authorization ""` after auth_basic; the credentials stay here.
      settings.route.filters.unshift({ type: 'RequestHeaderModifier', remove: ['authorization'] });
    } else unresolved.push(`spec.basicAuth.secretRef: ${resolved.message.replace(/^auth-secret: /, '')}`);
  }
  if (settings.clientCertificate !== undefined) {
    const request = settings.clientCertificate;
    const resolved = resolveClientCa(request, namespace, index);
    // As auth-tls-secret: a CA that cannot be read leaves the host requiring one it cannot verify (503).
    settings.clientCertificateResolved = resolved.ok
      ? { ...request.settings, caPem: resolved.caPem }
      : { ...request.settings };
    if (!resolved.ok)
      unresolved.push(
        `spec.clientCertificate.caSecretRef: ${resolved.message.replace(/^auth-tls-secret: /, '')}`,
      );
  }
  const spec = settings.externalAuth;
  if (spec !== undefined) {
    const { backends, problem } = resolver.resolveExternalAuth(namespace, spec);
    const backend = backends[0]?.backend;
    if (backend === undefined)
      unresolved.push(
        `spec.externalAuth.url: ${problem?.message ?? 'it has no backend'}; the routes answer 503`,
      );
    else {
      const { target: _t, port: _p, protocol: _pr, proxySetHeaders: _h, ...fields } = spec;
      settings.route.externalAuth = { backend, ...fields };
    }
  }
  return unresolved;
}

/**
 * errorPages' Service of the policy's namespace (its port, its named port, else its first port as
 * default-backend's): its backend key on the settings, or why not.
 */
function resolveErrorBackend(
  settings: PolicySettings,
  namespace: string,
  resolver: BackendResolver,
): string | undefined {
  const spec = settings.errorPages;
  if (spec === undefined) return undefined;
  const { name } = spec.backend;
  const { backends, problem } = resolveServiceRef(spec.backend, namespace, resolver);
  const backend = backends[0]?.backend;
  if (backend !== undefined) {
    settings.route.errorBackend = backend;
    settings.route.errorPages = { codes: spec.codes };
    return undefined;
  }
  return `spec.errorPages.backend: ${problem?.message ?? `Service ${namespace}/${name} has no backend`}; upstream answers are relayed`;
}

/** canary.backend, a Service of the policy's namespace resolved as errorPages' is: its backends on the settings, or why not. */
function resolveCanaryBackend(
  settings: PolicySettings,
  namespace: string,
  resolver: BackendResolver,
): string | undefined {
  const spec = settings.canary;
  if (spec === undefined) return undefined;
  const { backends, problem } = resolveServiceRef(spec.backend, namespace, resolver);
  if (backends.length > 0) {
    settings.canaryBackends = backends;
    return undefined;
  }
  const { name } = spec.backend;
  return `spec.canary.backend: ${problem?.message ?? `Service ${namespace}/${name} has no backend`}; every request goes to the main backends`;
}

/** A PolicyServiceRef: its port, its named port, else the Service's first port (as default-backend). */
function resolveServiceRef(ref: PolicyServiceRef, namespace: string, resolver: BackendResolver) {
  const { name, port, portName } = ref;
  return port !== undefined || portName !== undefined
    ? resolver.resolve(namespace, {
        service: { name, port: port !== undefined ? { number: port } : { name: portName } },
      })
    : resolver.resolveDefault(`${namespace}/${name}`);
}

/**
 * A policy the schema refused that still names a restricting field and its targets: a candidate
 * that closes the routes it wins (hosts and paths as written, when they are lists of strings).
 */
function closingCandidate(
  raw: unknown,
  policy: RoutePolicy,
  key: string,
  ingresses: ReadonlySet<string>,
): Candidate | undefined {
  const spec = record(record(raw).spec);
  if (!RESTRICTING_FIELDS.some((field) => spec[field] !== undefined)) return undefined;
  const namespace = policy.metadata.namespace ?? 'default';
  const targets = new Set<string>();
  for (const ref of list(spec.targetRefs)) {
    const name = text(record(ref).name);
    if (name !== undefined && ingresses.has(`${namespace}/${name}`)) targets.add(`${namespace}/${name}`);
  }
  if (targets.size === 0) return undefined;
  const strings = (value: unknown) =>
    Array.isArray(value) && value.every((v) => typeof v === 'string') ? new Set<string>(value) : undefined;
  const hosts = strings(spec.hosts);
  const paths = strings(spec.paths);
  const settings: PolicySettings = {
    route: { filters: [] },
    backend: {},
    unsupported: [],
    closes: true,
    problems: [],
  };
  const candidate: Candidate = {
    policy,
    key,
    settings,
    targets,
    specificity: paths !== undefined ? 2 : hosts !== undefined ? 1 : 0,
    created: createdOf(policy),
  };
  if (hosts !== undefined) candidate.hosts = hosts;
  if (paths !== undefined) candidate.paths = paths;
  return candidate;
}

/** Most specific first, then oldest, then namespace/name. */
function precedence(a: Candidate, b: Candidate): number {
  return b.specificity - a.specificity || a.created - b.created || compareText(a.key, b.key);
}

function sorted(policies: readonly unknown[]): unknown[] {
  const key = (p: unknown) => {
    const meta = record(record(p).metadata);
    return `${text(meta.namespace) ?? 'default'}/${text(meta.name) ?? ''}`;
  };
  return [...policies].sort((a, b) => compareText(key(a), key(b)));
}

/** What an invalid object says of itself, to report on it: nothing without a name. */
function identity(raw: unknown): RoutePolicy | undefined {
  const meta = record(record(raw).metadata);
  const name = text(meta.name);
  if (name === undefined) return undefined;
  const namespace = text(meta.namespace) ?? 'default';
  const generation = typeof meta.generation === 'number' ? meta.generation : undefined;
  return {
    apiVersion: 'gatehouse.dev/v1alpha1',
    kind: 'RoutePolicy',
    metadata: generation === undefined ? { name, namespace } : { name, namespace, generation },
    spec: { targetRefs: [] },
  };
}

/** Objects without a valid creationTimestamp count as newest, as Ingresses do (lookup.ts). */
function createdOf(policy: RoutePolicy): number {
  const ms = Date.parse(policy.metadata.creationTimestamp ?? '');
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
}

/** A restriction that cannot be enforced yet: the route answers 503 rather than serve open. */
function closeRoute(route: Route): void {
  route.backends = [];
  route.filters = [];
}

/** Field by field over what the annotations set (see the precedence note at the top). */
function applySettings(route: Route, { route: s, rewrite }: PolicySettings): void {
  if (s.timeouts !== undefined) route.timeouts = { ...route.timeouts, ...s.timeouts };
  if (s.retry !== undefined) route.retry = structuredClone(s.retry);
  if (s.maxRequestBodyBytes !== undefined) route.maxRequestBodyBytes = s.maxRequestBodyBytes;
  if (s.clientAccess !== undefined) route.clientAccess = structuredClone(s.clientAccess);
  if (s.cors !== undefined) route.cors = structuredClone(s.cors);
  if (s.rateLimit !== undefined) route.rateLimit = structuredClone(s.rateLimit);
  if (s.hsts !== undefined) route.hsts = s.hsts;
  if (s.errorPages !== undefined && s.errorBackend !== undefined) {
    const pages = errorPagesFor(route, s.errorPages, s.errorBackend, false);
    if (pages !== undefined) route.errorPages = pages;
  }
  // Shared, not copied: a user list can be large, and nothing changes a table's settings after translation.
  if (s.basicAuth !== undefined) route.basicAuth = s.basicAuth;
  if (s.externalAuth !== undefined) route.externalAuth = structuredClone(s.externalAuth);
  const filters = structuredClone(s.filters);
  // The policy's redirect replaces any the annotations made; header filters add to theirs, after them.
  if (filters.some((f) => f.type === 'RequestRedirect'))
    route.filters = route.filters.filter((f) => f.type !== 'RequestRedirect');
  route.filters.push(...filters);
  if (rewrite !== undefined) {
    const existing = route.filters.find((f): f is UrlRewriteFilter => f.type === 'URLRewrite');
    const filter: UrlRewriteFilter = existing ?? { type: 'URLRewrite' };
    // rewrite-target's form: `$1`… name the captures of a regex path; a plain path replaces the whole path.
    if (rewrite.path !== undefined) filter.path = { type: 'RegexSubstitution', value: rewrite.path };
    if (rewrite.hostname !== undefined) filter.hostname = rewrite.hostname;
    if (existing === undefined) route.filters.unshift(filter);
  }
}
