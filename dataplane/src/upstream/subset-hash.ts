// Consistent hashing to a subset of endpoints (ingress-nginx upstream-hash-by-subset,
// rootfs/etc/nginx/lua/balancer/chashsubset.lua): a key always reaches the same few endpoints,
// spread at random among them, so one hot key loads `size` endpoints instead of one.
import type { IncomingHttpHeaders } from 'node:http';
import { anyNotExcluded, type Balancer, type PickClient, usable } from './choice.ts';
import { HashKey, type HashPolicy, HashRing } from './consistent-hash.ts';
import { hash32 } from './hash.ts';
import { RoundRobin } from './round-robin.ts';
import type { UpstreamEndpoint } from './types.ts';

/**
 * build_subset_map: endpoints in order cut into ceil(n/size) sets of `size`; the last set is
 * topped up with endpoints from the start, so every set has `size` members (indices here).
 */
export function subsetsOf(count: number, size: number): number[][] {
  const sets: number[][] = [];
  const setCount = Math.ceil(count / size);
  for (let s = 0; s < setCount; s++)
    sets.push(Array.from({ length: size }, (_, i) => (s * size + i) % count));
  return sets;
}

export class SubsetHash implements Balancer {
  readonly #key: HashKey;
  /** Ring over the set names `set1`… (chashsubset.lua's subset ids), so sets move as little as endpoints do. */
  readonly #ring: HashRing;
  readonly #sets: number[][];
  readonly #fallback = new RoundRobin();

  constructor(policy: HashPolicy & { subsetSize: number }, endpoints: readonly UpstreamEndpoint[]) {
    this.#key = new HashKey(policy);
    this.#sets = subsetsOf(endpoints.length, policy.subsetSize);
    this.#ring = new HashRing(this.#sets.map((_, s) => `set${s + 1}`));
  }

  pick(
    endpoints: readonly UpstreamEndpoint[],
    headers: IncomingHttpHeaders | undefined,
    client: PickClient | undefined,
    exclude: readonly UpstreamEndpoint[] | undefined,
  ): UpstreamEndpoint | undefined {
    const key = this.#key.of(headers, client);
    const ring = this.#ring;
    if (key === undefined || ring.points.length === 0)
      return this.#fallback.pick(endpoints, headers, client, exclude);
    const set = this.#sets[ring.owners[ring.locate(hash32(key))]];
    // math.random(#endpoints) in the lua; then the set's other members for an ejected or tried one.
    const from = Math.floor(Math.random() * set.length);
    for (let k = 0; k < set.length; k++) {
      const endpoint = endpoints[set[(from + k) % set.length]];
      if (usable(endpoint, exclude)) return endpoint;
    }
    for (let k = 0; k < set.length; k++) {
      const endpoint = endpoints[set[(from + k) % set.length]];
      if (exclude === undefined || !exclude.includes(endpoint)) return endpoint;
    }
    // Every member already tried: a retry goes elsewhere rather than nowhere.
    return anyNotExcluded(endpoints, exclude, from);
  }
}
