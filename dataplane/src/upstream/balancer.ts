// Choosing an endpoint of a backend, and a backend group of a route. Compiled once per table;
// a pick is a counter step or a ring lookup, no allocation. The policies live beside this file.
import type { IncomingHttpHeaders } from 'node:http';
import type { Pool } from 'undici';
import type { Backend } from '../table/types.ts';
import { type AffinityCookie, affinitizedGroup } from './balancers.ts';
import type { Balancer, PickClient } from './choice.ts';
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

/** `exclude`: endpoints this request already tried (a retry goes elsewhere). */
export function pickEndpoint(
  backend: CompiledBackend,
  headers?: IncomingHttpHeaders,
  client?: PickClient,
  exclude?: readonly UpstreamEndpoint[],
): UpstreamEndpoint | undefined {
  return backend.balancer.pick(backend.endpoints, headers, client, exclude);
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

export function pickGroup(groups: BackendGroups, headers?: IncomingHttpHeaders): CompiledBackend | undefined {
  const backends = groups.backends;
  if (groups.sticky && headers !== undefined) {
    const pinned = affinitizedGroup(backends, headers);
    if (pinned !== undefined) return pinned;
  }
  if (backends.length === 1) return groups.total > 0 ? backends[0] : undefined;
  if (groups.total === 0) return undefined;
  const { weights, current } = groups;
  let best = 0;
  for (let i = 0; i < backends.length; i++) {
    current[i] += weights[i];
    if (current[i] > current[best]) best = i;
  }
  current[best] -= groups.total;
  return backends[best];
}
