// What one Ingress's supported annotations ask of its routes and backends, typed. Parsed once per
// Ingress (parse.ts); applied to the routes it wins (apply.ts) and to its backends (backends.ts).
import type { BalancerPolicy, Filter, RetryPolicy, Timeouts } from '../../../../dataplane/src/table/types.ts';

export interface RouteSettings {
  timeouts?: Timeouts;
  retry?: RetryPolicy;
  maxRequestBodyBytes?: number;
  /** Applied in this order, before any filter the route already has. */
  filters: Filter[];
  /** use-regex: the Ingress's paths are regexes (regex-paths.ts). */
  useRegex?: boolean;
  /** rewrite-target: the path sent upstream, with `$1`… (a RegexSubstitution, apply.ts). */
  rewriteTarget?: string;
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
