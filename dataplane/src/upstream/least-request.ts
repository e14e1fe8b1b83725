// Least request by the power of two choices (Mitzenmacher; Envoy's LEAST_REQUEST): two distinct
// endpoints at random, the one with fewer requests in flight wins. Near-optimal load spread at
// O(1) cost, and no herd onto one "least loaded" endpoint as a full scan would cause.

import { anyNotExcluded, type Balancer, usable } from './choice.ts';
import type { UpstreamEndpoint } from './types.ts';

export class LeastRequest implements Balancer {
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  pick(
    endpoints: readonly UpstreamEndpoint[],
    _headers: unknown,
    _client: unknown,
    exclude: readonly UpstreamEndpoint[] | undefined,
  ): UpstreamEndpoint | undefined {
    const n = endpoints.length;
    if (n === 0) return undefined;
    const i = Math.floor(this.#random() * n);
    if (n === 1) return usable(endpoints[0], exclude) ? endpoints[0] : anyNotExcluded(endpoints, exclude, 0);
    let j = Math.floor(this.#random() * (n - 1));
    if (j >= i) j++;
    const a = endpoints[i];
    const b = endpoints[j];
    const aOk = usable(a, exclude);
    const bOk = usable(b, exclude);
    if (aOk && bOk) return b.health.active < a.health.active ? b : a;
    if (aOk) return a;
    if (bOk) return b;
    // Both draws unusable (ejected or tried): the least loaded of the usable rest, by a scan.
    let best: UpstreamEndpoint | undefined;
    for (const endpoint of endpoints) {
      if (usable(endpoint, exclude) && (best === undefined || endpoint.health.active < best.health.active))
        best = endpoint;
    }
    return best ?? anyNotExcluded(endpoints, exclude, i);
  }
}
