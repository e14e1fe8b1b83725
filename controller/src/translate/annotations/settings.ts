// What one Ingress's supported annotations ask of its routes and backends, typed. Parsed once per
// Ingress (parse.ts); applied to the routes it wins (apply.ts) and to its backends (backends.ts).
import type {
  BackendTls,
  BalancerPolicy,
  Filter,
  HttpsRedirectForm,
  ResponseRewrites,
  RetryPolicy,
  Timeouts,
} from '../../../../dataplane/src/table/types.ts';
import type { CustomHeadersRequest } from './custom-headers.ts';
import type { ErrorPagesSpec } from './error-pages.ts';
import type { HostSettings } from './host-names.ts';
import type { MirrorSpec } from './mirror.ts';
import type { ProxySslRequest } from './proxy-ssl.ts';

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
  /** custom-headers: a ResponseHeaderModifier of the route filters once its ConfigMap is read. */
  customHeaders?: CustomHeadersRequest;
  /** app-root, from-to-www-redirect, server-alias: host names and answers (apply-hosts.ts). */
  host?: HostSettings;
}
