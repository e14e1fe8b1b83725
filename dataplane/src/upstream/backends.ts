// Table Backends → CompiledBackends, once per table: endpoints bound to their pools and health,
// and the balancer the backend's policy asks for. A route with its own connect timeout gets its
// own variant of the backend (same endpoints and health, pools keyed by that timeout).
import type { Pool } from 'undici';
import type { Backend } from '../table/types.ts';
import type { CompiledBackend, UpstreamEndpoint } from './balancer.ts';
import { affinityOf, createBalancer } from './balancers.ts';
import type { EndpointHealth } from './health.ts';
import { originOf, poolKey, transportOf, type UpstreamPools, type UpstreamTransport } from './pools.ts';

/**
 * An endpoint whose pool is created on its first request, not when the table is compiled: an
 * undici Pool costs ~23 KiB, so 50 000 endpoints compiled eagerly cost over a gigabyte and most
 * of a large table's apply time, while most endpoints of a big table see no traffic in a worker.
 */
class LazyEndpoint implements UpstreamEndpoint {
  readonly origin: string;
  readonly terminating: boolean;
  readonly health: EndpointHealth;
  readonly #pools: UpstreamPools;
  readonly #transport: UpstreamTransport;
  #pool: Pool | undefined = undefined;

  constructor(origin: string, terminating: boolean, pools: UpstreamPools, transport: UpstreamTransport) {
    this.origin = origin;
    this.terminating = terminating;
    this.health = pools.health(origin);
    this.#pools = pools;
    this.#transport = transport;
  }

  get pool(): Pool {
    this.#pool ??= this.#pools.get(this.origin, this.#transport);
    return this.#pool;
  }
}

export class BackendCompiler {
  readonly #backends: Record<string, Backend>;
  readonly #pools: UpstreamPools;
  readonly #compiled = new Map<string, CompiledBackend>();
  /** Keys of every pool the table uses: what the pools keep when the table is swapped in. */
  readonly poolKeys = new Set<string>();

  constructor(backends: Record<string, Backend>, pools: UpstreamPools) {
    this.#backends = backends;
    this.#pools = pools;
  }

  /** The backend `key` (for a route whose connect timeout is `connectMs`), or undefined if absent. */
  get(key: string, connectMs?: number): CompiledBackend | undefined {
    if (!Object.hasOwn(this.#backends, key)) return undefined;
    const variant = connectMs === undefined ? key : `${key} ct=${connectMs}`;
    let compiled = this.#compiled.get(variant);
    if (compiled === undefined) {
      compiled = this.#build(key, this.#backends[key], connectMs);
      this.#compiled.set(variant, compiled);
    }
    return compiled;
  }

  #build(key: string, backend: Backend, connectMs: number | undefined): CompiledBackend {
    const transport = transportOf(backend, connectMs);
    const endpoints = backend.endpoints.map((ep) => {
      const origin = originOf(ep.address, ep.port, backend.protocol);
      this.poolKeys.add(poolKey(origin, transport));
      return new LazyEndpoint(origin, ep.terminating === true, this.#pools, transport);
    });
    return {
      key,
      backend,
      endpoints,
      balancer: createBalancer(backend.balancer, endpoints),
      affinity: affinityOf(backend.balancer),
    };
  }
}
