// The translation stage: a snapshot of Kubernetes objects in, a route table and diagnostics out.
// Pure — no I/O, no clock (the caller passes `now`), no randomness — and independent of the
// order of objects in the snapshot, because the caller pushes a table only when it changed.
import type {
  Certificate,
  ClientCertificate,
  HostRoutes,
  Route,
} from '../../../dataplane/src/table/types.ts';
import type { Diagnostic, Snapshot } from '../snapshot.ts';
import { applyRouteSettings } from './annotations/apply.ts';
import { applyHostSettings, type HostRequest } from './annotations/apply-hosts.ts';
import type { BasicAuthRequest } from './annotations/basic-auth.ts';
import { resolveBasicAuth } from './annotations/basic-auth.ts';
import { keptOnCanary, parseCanary } from './annotations/canary.ts';
import {
  applyClientCertificates,
  type ClientCertificateClaim,
  resolveClientCa,
} from './annotations/client-certificates.ts';
import { resolveCustomHeaders } from './annotations/custom-headers.ts';
import { proxySetHeadersOf } from './annotations/external-auth.ts';
import { parseAnnotations } from './annotations/parse.ts';
import { resolveProxySsl } from './annotations/proxy-ssl.ts';
import { DEFAULT_ANNOTATIONS_PREFIX, readAnnotations } from './annotations/read.ts';
import type { BackendSettings, RouteSettings } from './annotations/settings.ts';
import { applyServerSnippets, type ServerSnippet } from './annotations/snippet/server.ts';
import { applyCipherSettings, applyPassthrough, type ListenerRequest } from './annotations/tls-listener.ts';
import { BackendResolver } from './backends.ts';
import { CertificateStore } from './certificates.ts';
import { isOurs } from './classes.ts';
import { flagObject, ingressObject, settleDiagnostics } from './diagnostics.ts';
import { compareText, list, record, sortedRecord } from './guard.ts';
import { type IngressRoutes, mergeRoutes, readIngress } from './ingress.ts';
import { type IngressView, indexSnapshot, objectKey, type SnapshotIndex } from './lookup.ts';
import { type CanaryIngress, mergeCanaries, splitPolicyCanaries } from './merge-canaries.ts';
import { planPolicies, type RouteLocation } from './policy/attach.ts';
import { spreadRegex } from './regex-paths.ts';
import { assignTls } from './tls.ts';
import type { RouteTableContent, TranslateOptions, TranslateResult } from './types.ts';

