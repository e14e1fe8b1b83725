// One RoutePolicy's spec → the RouteSettings / BackendSettings the annotations produce, so the data
// plane needs nothing new. Pure. Fields whose data-plane support is not built yet are reported, not
// ignored; those that restrict who is served make the policy close its routes (503), as the
// pending access annotations do.
import { isAddressOrCidr } from '../../../../dataplane/src/table/cidr.ts';
import type {
  BalancerPolicy,
  ClientAccess,
  ClientCertificate,
  CookieSpec,
  CorsPolicy,
  Filter,
  HeaderModifier,
  RateLimit,
  RequestRedirectFilter,
  Timeouts,
  WeightedBackend,
} from '../../../../dataplane/src/table/types.ts';
import type { PolicyHeaderModifier, PolicyServiceRef, RoutePolicySpec } from '../../policy/types.ts';
import type { Diagnostic } from '../../snapshot.ts';
import { type BasicAuthRequest, REALM } from '../annotations/basic-auth.ts';
import type { CanarySpec } from '../annotations/canary.ts';
import type { ClientCertificateRequest } from '../annotations/client-certificates.ts';
import { DEFAULT_CORS_HEADERS, DEFAULT_CORS_MAX_AGE, DEFAULT_CORS_METHODS } from '../annotations/cors.ts';
import { type ExternalAuthSpec, parseExternalAuth } from '../annotations/external-auth.ts';
import { DEFAULT_BURST_MULTIPLIER } from '../annotations/rate-limits.ts';
import type { BackendSettings, RouteSettings } from '../annotations/settings.ts';
import { AnnotationValues } from '../annotations/values.ts';
import { isLoadableSecret } from '../certificates.ts';

/** Fields in the schema whose data-plane support is still being built; `restricting` ones close the routes. */
export const PENDING_FIELDS: Partial<Record<keyof RoutePolicySpec, { restricting: boolean }>> = {};

/** Fields that restrict who is served: a policy with one it cannot honour closes its routes (503), never opens them. */
export const RESTRICTING_FIELDS = [
  'clientAccess',
  'basicAuth',
  'externalAuth',
  'rateLimit',
  'clientCertificate',
] as const satisfies ReadonlyArray<keyof RoutePolicySpec>;

/**
 * Fields read for the whole Ingress, before its routes exist: the backends it sends to, and how its
 * paths are read (use-regex is per Ingress, and spreads to its hosts). They need a policy without hosts or paths.
 */
export const INGRESS_WIDE_FIELDS = {
  balancer: 'sets the backends of the whole Ingress',
  sessionAffinity: 'sets the backends of the whole Ingress',
  regexPaths: 'is how every path of the Ingress is read (as use-regex)',
} as const satisfies Partial<Record<keyof RoutePolicySpec, string>>;

/** Fields set per host (the TLS handshake comes before any path is read): a policy narrowed to paths cannot set them. */
export const HOST_WIDE_FIELDS = {
  clientCertificate: 'is checked in the TLS handshake of the whole host, before any path is read',
} as const satisfies Partial<Record<keyof RoutePolicySpec, string>>;

export interface PolicyProblem {
  field: string;
  message: string;
}

export interface PolicySettings {
  route: RouteSettings;
  backend: BackendSettings;
  /** A URLRewrite path (RegexSubstitution, as rewrite-target) and/or hostname. */
  rewrite?: { path?: string; hostname?: string };
  /** basicAuth: its Secret (of the policy's namespace) is read when the snapshot is at hand (attach.ts). */
  basicAuth?: Extract<BasicAuthRequest, { kind: 'basic' }>;
  /** externalAuth: resolved to a backend as auth-url is (BackendResolver.resolveExternalAuth, attach.ts). */
  externalAuth?: ExternalAuthSpec;
  /** errorPages: the Service answering those codes, resolved in attach.ts; its codes sorted, once each. */
  errorPages?: { codes: number[]; backend: PolicyServiceRef };
  /** clientCertificate: its CA Secret (of the policy's namespace) is read as auth-tls-secret's (attach.ts). */
  clientCertificate?: ClientCertificateRequest;
  /** clientCertificate with its CA read (without caPem when it cannot be: the host answers 503), by attach.ts. */
  clientCertificateResolved?: ClientCertificate;
  /** canary: its backend resolved in attach.ts, its routes built as a canary Ingress's (merge-canaries.ts). */
  canary?: { backend: PolicyServiceRef; spec: CanarySpec };
  /** canary.backend resolved, by attach.ts. */
  canaryBackends?: WeightedBackend[];
  /** regexPaths: the Ingress's paths are read as use-regex reads them (translate.ts). */
  regexPaths?: boolean;
  /** Pending fields the policy uses. */
  unsupported: string[];
  /** One of `unsupported` restricts access: the policy's routes answer 503 rather than serve open. */
  closes: boolean;
  problems: PolicyProblem[];
}

