// Backend.balancer → the Balancer object compiled once per table, plus the affinity cookie a
// ConsistentHash-on-Cookie policy issues when the client has none yet.
import type { IncomingHttpHeaders } from 'node:http';
import type { BalancerPolicy } from '../table/types.ts';
import { cookieAttributes, cookieToken, cookieValue } from './affinity.ts';
import type { CompiledBackend, UpstreamEndpoint } from './balancer.ts';
import type { Balancer, PickClient } from './choice.ts';
import { ConsistentHash } from './consistent-hash.ts';
import { LeastRequest } from './least-request.ts';
import { RoundRobin } from './round-robin.ts';

export interface AffinityCookie {
  name: string;
  /** `; Path=/; HttpOnly; …`, built once. */
  attributes: string;
}

export function createBalancer(policy: BalancerPolicy, endpoints: readonly UpstreamEndpoint[]): Balancer {
  switch (policy.type) {
    case 'LeastRequest':
      return new LeastRequest();
    case 'ConsistentHash':
      return new ConsistentHash(policy, endpoints);
    default:
      return new RoundRobin();
  }
}

export function affinityOf(policy: BalancerPolicy): AffinityCookie | undefined {
  if (policy.type !== 'ConsistentHash' || policy.on !== 'Cookie' || policy.setCookie === undefined)
    return undefined;
  return { name: policy.name ?? policy.setCookie.name, attributes: cookieAttributes(policy.setCookie) };
}

/**
 * The Set-Cookie line to send with the response, when the backend issues affinity cookies and
 * this request carried none. Its value is the token the balancer hashed (ConsistentHash.keyOf),
 * so the client's next request lands on the endpoint this one went to.
 */
export function affinityCookie(
  backend: CompiledBackend,
  headers: IncomingHttpHeaders,
  client: PickClient,
): string | undefined {
  const affinity = backend.affinity;
  if (affinity === undefined || cookieValue(headers, affinity.name) !== undefined) return undefined;
  return `${affinity.name}=${cookieToken(client.requestId)}${affinity.attributes}`;
}
