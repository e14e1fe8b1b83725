// Which endpoints a balancer may choose (not ejected, not already tried by this request); the
// request facts a policy may hash on are declared in types.ts.
import { isEjected } from './health.ts';
import type { UpstreamEndpoint } from './types.ts';

export type { Balancer, PickClient } from './types.ts';

export function usable(
  endpoint: UpstreamEndpoint,
  exclude: readonly UpstreamEndpoint[] | undefined,
): boolean {
  return !isEjected(endpoint.health) && (exclude === undefined || !exclude.includes(endpoint));
}

/**
 * Panic mode (Envoy's name): every remaining endpoint is ejected, so ejection is ignored rather
 * than answering 503 while endpoints exist. Starts at `from` to spread the load.
 */
export function anyNotExcluded(
  endpoints: readonly UpstreamEndpoint[],
  exclude: readonly UpstreamEndpoint[] | undefined,
  from: number,
): UpstreamEndpoint | undefined {
  const n = endpoints.length;
  for (let k = 0; k < n; k++) {
    const endpoint = endpoints[(from + k) % n];
    if (exclude === undefined || !exclude.includes(endpoint)) return endpoint;
  }
  return undefined;
}
