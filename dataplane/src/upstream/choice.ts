// What every balancer shares: the request facts a policy may hash on, and which endpoints may be
// chosen (not ejected, not already tried by this request).
import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamEndpoint } from './balancer.ts';
import { isEjected } from './health.ts';

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
