// affinity-mode "persistent" (ingress-nginx balancer/sticky_persistent.lua with util/nodemap.lua):
// the affinity cookie names its endpoint (a salted hash of its address), so a session stays on
// that endpoint for as long as it exists; scaling up moves no session, unlike the hash ring of
// "balanced". A cookie naming no current endpoint is answered by a new pick and a new cookie.
import type { IncomingHttpHeaders } from 'node:http';
import { cookieValue } from './affinity.ts';
import { type Balancer, type PickClient, usable } from './choice.ts';
import { hash32 } from './hash.ts';
import { RoundRobin } from './round-robin.ts';
import type { UpstreamEndpoint } from './types.ts';

/**
 * 64 bits of salted hash (two hash32 rounds), base 36: among 50 000 endpoints two share an id with
 * probability about 1e-10 (nodemap.lua uses a salted md5). The salt keeps addresses out of cookies.
 */
export function endpointId(salt: string, origin: string): string {
  return hash32(`${salt}#${origin}`).toString(36) + hash32(`${origin}#${salt}`).toString(36);
}

export class PersistentAffinity implements Balancer {
  readonly #name: string;
  readonly #byId = new Map<string, number>();
  readonly #ids = new Map<UpstreamEndpoint, string>();
  /** New sessions (ingress-nginx: random_except the failed ones). */
  readonly #fallback = new RoundRobin();

  constructor(cookieName: string, endpoints: readonly UpstreamEndpoint[], salt: string) {
    this.#name = cookieName;
    for (let i = 0; i < endpoints.length; i++) {
      const id = endpointId(salt, endpoints[i].origin);
      this.#byId.set(id, i);
      this.#ids.set(endpoints[i], id);
    }
  }

  /** The index of the endpoint this request's cookie names, when it is one of this backend's. */
  pinned(headers: IncomingHttpHeaders | undefined): number | undefined {
    if (headers === undefined) return undefined;
    const value = cookieValue(headers, this.#name);
    if (value === undefined) return undefined;
    // `id|backend tag` (balancers.ts): the id names the endpoint.
    const bar = value.indexOf('|');
    return this.#byId.get(bar === -1 ? value : value.slice(0, bar));
  }

  /** The cookie token naming `endpoint`. */
  idOf(endpoint: UpstreamEndpoint): string | undefined {
    return this.#ids.get(endpoint);
  }

  pick(
    endpoints: readonly UpstreamEndpoint[],
    headers: IncomingHttpHeaders | undefined,
    client: PickClient | undefined,
    exclude: readonly UpstreamEndpoint[] | undefined,
  ): UpstreamEndpoint | undefined {
    const index = this.pinned(headers);
    if (index !== undefined && usable(endpoints[index], exclude)) return endpoints[index];
    return this.#fallback.pick(endpoints, headers, client, exclude);
  }
}
