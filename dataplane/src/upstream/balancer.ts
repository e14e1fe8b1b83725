// Choosing an endpoint of a backend, and a backend group of a route. Compiled once per table;
// a pick is a counter step, no allocation.
import type { Pool } from 'undici';
import type { Backend } from '../table/types.ts';

export interface UpstreamEndpoint {
  /** `http://10.0.0.5:8080`: the pool key and the address logged. */
  origin: string;
  pool: Pool;
  terminating: boolean;
}

export interface CompiledBackend {
  key: string;
  backend: Backend;
  endpoints: UpstreamEndpoint[];
  /** Round-robin cursor. */
  next: number;
}

export function pickEndpoint(backend: CompiledBackend): UpstreamEndpoint | undefined {
  const endpoints = backend.endpoints;
  const n = endpoints.length;
  if (n === 0) return undefined;
  if (n === 1) return endpoints[0];
  const i = backend.next;
  backend.next = i + 1 >= n ? 0 : i + 1;
  return endpoints[i];
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
}

export function pickGroup(groups: BackendGroups): CompiledBackend | undefined {
  const backends = groups.backends;
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