export function translate(snapshot: Snapshot, options: TranslateOptions): TranslateResult {
  const index = indexSnapshot(snapshot);
  const diagnostics: Diagnostic[] = [];
  const ours = index.ingresses.filter((ingress) => isOurs(ingress, index.ingressClasses, options));
  const prefix = options.annotationsPrefix ?? DEFAULT_ANNOTATIONS_PREFIX;
  const routeSettings = new Map<string, RouteSettings>();
  const backendSettings = new Map<IngressView, BackendSettings>();
  const certificateStore = new CertificateStore(index, options.now);
  /** Client certificates for HTTPS backends (proxy-ssl-secret), by table key. */
  const clientCertificates = new Map<string, Certificate>();
  // Canary Ingresses add no routes, hosts or certificates of their own: they join their main routes.
  const allowedHeaders = new Set(options.globalAllowedResponseHeaders ?? []);
  const read: IngressRoutes[] = [];
  const canaries: CanaryIngress[] = [];
  const hostRequests: HostRequest[] = [];
  const listenerRequests: ListenerRequest[] = [];
  const clientCertificateClaims: ClientCertificateClaim[] = [];
  const serverSnippets: ServerSnippet[] = [];
  const policies = planPolicies(list(record(snapshot as unknown).routePolicies), ours, diagnostics);
  for (const ingress of ours) {
    const canary = readCanary(ingress, prefix, diagnostics);
    // Fail closed: an Ingress relying on an access restriction Gatehouse cannot honour is never served open.
    const allowSnippets = options.allowSnippetAnnotations === true;
    const closing = readAnnotations(ingress, prefix, diagnostics, canary !== undefined, allowSnippets);
    // A canary keeps only the annotations ingress-nginx keeps for it (its balancing and affinity);
    // its routes are copies of the main ones, with the main Ingress's route settings.
    const annotations = parseAnnotations(
      canary === undefined ? ingress : canaryView(ingress, prefix),
      prefix,
      diagnostics,
      options.checkCipherList,
      allowSnippets,
    );
    const { rewriteTarget } = annotations.route;
    // A RoutePolicy's regexPaths wins over use-regex (policy/attach.ts says why).
    const useRegex =
      policies.regexPathsFor(ingress.namespace, ingress.name) ?? annotations.route.useRegex === true;
    const routes = readIngress(ingress, diagnostics, { useRegex, rewriteTarget });
    // A restricting annotation with a value that cannot be honoured (InvalidAccessAnnotation) closes it too.
    if (closing.length > 0 || annotations.denied !== undefined || annotations.closed === true)
      routes.closed = true;
    if (annotations.proxySsl !== undefined) {
      const resolved = resolveProxySsl(annotations.proxySsl, certificateStore, index);
      if (resolved.ok) {
        annotations.backend.tls = resolved.tls;
        if (resolved.certificate !== undefined)
          clientCertificates.set(resolved.certificate.key, resolved.certificate.certificate);
      } else {
        // ingress-nginx LocationDenied: a backend TLS it cannot set up answers 503, never unverified.
        routes.closed = true;
        diagnostics.push({
          object: ingressObject(ingress.namespace, ingress.name),
          field: `metadata.annotations["${prefix}/proxy-ssl-secret"]`,
          reason: 'InvalidProxySsl',
          message: resolved.message,
        });
      }
    }
    if (annotations.basicAuth?.kind === 'basic' && !routes.closed)
      routes.closed = !attachBasicAuth(
        ingress,
        annotations.basicAuth,
        annotations.route,
        index,
        prefix,
        diagnostics,
      );
    if (annotations.clientCertificate !== undefined && canary === undefined) {
      const request = annotations.clientCertificate;
      const resolved = resolveClientCa(request, ingress.namespace, index);
      const settings: ClientCertificate = { ...request.settings };
      if (resolved.ok) settings.caPem = resolved.caPem;
      else {
        // ingress-nginx LocationDenied (and AuthTLSError for its server): never served unverified.
        routes.closed = true;
        diagnostics.push({
          object: ingressObject(ingress.namespace, ingress.name),
          field: `metadata.annotations["${prefix}/auth-tls-secret"]`,
          reason: 'InvalidAuthTlsSecret',
          message: resolved.message,
        });
      }
      clientCertificateClaims.push({ ingress, hosts: routes.hosts, settings });
    }
    if (annotations.customHeaders !== undefined) {
      const resolved = resolveCustomHeaders(annotations.customHeaders, index, allowedHeaders);
      if (resolved.ok) annotations.route.filters.push(resolved.filter);
      else {
        // ingress-nginx LocationDenied (e2e customheaders.go: a missing ConfigMap answers 503).
        routes.closed = true;
        diagnostics.push({
          object: ingressObject(ingress.namespace, ingress.name),
          field: `metadata.annotations["${prefix}/custom-headers"]`,
          reason: 'InvalidCustomHeaders',
          message: resolved.message,
        });
      }
    }
    // A closed Ingress answers 503 everywhere: no redirect or rewrite may answer in its place.
    if (!routes.closed && canary === undefined) {
      routeSettings.set(`${ingress.namespace}/${ingress.name}`, annotations.route);
      if (annotations.host !== undefined)
        hostRequests.push({ ingress, hosts: routes.hosts, settings: annotations.host });
      if (annotations.serverSnippet !== undefined)
        serverSnippets.push({ ingress, hosts: routes.hosts, snippet: annotations.serverSnippet });
    }
    if (annotations.listener !== undefined && canary === undefined)
      listenerRequests.push({
        ingress,
        hosts: routes.hosts,
        settings: annotations.listener,
        closed: routes.closed === true,
      });
    // A RoutePolicy's balancing wins over the annotations' (policy/attach.ts says why).
    Object.assign(annotations.backend, policies.backendFor(ingress.namespace, ingress.name));
    backendSettings.set(ingress, annotations.backend);
    if (canary === undefined) read.push(routes);
    else canaries.push({ routes, spec: canary, backend: annotations.backend, balancing: annotations.canary });
  }

  const resolver = new BackendResolver(index, options.enableExternalNameServices === true, backendSettings);
  // Canary paths are written like their main paths: they take the same regex form as the main path
  // written the same way, or they could never join a main route on a host that uses regex paths.
  alignCanaryPaths(read, canaries);
  spreadRegex([...read, ...canaries.map((c) => c.routes)], diagnostics);
  attachMirrors(routeSettings, resolver, prefix, diagnostics);
  attachExternalAuth(read, routeSettings, resolver, index, prefix, diagnostics);
  attachErrorBackends(routeSettings, resolver, options.defaultBackendService, prefix, diagnostics);
  const merged = mergeRoutes(read, resolver, diagnostics);
  applyRouteSettings(
    merged.hosts.flatMap((h) => (h.fallback === undefined ? h.routes : [...h.routes, h.fallback])),
    routeSettings,
  );
  if (merged.defaultRoute !== undefined) applyRouteSettings([merged.defaultRoute], routeSettings);
  const closed = new Set(read.filter((r) => r.closed).map((r) => `${r.ingress.namespace}/${r.ingress.name}`));
  // Over the annotations' settings, before canaries copy their main routes; a closed Ingress stays 503.
  policies.apply(routeLocations(read, merged.hosts, merged.defaultRoute), closed, { index, resolver });
  // After the route settings: a canary's routes are copies of its main routes, settings included.
  applyServerSnippets(merged.hosts, serverSnippets, closed, prefix, diagnostics);
  const policyCanaries = policies.canaries();
  mergeCanaries(merged.hosts, canaries, closed, resolver, diagnostics, policyCanaries);
  splitPolicyCanaries(merged.hosts, policyCanaries, resolver);
  const defaultRoute =
    merged.defaultRoute ?? flagDefaultRoute(options.defaultBackendService, resolver, diagnostics);

  const tls = assignTls(
    read.map(({ ingress, hosts }) => ({ ingress, hosts })),
    certificateStore,
    options.defaultSslCertificate,
  );
  diagnostics.push(...tls.diagnostics);
  for (const host of merged.hosts) {
    const hostTls = tls.hostTls.get(host.host);
    if (hostTls !== undefined) host.tls = hostTls;
  }

  applyCipherSettings(merged.hosts, listenerRequests);
  // A RoutePolicy's client certificate wins over auth-tls-secret's for its hosts (policy/attach.ts).
  applyClientCertificates(merged.hosts, [...policies.clientCertificates(read), ...clientCertificateClaims]);
  // Last: alias hosts copy their rule host with its routes, settings, canaries and TLS.
  const hosts = applyHostSettings(merged.hosts, hostRequests, prefix, diagnostics);
  // After the aliases: ingress-nginx passes through the rule host's own name, never its aliases.
  applyPassthrough(hosts, listenerRequests, options.enableSslPassthrough === true, prefix, diagnostics);

  const table: RouteTableContent = {
    hosts,
    backends: resolver.backends(),
    certificates:
      clientCertificates.size === 0
        ? tls.certificates
        : sortedRecord([...Object.entries(tls.certificates), ...clientCertificates]),
  };
  if (tls.defaultCertificate !== undefined) table.defaultCertificate = tls.defaultCertificate;
  if (defaultRoute !== undefined) table.defaultRoute = defaultRoute;

  const handled = ours
    .map(({ namespace, name }) => ({ namespace, name }))
    .sort((a, b) => compareText(a.namespace, b.namespace) || compareText(a.name, b.name));
  const outcomes = policies.outcomes();
  const result: TranslateResult = { table, diagnostics: settleDiagnostics(diagnostics), handled };
  if (outcomes.length > 0) result.policies = outcomes;
  return result;
}

