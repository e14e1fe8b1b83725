// What the balancing modules share: endpoints, compiled backends and the policy interface.
// Declared here, apart from any implementation, so balancer.ts, balancers.ts, choice.ts and
// the policies import one leaf file instead of each other.
import type { IncomingHttpHeaders } from 'node:http';
import type { Pool } from 'undici';
import type { Backend } from '../table/types.ts';
import type { EndpointHealth } from './health.ts';

export interface UpstreamEndpoint {
  /** `http://10.0.0.5:8080`: the address logged and hashed. */
  readonly origin: string;
  /** Created on first use (upstream/backends.ts), then shared by every table that keeps the endpoint. */
  readonly pool: Pool;
  readonly terminating: boolean;
  /** Shared by every table version (in-flight count, outlier state). */
  health: EndpointHealth;
}

export interface CompiledBackend {
  key: string;
  /** The table's Backend minus its endpoints (compiled below), so the raw endpoint list can be freed. */
  backend: Omit<Backend, 'endpoints'>;
  endpoints: UpstreamEndpoint[];
  balancer: Balancer;
  /** Set when the policy issues its own affinity cookie. */
  affinity: AffinityCookie | undefined;
}

/**
 * Weighted backend groups (canary splits): nginx's smooth weighted round robin, exact over each
 * cycle of `total` picks and interleaved, so a 90/10 split never sends ten in a row to the 10.
 */
export interface BackendGroups {
  backends: CompiledBackend[];
  weights: number[];
  current: number[];
  total: number;
  /** Some group issues affinity cookies: a client's cookie may name its group. */
  sticky: boolean;
}

/** The client as the proxy believes it (ClientView satisfies this). */
export interface PickClient {
  address: string;
  /** Random per request unless the client sent one: seeds a new affinity cookie. */
  requestId: string;
}

export interface Balancer {
  /**
   * An endpoint for this request, or undefined when every endpoint is in `exclude` (the
   * endpoints this request already tried). Ejected endpoints are skipped unless all are.
   */
  pick(
    endpoints: readonly UpstreamEndpoint[],
    headers: IncomingHttpHeaders | undefined,
    client: PickClient | undefined,
    exclude: readonly UpstreamEndpoint[] | undefined,
  ): UpstreamEndpoint | undefined;
}

export interface AffinityCookie {
  name: string;
  /** `; Path=/; HttpOnly; …`, built once, indexed by `SECURE | NO_SAME_SITE` (affinity.ts). */
  attributes: readonly string[];
  /** SameSite=None, left out for user agents that reject it. */
  conditionalSameSiteNone: boolean;
  changeOnFailure: boolean;
  /**
   * Names the backend in the cookie's value, `token|tag`, as sticky.lua appends its backend_key:
   * a route with canary groups sends the client back to the group that issued its cookie.
   */
  tag: string;
}
