// Backend.balancer → the Balancer object compiled once per table, plus the affinity cookie a
// ConsistentHash-on-Cookie policy issues when the client has none yet.
import type { IncomingHttpHeaders } from 'node:http';
import type { BalancerPolicy } from '../table/types.ts';
import {
  cookieAttributes,
  cookieToken,
  cookieValue,
  NO_SAME_SITE,
  rejectsSameSiteNone,
  SECURE,
} from './affinity.ts';
import { ConsistentHash } from './consistent-hash.ts';
import { hash32 } from './hash.ts';
import { LeastRequest } from './least-request.ts';
import { PersistentAffinity } from './persistent-affinity.ts';
import { RoundRobin } from './round-robin.ts';
import { SubsetHash } from './subset-hash.ts';
import type { AffinityCookie, Balancer, CompiledBackend, PickClient, UpstreamEndpoint } from './types.ts';

export type { AffinityCookie } from './types.ts';

/** `key`: the table's backend key, which salts persistent affinity's endpoint ids. */
export function createBalancer(
  policy: BalancerPolicy,
  endpoints: readonly UpstreamEndpoint[],
  key = '',
): Balancer {
  switch (policy.type) {
    case 'LeastRequest':
      return new LeastRequest();
    case 'ConsistentHash':
      if (policy.setCookie?.persistent === true)
        return new PersistentAffinity(policy.name ?? policy.setCookie.name, endpoints, key);
      // Subsets are an upstream-hash-by variant; an affinity cookie pins one endpoint.
      if (policy.subsetSize !== undefined && policy.setCookie === undefined)
        return new SubsetHash({ ...policy, subsetSize: policy.subsetSize }, endpoints);
      return new ConsistentHash(policy, endpoints);
    default:
      return new RoundRobin();
  }
}

/** `key`: the table's backend key, which the cookie's tag is derived from. */
export function affinityOf(policy: BalancerPolicy, key: string): AffinityCookie | undefined {
  if (policy.type !== 'ConsistentHash' || policy.on !== 'Cookie' || policy.setCookie === undefined)
    return undefined;
  const spec = policy.setCookie;
  return {
    name: policy.name ?? spec.name,
    attributes: cookieAttributes(spec),
    conditionalSameSiteNone: spec.conditionalSameSiteNone === true && spec.sameSite === 'None',
    changeOnFailure: spec.changeOnFailure === true,
    tag: affinityTag(key),
  };
}

/** A short name for a backend inside cookie values (RFC 6265 cookie-octets): not a secret, an id. */
export function affinityTag(key: string): string {
  return hash32(key).toString(36);
}

/**
 * The group this request's affinity cookie was issued by, when it is one of `backends`
 * (ingress-nginx balancer.lua route_to_alternative_balancer: an affinitized request keeps its
 * backend before any canary header, cookie or weight is looked at; sticky.lua is_affinitized).
 */
export function affinitizedGroup(
  backends: readonly CompiledBackend[],
  headers: IncomingHttpHeaders,
): CompiledBackend | undefined {
  if (headers.cookie === undefined) return undefined;
  for (let i = 0; i < backends.length; i++) {
    const affinity = backends[i].affinity;
    if (affinity === undefined) continue;
    const value = cookieValue(headers, affinity.name);
    if (value === undefined) continue;
    const bar = value.indexOf(TAG_SEPARATOR);
    if (bar !== -1 && value.length - bar - 1 === affinity.tag.length && value.endsWith(affinity.tag))
      return backends[i];
  }
  return undefined;
}

/** sticky.lua COOKIE_VALUE_DELIMITER. */
export const TAG_SEPARATOR = '|';

/**
 * The Set-Cookie line to send with the response, when the backend issues affinity cookies and
 * this request carried none. Its value is the token the balancer hashed (ConsistentHash.keyOf),
 * so the client's next request lands on the endpoint this one went to. `encrypted`: the request
 * came over TLS, which makes the cookie Secure (ingress-nginx: `$https = on`).
 */
export function affinityCookie(
  backend: CompiledBackend,
  headers: IncomingHttpHeaders,
  client: PickClient,
  encrypted: boolean,
  endpoint?: UpstreamEndpoint,
): string | undefined {
  const affinity = backend.affinity;
  if (affinity === undefined) return undefined;
  const balancer = backend.balancer;
  if (balancer instanceof PersistentAffinity) {
    // sticky.lua balance(): a cookie naming no current endpoint is replaced by one naming the new pick.
    if (endpoint === undefined || balancer.pinned(headers) !== undefined) return undefined;
    const id = balancer.idOf(endpoint);
    return id === undefined ? undefined : setCookieLine(affinity, id, headers, encrypted);
  }
  if (cookieValue(headers, affinity.name) !== undefined) return undefined;
  return setCookieLine(affinity, cookieToken(client.requestId), headers, encrypted);
}

function setCookieLine(
  affinity: AffinityCookie,
  token: string,
  headers: IncomingHttpHeaders,
  encrypted: boolean,
): string {
  let form = encrypted ? SECURE : 0;
  if (affinity.conditionalSameSiteNone && rejectsSameSiteNone(headers['user-agent'])) form |= NO_SAME_SITE;
  return `${affinity.name}=${token}${TAG_SEPARATOR}${affinity.tag}${affinity.attributes[form]}`;
}

/** Candidate tokens tried per endpoint when looking for one the ring gives to `served`, capped so
 * a retried request on a very large backend costs at most a few thousand hashes. */
const TOKENS_PER_ENDPOINT = 64;
const MAX_TOKENS = 4096;

/**
 * The Set-Cookie after a failed attempt was retried on `served`: the cookie must pin the endpoint
 * that answered, not the one that failed. Always for a client that had no cookie (ingress-nginx
 * sticky.lua picks a new upstream and sets the cookie); for one that had a cookie only with
 * session-cookie-change-on-failure. The token is the first of `requestId.N` whose ring owner is
 * `served` (each candidate has about a 1/n chance: 64·n tries miss with probability about e^-64;
 * past 64 endpoints the cap of 4096 lowers that, and a miss keeps the first attempt's cookie).
 * Undefined: keep whatever the first attempt decided.
 */
export function reissuedAffinityCookie(
  backend: CompiledBackend,
  headers: IncomingHttpHeaders,
  client: PickClient,
  served: UpstreamEndpoint,
  encrypted: boolean,
): string | undefined {
  const affinity = backend.affinity;
  const balancer = backend.balancer;
  if (affinity !== undefined && balancer instanceof PersistentAffinity) {
    if (balancer.pinned(headers) !== undefined && !affinity.changeOnFailure) return undefined;
    const id = balancer.idOf(served);
    return id === undefined ? undefined : setCookieLine(affinity, id, headers, encrypted);
  }
  if (affinity === undefined || !(balancer instanceof ConsistentHash)) return undefined;
  if (cookieValue(headers, affinity.name) !== undefined && !affinity.changeOnFailure) return undefined;
  const index = backend.endpoints.indexOf(served);
  if (index === -1) return undefined;
  const seed = cookieToken(client.requestId).slice(0, 56);
  const tries = Math.min(TOKENS_PER_ENDPOINT * backend.endpoints.length, MAX_TOKENS);
  for (let n = 0; n < tries; n++) {
    const token = `${seed}.${n}`;
    if (balancer.ownerOf(token) === index) return setCookieLine(affinity, token, headers, encrypted);
  }
  return undefined;
}