/** Every route with its rule host and the Ingress path as written: what a policy's hosts and paths name. */
function* routeLocations(
  read: readonly IngressRoutes[],
  hosts: readonly HostRoutes[],
  defaultRoute: Route | undefined,
): Generator<RouteLocation> {
  const written = new Map<string, string>();
  for (const { claims } of read)
    for (const c of claims) if (c.written !== undefined) written.set(c.id, c.written.path);
  for (const { host, routes, fallback } of hosts) {
    for (const route of routes) {
      const path = written.get(route.id);
      yield path === undefined ? { route, host } : { route, host, path };
    }
    if (fallback !== undefined) yield { route: fallback, host };
  }
  if (defaultRoute !== undefined) yield { route: defaultRoute };
}

/**
 * auth-type basic with its Secret read: the routes' basicAuth, and the Authorization header no longer
 * sent upstream (nginx.tmpl: `proxy_set_header Authorization ""` after auth_basic). False: the Secret
 * cannot be used, and the Ingress answers 503 (ingress-nginx LocationDenied), never open.
 */
function attachBasicAuth(
  ingress: IngressView,
  request: Extract<BasicAuthRequest, { kind: 'basic' }>,
  route: RouteSettings,
  index: SnapshotIndex,
  prefix: string,
  diagnostics: Diagnostic[],
): boolean {
  const resolved = resolveBasicAuth(request, ingress.namespace, index);
  const object = ingressObject(ingress.namespace, ingress.name);
  const field = `metadata.annotations["${prefix}/auth-secret"]`;
  if (!resolved.ok) {
    diagnostics.push({ object, field, reason: 'InvalidAuthSecret', message: resolved.message });
    return false;
  }
  for (const message of resolved.warnings)
    diagnostics.push({ object, field, reason: 'AuthSecretEntryIgnored', message });
  route.basicAuth = resolved.auth;
  route.filters.push({ type: 'RequestHeaderModifier', remove: ['authorization'] });
  return true;
}

