// Table Backends → CompiledBackends, once per table: endpoints bound to their pools and health,
// and the balancer the backend's policy asks for. A route with its own connect timeout gets its
// own variant of the backend (same endpoints and health, pools keyed by that timeout).
import type { Pool } from 'undici';
import { Interner } from '../compact-routes.ts';
import type { Backend, BalancerPolicy, Certificate } from '../table/types.ts';
import type { CompiledBackend, UpstreamEndpoint } from './balancer.ts';
import { affinityOf, createBalancer } from './balancers.ts';
import type { EndpointHealth } from './health.ts';
import { originOf, PoolKeys, transportOf, type UpstreamPools, type UpstreamTransport } from './pools.ts';

/** Where the endpoints of one compiled backend get their pools: shared, so an endpoint holds one reference. */
interface PoolSource {
  pools: UpstreamPools;
  transport: UpstreamTransport;
}

/**
 * An endpoint whose pool is created on its first request, not when the table is compiled: an
 * undici Pool costs ~23 KiB, so 50 000 endpoints compiled eagerly cost over a gigabyte and most
 * of a large table's apply time, while most endpoints of a big table see no traffic in a worker.
 * Its health record is looked up on first use too (the same one for every table keeping it):
 * 50 000 eager records and their map entries cost ~5 MiB per worker.
 */
class LazyEndpoint implements UpstreamEndpoint {
  readonly origin: string;
  readonly terminating: boolean;
  readonly #source: PoolSource;
  #pool: Pool | undefined = undefined;
  #health: EndpointHealth | undefined = undefined;

  constructor(origin: string, terminating: boolean, source: PoolSource) {
    this.origin = origin;
    this.terminating = terminating;
    this.#source = source;
  }

  get pool(): Pool {
    this.#pool ??= this.#source.pools.get(this.origin, this.#source.transport);
    return this.#pool;
  }

  get health(): EndpointHealth {
    this.#health ??= this.#source.pools.health(this.origin);
    return this.#health;
  }
}

const PROTOCOLS: { readonly [P in Backend['protocol']]: P } = {
  HTTP: 'HTTP',
  HTTPS: 'HTTPS',
  H2C: 'H2C',
  H2: 'H2',
};

/** The policies without parameters, one object each for all backends. */
const SHARED_POLICIES: Partial<Record<BalancerPolicy['type'], BalancerPolicy>> = {
  RoundRobin: Object.freeze({ type: 'RoundRobin' }),
  LeastRequest: Object.freeze({ type: 'LeastRequest' }),
};

export class BackendCompiler {
  readonly #backends: Record<string, Backend>;
  readonly #certificates: Readonly<Record<string, Certificate>>;
  readonly #pools: UpstreamPools;
  readonly #compiled = new Map<string, CompiledBackend>();
  readonly #sources = new Map<string, PoolSource>();
  readonly #strings: Interner;
  /** Every pool the table uses: what the pools keep when the table is swapped in. */
  readonly poolKeys = new PoolKeys();

  /** `strings`: shared with the rest of the compile, so a service name and an Ingress's are one string. */
  /** `certificates`: the table's, where a backend's TLS client certificate is found by key. */
  constructor(
    backends: Record<string, Backend>,
    pools: UpstreamPools,
    strings = new Interner(),
    certificates: Readonly<Record<string, Certificate>> = {},
  ) {
    this.#backends = backends;
    this.#certificates = certificates;
    this.#pools = pools;
    this.#strings = strings;
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
    const source = this.#source(transportOf(backend, connectMs, this.#certificates));
    const endpoints = backend.endpoints.map(
      (ep) =>
        new LazyEndpoint(originOf(ep.address, ep.port, backend.protocol), ep.terminating === true, source),
    );
    this.poolKeys.add(source.transport, endpoints);
    // The backend without its raw endpoints (50 000 objects and address strings cost ~5 MiB), its
    // repeated values shared: a received table holds a copy of each string for every backend.
    const info: CompiledBackend['backend'] = {
      namespace: this.#strings.string(backend.namespace),
      service: this.#strings.string(backend.service),
      protocol: PROTOCOLS[backend.protocol],
      balancer: SHARED_POLICIES[backend.balancer.type] ?? backend.balancer,
      tls: backend.tls,
    };
    return {
      key,
      backend: info,
      endpoints,
      balancer: createBalancer(backend.balancer, endpoints, key),
      affinity: affinityOf(backend.balancer, key),
    };
  }

  /** One PoolSource per transport, shared by every backend reached over it. */
  #source(transport: UpstreamTransport): PoolSource {
    let source = this.#sources.get(transport.id);
    if (source === undefined) {
      source = { pools: this.#pools, transport };
      this.#sources.set(transport.id, source);
    }
    return source;
  }
}