/** `policy` names the RoutePolicy: its namespace holds the Secrets and Services it names; it names its rate-limit budget. */
export function policySettings(
  spec: RoutePolicySpec,
  policy: { namespace: string; name: string },
): PolicySettings {
  const problems: PolicyProblem[] = [];
  const route: RouteSettings = { filters: [] };
  const backend: BackendSettings = {};
  const unsupported: string[] = [];
  let closes = false;
  for (const [field, { restricting }] of Object.entries(PENDING_FIELDS))
    if (spec[field as keyof RoutePolicySpec] !== undefined) {
      unsupported.push(field);
      closes ||= restricting;
    }

  if (spec.timeouts !== undefined) route.timeouts = timeouts(spec.timeouts, problems);
  if (spec.retry !== undefined) {
    // ingress-nginx's proxy_next_upstream default, "error timeout" (upstream.ts parseRetry).
    const on = spec.retry.on ?? ['connect-failure', 'reset'];
    route.retry = { attempts: spec.retry.attempts, on: [...on] };
    if (spec.retry.budgetPercent !== undefined) route.retry.budgetPercent = spec.retry.budgetPercent;
  }
  if (spec.maxRequestBodyBytes !== undefined) route.maxRequestBodyBytes = spec.maxRequestBodyBytes;
  // Request headers first, then the redirect (which answers), then the response headers: the order the worker applies.
  const request = headerFilter('RequestHeaderModifier', spec.requestHeaders);
  if (request !== undefined) route.filters.push(request);
  if (spec.redirect !== undefined) route.filters.push(redirect(spec.redirect));
  const response = headerFilter('ResponseHeaderModifier', spec.responseHeaders);
  if (response !== undefined) route.filters.push(response);
  if (spec.clientAccess !== undefined) route.clientAccess = clientAccess(spec.clientAccess, problems);
  if (spec.cors !== undefined) route.cors = cors(spec.cors);
  if (spec.rateLimit !== undefined) route.rateLimit = rateLimit(spec.rateLimit, policy);
  if (spec.hsts !== undefined) route.hsts = hsts(spec.hsts);

  const balancer = balancerOf(spec, problems);
  if (balancer !== undefined) backend.balancer = balancer;
  const settings: PolicySettings = { route, backend, unsupported, closes, problems };
  if (spec.basicAuth !== undefined) {
    const request = basicAuth(spec.basicAuth, policy.namespace, problems);
    if (request !== undefined) settings.basicAuth = request;
  }
  if (spec.errorPages !== undefined) {
    const { codes, backend: ref } = spec.errorPages;
    if (ref.port !== undefined && ref.portName !== undefined)
      problems.push({ field: 'spec.errorPages.backend', message: 'name port or portName, not both' });
    else settings.errorPages = { codes: [...new Set(codes)].sort((a, b) => a - b), backend: { ...ref } };
  }
  if (spec.externalAuth !== undefined) {
    const auth = externalAuth(spec.externalAuth, policy, problems);
    if (auth !== undefined) settings.externalAuth = auth;
  }
  if (spec.rewrite !== undefined) settings.rewrite = { ...spec.rewrite };
  if (spec.regexPaths !== undefined) settings.regexPaths = spec.regexPaths;
  if (spec.clientCertificate !== undefined) {
    const request = clientCertificate(spec.clientCertificate, policy.namespace, problems);
    if (request !== undefined) settings.clientCertificate = request;
  }
  if (spec.canary !== undefined) {
    const canary = canaryOf(spec.canary, problems);
    if (canary !== undefined) settings.canary = canary;
  }
  return settings;
}