/**
 * Each Ingress's auth-url becomes Route.externalAuth once its backend resolves; one that does not
 * (a Service of its namespace that is missing) closes the Ingress: never served without its auth.
 */
function attachExternalAuth(
  read: IngressRoutes[],
  settings: Map<string, RouteSettings>,
  resolver: BackendResolver,
  index: SnapshotIndex,
  prefix: string,
  diagnostics: Diagnostic[],
): void {
  for (const [key, s] of settings) {
    const spec = s.externalAuthSpec;
    if (spec === undefined) continue;
    const [namespace, name] = key.split('/');
    const { backends, problem } = resolver.resolveExternalAuth(namespace, spec);
    const backend = backends[0]?.backend;
    const setHeaders =
      spec.proxySetHeaders === undefined
        ? undefined
        : proxySetHeadersOf(
            index.configMaps.get(objectKey(spec.proxySetHeaders.namespace, spec.proxySetHeaders.name))
              ?.data as Record<string, unknown> | undefined,
            spec.proxySetHeaders,
          );
    if (backend === undefined || setHeaders?.ok === false) {
      const annotation = backend === undefined ? 'auth-url' : 'auth-proxy-set-headers';
      const why =
        backend === undefined
          ? (problem?.message ?? 'auth-url has no backend')
          : (setHeaders as { message: string }).message;
      diagnostics.push({
        object: ingressObject(namespace, name),
        field: `metadata.annotations["${prefix}/${annotation}"]`,
        reason:
          backend === undefined ? (problem?.reason ?? 'InvalidAccessAnnotation') : 'InvalidAccessAnnotation',
        message: `${why}; every route of this Ingress answers 503 until it resolves`,
      });
      const routes = read.find((r) => r.ingress.namespace === namespace && r.ingress.name === name);
      if (routes !== undefined) routes.closed = true;
      settings.delete(key);
      continue;
    }
    const { target: _t, port: _p, protocol: _pr, proxySetHeaders: _h, ...fields } = spec;
    s.externalAuth = { backend, ...fields };
    if (setHeaders?.ok === true && setHeaders.headers.length > 0)
      s.externalAuth.proxySetHeaders = setHeaders.headers;
  }
}

/** Each Ingress's mirror-target becomes a RequestMirror filter of its routes, once its backend resolves. */
function attachMirrors(
  settings: ReadonlyMap<string, RouteSettings>,
  resolver: BackendResolver,
  prefix: string,
  diagnostics: Diagnostic[],
): void {
  for (const [key, s] of settings) {
    if (s.mirror === undefined) continue;
    const [namespace, name] = key.split('/');
    const { backends, problem } = resolver.resolveMirror(namespace, s.mirror);
    if (problem !== undefined) {
      const field = `metadata.annotations["${prefix}/mirror-target"]`;
      diagnostics.push({
        object: ingressObject(namespace, name),
        field,
        reason: problem.reason,
        message: problem.message,
      });
    }
    const backend = backends[0]?.backend;
    if (backend === undefined) continue;
    s.filters.push({ type: 'RequestMirror', backend, body: s.mirror.body, hostname: s.mirror.hostname });
  }
}

