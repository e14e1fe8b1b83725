// Choosing an endpoint of a backend, and a backend group of a route. Compiled once per table;
// a pick is a counter step or a ring lookup, no allocation. The policies live beside this file.
import type { IncomingHttpHeaders } from 'node:http';
import { affinitizedGroup } from './balancers.ts';
import type { BackendGroups, CompiledBackend, PickClient, UpstreamEndpoint } from './types.ts';

export type { BackendGroups, CompiledBackend, UpstreamEndpoint } from './types.ts';

/** `exclude`: endpoints this request already tried (a retry goes elsewhere). */
export function pickEndpoint(
  backend: CompiledBackend,
  headers?: IncomingHttpHeaders,
  client?: PickClient,
  exclude?: readonly UpstreamEndpoint[],
): UpstreamEndpoint | undefined {
  return backend.balancer.pick(backend.endpoints, headers, client, exclude);
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