/** auth-tls-secret's settings (client-certificates.ts): depth 1 and verify `on` unless said, as authtls's defaults. */
function clientCertificate(
  spec: NonNullable<RoutePolicySpec['clientCertificate']>,
  namespace: string,
  problems: PolicyProblem[],
): ClientCertificateRequest | undefined {
  if (!isLoadableSecret(namespace, spec.caSecretRef.name)) {
    problems.push({
      field: 'spec.clientCertificate.caSecretRef.name',
      message: 'it is not a valid Secret name',
    });
    return undefined;
  }
  return {
    secret: spec.caSecretRef.name,
    settings: { verify: spec.verify ?? 'on', depth: spec.depth ?? 1, passCertificate: false },
  };
}

/**
 * A canary Ingress's traffic shaping (canary.ts) with the weight out of 100: the header first, then
 * the cookie, then the weight (balancer.lua route_to_alternative_balancer).
 */
function canaryOf(
  spec: NonNullable<RoutePolicySpec['canary']>,
  problems: PolicyProblem[],
): { backend: PolicyServiceRef; spec: CanarySpec } | undefined {
  if (spec.backend.port !== undefined && spec.backend.portName !== undefined) {
    problems.push({ field: 'spec.canary.backend', message: 'name port or portName, not both' });
    return undefined;
  }
  const canary: CanarySpec = { weight: spec.weight ?? 0, weightTotal: 100 };
  if (spec.header !== undefined)
    canary.header =
      spec.header.value === undefined
        ? { name: spec.header.name, mode: 'always-never' }
        : { name: spec.header.name, mode: 'value', value: spec.header.value };
  if (spec.cookie !== undefined) canary.cookie = spec.cookie;
  return { backend: { ...spec.backend }, spec: canary };
}

/** The rate-limit budget of a policy: one per RoutePolicy, shared by every route it wins (as ingress-nginx's one zone per Ingress). */
export function policyZone(policy: { namespace: string; name: string }): string {
  return `RoutePolicy/${policy.namespace}/${policy.name}`;
}

/** limit_req per client address; past the burst the answer is 429 (RFC 6585 §4) unless statusCode says. */
function rateLimit(
  spec: NonNullable<RoutePolicySpec['rateLimit']>,
  policy: { namespace: string; name: string },
): RateLimit {
  const limit: RateLimit = {
    zone: policyZone(policy),
    rps: spec.requestsPerSecond,
    // Without burst: ingress-nginx's limit-burst-multiplier default (5 × the rate).
    burstMultiplier: DEFAULT_BURST_MULTIPLIER,
    statusCode: spec.statusCode ?? 429,
  };
  if (spec.burst !== undefined) limit.burst = spec.burst;
  return limit;
}

/** An htpasswd file in the `auth` key of an Opaque Secret of the policy's namespace, as auth-secret. */
function basicAuth(
  spec: NonNullable<RoutePolicySpec['basicAuth']>,
  namespace: string,
  problems: PolicyProblem[],
): Extract<BasicAuthRequest, { kind: 'basic' }> | undefined {
  const realm = spec.realm ?? '';
  if (!REALM.test(realm)) {
    problems.push({
      field: 'spec.basicAuth.realm',
      message: 'a realm takes letters, digits, spaces and - . _ ~ / : only (as auth-realm)',
    });
    return undefined;
  }
  if (!isLoadableSecret(namespace, spec.secretRef.name)) {
    problems.push({ field: 'spec.basicAuth.secretRef.name', message: 'it is not a valid Secret name' });
    return undefined;
  }
  return { kind: 'basic', secret: spec.secretRef.name, secretType: 'auth-file', realm };
}