/**
 * Each Ingress's error backend (annotations/error-pages.ts): its default-backend Service (first
 * port, as ingress-nginx's controller.go), else --default-backend-service. Without either, the
 * codes cannot be served: a diagnostic, and the upstream's answers are relayed.
 */
function attachErrorBackends(
  settings: ReadonlyMap<string, RouteSettings>,
  resolver: BackendResolver,
  globalDefault: string | undefined,
  prefix: string,
  diagnostics: Diagnostic[],
): void {
  for (const [key, s] of settings) {
    const spec = s.errorPages;
    if (spec === undefined) continue;
    const [namespace, name] = key.split('/');
    const reference = spec.service !== undefined ? `${namespace}/${spec.service}` : globalDefault;
    const annotation = spec.service !== undefined ? 'default-backend' : 'custom-http-errors';
    const field = `metadata.annotations["${prefix}/${annotation}"]`;
    if (reference === undefined || reference === '') {
      diagnostics.push({
        object: ingressObject(namespace, name),
        field,
        reason: 'NoDefaultBackend',
        message:
          'custom-http-errors needs a default-backend annotation or --default-backend-service; the upstream answers are relayed',
      });
      continue;
    }
    const { backends, problem } = resolver.resolveDefault(reference);
    if (problem !== undefined)
      diagnostics.push({
        object: ingressObject(namespace, name),
        field,
        reason: problem.reason,
        message: problem.message,
      });
    const backend = backends[0]?.backend;
    if (backend !== undefined) s.errorBackend = backend;
  }
}

/** A canary path enforces a regex exactly when the main path written the same way does. */
function alignCanaryPaths(read: IngressRoutes[], canaries: CanaryIngress[]): void {
  const key = (c: IngressRoutes['claims'][number]) =>
    `${c.host}\u0000${c.written?.type ?? c.match.type}\u0000${c.written?.path ?? c.match.value}`;
  const enforcing = new Set<string>();
  for (const { claims } of read) for (const c of claims) if (c.enforcesRegex) enforcing.add(key(c));
  for (const { routes } of canaries)
    for (const c of routes.claims) if (enforcing.has(key(c))) c.enforcesRegex = true;
}

/** The Ingress as a canary sees it: only the annotations ingress-nginx keeps on canaries. */
function canaryView(ingress: IngressView, prefix: string): IngressView {
  const lead = `${prefix}/`;
  const annotations = Object.fromEntries(
    Object.entries(ingress.annotations).filter(
      ([name]) => name.startsWith(lead) && keptOnCanary(name.slice(lead.length)),
    ),
  );
  return { ...ingress, annotations };
}

function readCanary(ingress: IngressView, prefix: string, diagnostics: Diagnostic[]) {
  const { spec, problems } = parseCanary(ingress.annotations, prefix);
  const object = ingressObject(ingress.namespace, ingress.name);
  for (const { key, message } of problems)
    diagnostics.push({
      object,
      field: `metadata.annotations["${prefix}/${key}"]`,
      reason: 'InvalidAnnotation',
      message,
    });
  return spec;
}

// Used only when no Ingress sets spec.defaultBackend. A missing Service keeps the route, which
// then answers 503, like an Ingress route whose Service is missing.
function flagDefaultRoute(
  reference: string | undefined,
  resolver: BackendResolver,
  diagnostics: Diagnostic[],
): Route | undefined {
  if (reference === undefined || reference === '') return undefined;
  const resolution = resolver.resolveDefault(reference);
  const object = flagObject('--default-backend-service');
  if (resolution.problem !== undefined) {
    const { reason, message } = resolution.problem;
    diagnostics.push({ object, reason, message });
    if (reason === 'InvalidFlag') return undefined;
  }
  return {
    id: 'flag/default-backend-service',
    source: { kind: 'Flag', namespace: '', name: '--default-backend-service' },
    match: { path: { type: 'Prefix', value: '/' } },
    backends: resolution.backends,
    filters: [],
  };
}
