// What one Ingress's supported annotations ask of its routes and backends, typed. Parsed once per
// Ingress (parse.ts); applied to the routes it wins (apply.ts) and to its backends (backends.ts).
import type { BalancerPolicy, Filter, RetryPolicy, Timeouts } from '../../../../dataplane/src/table/types.ts';
import type { MirrorSpec } from './mirror.ts';

export interface RouteSettings {
  timeouts?: Timeouts;
  retry?: RetryPolicy;
  maxRequestBodyBytes?: number;
  /** ssl-redirect / force-ssl-redirect: Route.httpsRedirect. */
  httpsRedirect?: boolean;
  /** mirror-*: becomes a RequestMirror filter once its backend is resolved (translate.ts). */
  mirror?: MirrorSpec;
  /** Applied in this order, before any filter the route already has. */
  filters: Filter[];
}

/** Settings of the Backend an Ingress's routes send to; absent fields keep the Service's own. */
export interface BackendSettings {
  protocol?: 'HTTP' | 'HTTPS' | 'H2C' | 'H2';
  balancer?: BalancerPolicy;
}

export interface IngressAnnotations {
  route: RouteSettings;
  backend: BackendSettings;
}