/** The annotation prefix the policy's externalAuth fields are read under, to share auth-url's parser. */
const AUTH_PREFIX = 'policy';

/**
 * auth-url's parser and checks (external-auth.ts), so the URL resolves the same way: a Service of
 * the policy's namespace by its cluster name, else an external host the worker's address guard checks.
 */
function externalAuth(
  spec: NonNullable<RoutePolicySpec['externalAuth']>,
  policy: { namespace: string; name: string },
  problems: PolicyProblem[],
): ExternalAuthSpec | undefined {
  const fields: Record<string, string> = { 'auth-url': spec.url };
  if (spec.responseHeaders !== undefined) fields['auth-response-headers'] = spec.responseHeaders.join(',');
  if (spec.signinURL !== undefined) fields['auth-signin'] = spec.signinURL;
  const annotations = Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [`${AUTH_PREFIX}/${key}`, value]),
  );
  const found: Diagnostic[] = [];
  const values = new AnnotationValues(
    { ...policy, annotations } as unknown as ConstructorParameters<typeof AnnotationValues>[0],
    AUTH_PREFIX,
    found,
  );
  const parsed = parseExternalAuth(values, policy.namespace);
  const field = (key: string) =>
    ({ 'auth-url': 'url', 'auth-response-headers': 'responseHeaders', 'auth-signin': 'signinURL' })[key] ??
    key;
  for (const d of found) {
    const key = /\["policy\/([a-z-]+)"\]/.exec(d.field ?? '')?.[1] ?? 'auth-url';
    problems.push({
      field: `spec.externalAuth.${field(key)}`,
      message: d.message
        .replace(/ for policy\/[a-z-]+:/, ':')
        .replace(/; (it restricts access|its default applies).*$/s, ''),
    });
  }
  return parsed === 'denied' || found.length > 0 ? undefined : parsed;
}

/** ingress-nginx's Strict-Transport-Security value (nginx.tmpl: hsts-max-age, hsts-include-subdomains, hsts-preload). */
function hsts(spec: NonNullable<RoutePolicySpec['hsts']>): string {
  const sub = spec.includeSubDomains === true ? '; includeSubDomains' : '';
  return `max-age=${spec.maxAgeSeconds}${sub}${spec.preload === true ? '; preload' : ''}`;
}

/** Gateway API Duration (GEP-2257) → milliseconds; the schema has checked its syntax. */
export function durationMs(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]+)(h|ms|m|s)/g))
    total += Number(amount) * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1);
  return total;
}

/** The route table's bound on every timeout: one day. */
const MAX_TIMEOUT_MS = 86_400_000;

function timeouts(spec: NonNullable<RoutePolicySpec['timeouts']>, problems: PolicyProblem[]): Timeouts {
  const out: Timeouts = {};
  const fields = [
    ['connect', 'connectMs'],
    ['responseHeader', 'responseHeaderMs'],
    ['idle', 'idleMs'],
  ] as const;
  for (const [field, key] of fields) {
    const text = spec[field];
    if (text === undefined) continue;
    const ms = durationMs(text);
    if (ms >= 1 && ms <= MAX_TIMEOUT_MS) out[key] = ms;
    else problems.push({ field: `spec.timeouts.${field}`, message: `${text} is not between 1ms and 24h` });
  }
  return out;
}

function headerFilter(
  type: 'RequestHeaderModifier' | 'ResponseHeaderModifier',
  spec: PolicyHeaderModifier | undefined,
): Filter | undefined {
  if (spec === undefined) return undefined;
  const modifier: HeaderModifier = {};
  if (spec.set !== undefined && spec.set.length > 0)
    modifier.set = spec.set.map(({ name, value }) => ({ name, value }));
  if (spec.add !== undefined && spec.add.length > 0)
    modifier.add = spec.add.map(({ name, value }) => ({ name, value }));
  if (spec.remove !== undefined && spec.remove.length > 0) modifier.remove = [...spec.remove];
  return Object.keys(modifier).length === 0 ? undefined : { type, ...modifier };
}

