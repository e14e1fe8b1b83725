// What one Ingress's supported annotations ask of its routes and backends, typed. Parsed once per
// Ingress (parse.ts); applied to the routes it wins (apply.ts) and to its backends (backends.ts).
import type {
  BackendTls,
  BalancerPolicy,
  BasicAuth,
  ClientAccess,
  CorsPolicy,
  ExternalAuth,
  Filter,
  GlobalRateLimit,
  HttpsRedirectForm,
  RateLimit,
  ResponseRewrites,
  RetryPolicy,
  Timeouts,
} from '../../../../dataplane/src/table/types.ts';
import type { CanaryAffinity } from './affinity.ts';
import type { BasicAuthRequest } from './basic-auth.ts';
import type { ClientCertificateRequest } from './client-certificates.ts';
import type { CustomHeadersRequest } from './custom-headers.ts';
import type { ErrorPagesSpec } from './error-pages.ts';
import type { ExternalAuthSpec } from './external-auth.ts';
import type { HostSettings } from './host-names.ts';
import type { MirrorSpec } from './mirror.ts';
import type { ProxySslRequest } from './proxy-ssl.ts';
import type { SnippetSettings } from './snippet/annotation.ts';
import type { ListenerSettings } from './tls-listener.ts';

export interface RouteSettings {
  timeouts?: Timeouts;
  retry?: RetryPolicy;
  maxRequestBodyBytes?: number;
  /** ssl-redirect / force-ssl-redirect: Route.httpsRedirect. */
  httpsRedirect?: boolean;
  /** preserve-trailing-slash, use-port-in-redirects: Route.httpsRedirectForm. */
  httpsRedirectForm?: HttpsRedirectForm;
  /** mirror-*: becomes a RequestMirror filter once its backend is resolved (translate.ts). */
  mirror?: MirrorSpec;
  /** False: left out of the access log (enable-access-log). */
  accessLog?: boolean;
  /** Applied in this order, before any filter the route already has. */
  filters: Filter[];
  /** use-regex: the Ingress's paths are regexes (regex-paths.ts). */
  useRegex?: boolean;
  /** rewrite-target: the path sent upstream, with `$1`… (a RegexSubstitution, apply.ts). */
  rewriteTarget?: string;
  /** custom-http-errors / default-backend; `errorBackend` is its backend key once resolved (translate.ts). */
  errorPages?: ErrorPagesSpec;
  errorBackend?: string;
  /** proxy-redirect-*, proxy-cookie-domain, proxy-cookie-path: Route.responseRewrites. */
  responseRewrites?: ResponseRewrites;
  /** satisfy any: Route.satisfy. */
  satisfy?: 'any';
  /** *-source-range: Route.clientAccess. */
  clientAccess?: ClientAccess;
  /** enable-cors, cors-*: Route.cors. */
  cors?: CorsPolicy;
  /** auth-type basic, once its Secret is read (translate.ts): Route.basicAuth. */
  basicAuth?: BasicAuth;
  /** auth-url family: Route.externalAuth once its backend is resolved (translate.ts), in `externalAuth`. */
  externalAuthSpec?: ExternalAuthSpec;
  externalAuth?: ExternalAuth;
  /** limit-rps, limit-rpm, limit-connections, …: Route.rateLimit. */
  rateLimit?: RateLimit;
  /** global-rate-limit*: Route.globalRateLimit. */
  globalRateLimit?: GlobalRateLimit;
  /** A RoutePolicy's hsts: Route.hsts. */
  hsts?: string;
  /** configuration-snippet, translated (--allow-snippet-annotations): applied last (snippet/apply.ts). */
  snippet?: SnippetSettings;
}

/** Settings of the Backend an Ingress's routes send to; absent fields keep the Service's own. */
export interface BackendSettings {
  protocol?: 'HTTP' | 'HTTPS' | 'H2C' | 'H2';
  balancer?: BalancerPolicy;
  /** Resolved from IngressAnnotations.proxySsl once the Secret is read (translate.ts). */
  tls?: BackendTls;
  /** service-upstream: the Service's ClusterIP and port instead of its endpoints. */
  serviceUpstream?: boolean;
}

export interface IngressAnnotations {
  route: RouteSettings;
  backend: BackendSettings;
  /** proxy-ssl-*: becomes `backend.tls` when its Secret is read. */
  proxySsl?: ProxySslRequest;
  /** auth-type, auth-secret, auth-secret-type, auth-realm: becomes `route.basicAuth` when its Secret is read. */
  basicAuth?: BasicAuthRequest;
  /** custom-headers: a ResponseHeaderModifier of the route filters once its ConfigMap is read. */
  customHeaders?: CustomHeadersRequest;
  /** app-root, from-to-www-redirect, server-alias: host names and answers (apply-hosts.ts). */
  host?: HostSettings;
  /** What a canary Ingress's backend takes from its main backend (merge-canaries.ts). */
  canary: CanaryBalancing;
  /** Restricting annotations whose value cannot be honoured: the Ingress answers 503 (fail closed). */
  denied?: string[];
  /** auth-tls-*: the host's client certificates, once the CA Secret is read (translate.ts). */
  clientCertificate?: ClientCertificateRequest;
  /** ssl-passthrough, ssl-ciphers, ssl-prefer-server-ciphers: the HTTPS listener's handling of its hosts. */
  listener?: ListenerSettings;
  /** server-snippet, translated: applied to every route of the Ingress's hosts (translate.ts). */
  serverSnippet?: SnippetSettings;
  /** A refused snippet held an access directive: every route answers 503. */
  closed?: boolean;
}

/** affinity-canary-behavior and the balancing a sticky canary keeps when its own affinity is replaced. */
export interface CanaryBalancing {
  behavior: CanaryAffinity;
  /** upstream-hash-by or load-balance, ignoring affinity. */
  withoutAffinity?: BalancerPolicy;
}
