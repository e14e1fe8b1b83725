// Consistent hashing on a header, a cookie or the client address: a hash ring with virtual nodes
// (ketama, as nginx's `hash … consistent` and Envoy's RING_HASH). Chosen over jump hash, which
// only tolerates adding or removing the *last* bucket (our endpoint lists are sorted by address,
// so a new pod lands anywhere), and over Maglev, whose 65537-slot table per backend costs more
// to build on every table and still moves a few keys that did not have to move. On the ring,
// adding one endpoint to n moves only the ~1/(n+1) keys the newcomer takes; removing one moves
// only its own keys. A key whose endpoint is ejected or already tried walks on to the next point.
import type { IncomingHttpHeaders } from 'node:http';
import type { BalancerPolicy } from '../table/types.ts';
import { cookieToken, cookieValue } from './affinity.ts';
import { type Balancer, type PickClient, usable } from './choice.ts';
import { hash32 } from './hash.ts';
import { RoundRobin } from './round-robin.ts';
import type { UpstreamEndpoint } from './types.ts';

/** Points per endpoint: ketama's 160 keeps each endpoint's share within a few percent of 1/n. */
export const VIRTUAL_NODES = 160;

export class HashRing {
  /** Ring positions, ascending. */
  readonly points: Uint32Array;
  /** `owners[k]` is the index of the endpoint owning `points[k]`. */
  readonly owners: Uint32Array;

  /** `ids` name the endpoints (their origins): the same id always gets the same points. */
  constructor(ids: readonly string[], virtualNodes = VIRTUAL_NODES) {
    const size = ids.length * virtualNodes;
    const raw = new Uint32Array(size);
    const rawOwners = new Uint32Array(size);
    for (let e = 0; e < ids.length; e++) {
      for (let v = 0; v < virtualNodes; v++) {
        raw[e * virtualNodes + v] = hash32(`${ids[e]}#${v}`);
        rawOwners[e * virtualNodes + v] = e;
      }
    }
    const order = Array.from({ length: size }, (_, k) => k).sort(
      (a, b) => raw[a] - raw[b] || ids[rawOwners[a]].localeCompare(ids[rawOwners[b]]),
    );
    this.points = new Uint32Array(size);
    this.owners = new Uint32Array(size);
    order.forEach((k, i) => {
      this.points[i] = raw[k];
      this.owners[i] = rawOwners[k];
    });
  }

  /** Index of the first point at or clockwise after `hash`. */
  locate(hash: number): number {
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }
}

export type HashPolicy = Extract<BalancerPolicy, { type: 'ConsistentHash' }>;

/** What a hash policy hashes: a header, a cookie (the token of one we issue) or the client address. */
export class HashKey {
  readonly #on: HashPolicy['on'];
  /** Header names lower-case; cookie names exact. */
  readonly #name: string;
  readonly #issuesCookie: boolean;

  constructor(policy: HashPolicy) {
    this.#on = policy.on;
    const name = policy.name ?? policy.setCookie?.name ?? '';
    this.#name = policy.on === 'Header' ? name.toLowerCase() : name;
    this.#issuesCookie = policy.on === 'Cookie' && policy.setCookie !== undefined;
  }

  /** The string hashed for this request, or undefined when it carries none. */
  of(headers: IncomingHttpHeaders | undefined, client: PickClient | undefined): string | undefined {
    if (this.#on === 'ClientAddress') return client?.address;
    if (headers === undefined) return undefined;
    if (this.#on === 'Header') {
      const value = headers[this.#name];
      return Array.isArray(value) ? value.join(',') : value;
    }
    const cookie = cookieValue(headers, this.#name);
    if (!this.#issuesCookie) return cookie;
    // No cookie yet but we issue it: hash the value the response will set (see affinityCookie).
    if (cookie === undefined) return client === undefined ? undefined : cookieToken(client.requestId);
    // Our cookies read `token|backend tag` (balancers.ts): only the token picks the endpoint.
    const bar = cookie.indexOf('|');
    return bar === -1 ? cookie : cookie.slice(0, bar);
  }
}

export class ConsistentHash implements Balancer {
  readonly #ring: HashRing;
  readonly #key: HashKey;
  /** Requests without a key (no such header) are spread instead of all landing on one point. */
  readonly #fallback = new RoundRobin();

  constructor(policy: HashPolicy, endpoints: readonly UpstreamEndpoint[]) {
    this.#ring = new HashRing(endpoints.map((e) => e.origin));
    this.#key = new HashKey(policy);
  }

  /** The string hashed for this request, or undefined when it carries none. */
  keyOf(headers: IncomingHttpHeaders | undefined, client: PickClient | undefined): string | undefined {
    return this.#key.of(headers, client);
  }

  /** The endpoint index owning `key`'s first ring point (before any walk past ejected ones). */
  ownerOf(key: string): number | undefined {
    const ring = this.#ring;
    return ring.points.length === 0 ? undefined : ring.owners[ring.locate(hash32(key))];
  }

  pick(
    endpoints: readonly UpstreamEndpoint[],
    headers: IncomingHttpHeaders | undefined,
    client: PickClient | undefined,
    exclude: readonly UpstreamEndpoint[] | undefined,
  ): UpstreamEndpoint | undefined {
    const key = this.keyOf(headers, client);
    const ring = this.#ring;
    const size = ring.points.length;
    if (key === undefined || size === 0) return this.#fallback.pick(endpoints, headers, client, exclude);
    const start = ring.locate(hash32(key));
    for (let k = 0; k < size; k++) {
      const endpoint = endpoints[ring.owners[(start + k) % size]];
      if (usable(endpoint, exclude)) return endpoint;
    }
    // Everything left is ejected (panic): keep the key's own endpoint if this request may use it.
    for (let k = 0; k < size; k++) {
      const endpoint = endpoints[ring.owners[(start + k) % size]];
      if (exclude === undefined || !exclude.includes(endpoint)) return endpoint;
    }
    return undefined;
  }
}