function redirect(spec: NonNullable<RoutePolicySpec['redirect']>): RequestRedirectFilter {
  const filter: RequestRedirectFilter = { type: 'RequestRedirect', statusCode: spec.statusCode };
  if (spec.scheme !== undefined) filter.scheme = spec.scheme;
  if (spec.hostname !== undefined) filter.hostname = spec.hostname;
  if (spec.port !== undefined) filter.port = spec.port;
  if (spec.path !== undefined) filter.path = { type: 'ReplaceFullPath', value: spec.path };
  return filter;
}

/** nginx's order, as denylist-/allowlist-source-range: deny first, then allow; any allow refuses the rest. */
function clientAccess(
  spec: NonNullable<RoutePolicySpec['clientAccess']>,
  problems: PolicyProblem[],
): ClientAccess {
  const checked = (field: 'allow' | 'deny') =>
    (spec[field] ?? []).filter((cidr, i) => {
      if (isAddressOrCidr(cidr)) return true;
      problems.push({
        field: `spec.clientAccess.${field}[${i}]`,
        message: `${cidr} is not an IP address or CIDR`,
      });
      return false;
    });
  const deny = checked('deny');
  const allow = checked('allow');
  const access: ClientAccess = {
    rules: [],
    otherwise: spec.allow !== undefined && spec.allow.length > 0 ? 'deny' : 'allow',
  };
  if (deny.length > 0) access.rules.push({ action: 'deny', cidrs: deny });
  if (allow.length > 0) access.rules.push({ action: 'allow', cidrs: allow });
  return access;
}

/** Unset fields take ingress-nginx's enable-cors defaults (cors/main.go), except credentials: off unless asked. */
function cors(spec: NonNullable<RoutePolicySpec['cors']>): CorsPolicy {
  const policy: CorsPolicy = {
    allowOrigins: spec.allowOrigins.includes('*') ? ['*'] : [...spec.allowOrigins],
    allowMethods: spec.allowMethods?.join(', ') ?? DEFAULT_CORS_METHODS,
    allowHeaders: spec.allowHeaders?.join(',') ?? DEFAULT_CORS_HEADERS,
    allowCredentials: spec.allowCredentials ?? false,
    maxAgeSeconds: spec.maxAgeSeconds ?? DEFAULT_CORS_MAX_AGE,
  };
  if (spec.exposeHeaders !== undefined) policy.exposeHeaders = spec.exposeHeaders.join(',');
  return policy;
}

/** sessionAffinity wins over balancer, as ingress-nginx's affinity wins over load-balance. */
function balancerOf(spec: RoutePolicySpec, problems: PolicyProblem[]): BalancerPolicy | undefined {
  if (spec.sessionAffinity !== undefined) {
    const { cookieName, ...rest } = spec.sessionAffinity;
    const setCookie: CookieSpec = { name: cookieName, ...rest };
    return { type: 'ConsistentHash', on: 'Cookie', name: cookieName, setCookie };
  }
  const b = spec.balancer;
  if (b === undefined) return undefined;
  if (b.type !== 'ConsistentHash') {
    for (const field of ['hashOn', 'hashName', 'subsetSize'] as const)
      if (b[field] !== undefined)
        problems.push({
          field: `spec.balancer.${field}`,
          message: `only a ConsistentHash balancer reads ${field}`,
        });
    return { type: b.type };
  }
  if (b.hashOn === undefined) {
    problems.push({ field: 'spec.balancer.hashOn', message: 'a ConsistentHash balancer needs hashOn' });
    return undefined;
  }
  const named = b.hashOn !== 'ClientAddress';
  if (named !== (b.hashName !== undefined)) {
    const message = named ? `hashOn ${b.hashOn} needs hashName` : 'hashOn ClientAddress takes no hashName';
    problems.push({ field: 'spec.balancer.hashName', message });
    return undefined;
  }
  const policy: BalancerPolicy = { type: 'ConsistentHash', on: b.hashOn };
  if (b.hashName !== undefined) policy.name = b.hashName;
  if (b.subsetSize !== undefined) policy.subsetSize = b.subsetSize;
  return policy;
}
