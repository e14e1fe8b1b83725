// Fixtures for balancer tests: endpoints and backends without real pools.
import type { BalancerPolicy } from '../table/types.ts';
import type { CompiledBackend, UpstreamEndpoint } from './balancer.ts';
import { affinityOf, createBalancer } from './balancers.ts';
import { newHealth } from './health.ts';

export function endpoint(i: number): UpstreamEndpoint {
  return { origin: `http://10.0.0.${i}:80`, pool: {} as never, terminating: false, health: newHealth() };
}

export function endpoints(n: number, from = 0): UpstreamEndpoint[] {
  return Array.from({ length: n }, (_, i) => endpoint(from + i));
}

export function backendOf(
  key: string,
  eps: UpstreamEndpoint[],
  balancer: BalancerPolicy = { type: 'RoundRobin' },
): CompiledBackend {
  return {
    key,
    backend: { namespace: 'ns', service: key, protocol: 'HTTP', balancer },
    endpoints: eps,
    balancer: createBalancer(balancer, eps, key),
    affinity: affinityOf(balancer, key),
  };
}
