// Round robin (the default): a cursor over the endpoints, stepping past ejected or already-tried
// ones. No allocation per pick.

import { anyNotExcluded, type Balancer, usable } from './choice.ts';
import type { UpstreamEndpoint } from './types.ts';

export class RoundRobin implements Balancer {
  #next = 0;

  pick(
    endpoints: readonly UpstreamEndpoint[],
    _headers: unknown,
    _client: unknown,
    exclude: readonly UpstreamEndpoint[] | undefined,
  ): UpstreamEndpoint | undefined {
    const n = endpoints.length;
    if (n === 0) return undefined;
    const start = this.#next % n;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (usable(endpoints[i], exclude)) {
        this.#next = i + 1;
        return endpoints[i];
      }
    }
    this.#next = start + 1;
    return anyNotExcluded(endpoints, exclude, start);
  }
}
