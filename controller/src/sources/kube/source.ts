// Cluster mode's snapshot provider: one Reflector per kind, read together as a Snapshot.
import type {
  AnyObject,
  EndpointSlice,
  Ingress,
  IngressClass,
  Secret,
  Service,
  Snapshot,
} from '../../snapshot.ts';
import { type Clock, systemClock } from './clock.ts';
import { KINDS, type KindName } from './kinds.ts';
import { defaultTiming, type KindStats, Reflector, type WatchNotice, type WatchTiming } from './reflector.ts';
import type { WatchTransport } from './transport.ts';

export interface KubeSourceOptions {
  transport: WatchTransport;
  /** Limit namespaced kinds to one namespace; IngressClass is cluster-scoped and always watched whole. */
  watchNamespace?: string;
  clock?: Clock;
  /** [0, 1); injected so tests can pin jitter. */
  random?: () => number;
  timing?: Partial<WatchTiming>;
  /** Every LIST and restart, for logs and metrics. */
  onNotice?: (n: WatchNotice) => void;
}

export class KubeSource {
  readonly #reflectors: Map<KindName, Reflector>;
  readonly #clock: Clock;
  readonly #timing: WatchTiming;
  readonly #listeners = new Set<() => void>();
  readonly #onNotice: (n: WatchNotice) => void;

  constructor(options: KubeSourceOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#timing = { ...defaultTiming, ...options.timing };
    this.#onNotice = options.onNotice ?? (() => {});
    const deps = {
      transport: options.transport,
      clock: this.#clock,
      random: options.random ?? Math.random,
      timing: this.#timing,
      watchNamespace: options.watchNamespace,
      onChange: (kind: KindName) => this.#changed(kind),
      onNotice: (n: WatchNotice) => this.#notice(n),
    };
    this.#reflectors = new Map(KINDS.map((k) => [k.name, new Reflector(k, deps)]));
  }

  start(): void {
    for (const r of this.#reflectors.values()) r.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#reflectors.values()].map((r) => r.stop()));
  }

  /** True once every kind's initial LIST has completed. */
  hasSynced(): boolean {
    for (const r of this.#reflectors.values()) if (!r.synced) return false;
    return true;
  }

  /** Calls `listener` after every change to the cache (a relist, an applied event); returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The cached objects, sorted by namespace/name. Objects are shared with the cache: do not mutate them. */
  snapshot(): Snapshot {
    return {
      ingresses: this.#items<Ingress>('ingresses'),
      ingressClasses: this.#items<IngressClass>('ingressClasses'),
      services: this.#items<Service>('services'),
      endpointSlices: this.#items<EndpointSlice>('endpointSlices'),
      secrets: this.#items<Secret>('secrets'),
    };
  }

  /** False once some kind has been unable to (re)establish its watch for longer than `unhealthyAfterMs`. */
  healthy(): boolean {
    const now = this.#clock.now();
    for (const r of this.#reflectors.values()) {
      if (r.failingFor(now) > this.#timing.unhealthyAfterMs) return false;
    }
    return true;
  }

  stats(): Record<KindName, KindStats> {
    return Object.fromEntries([...this.#reflectors].map(([name, r]) => [name, r.stats()])) as Record<
      KindName,
      KindStats
    >;
  }

  // A fresh array per call (cheap: already sorted), so a consumer sorting it cannot disturb the cache.
  #items<T extends AnyObject>(name: KindName): T[] {
    return this.#reflectors.get(name)!.items().slice() as T[];
  }

  // A listener's bug must not be mistaken for a watch failure, nor stop the other listeners.
  #changed(kind: KindName): void {
    for (const l of this.#listeners) {
      try {
        l();
      } catch (err) {
        this.#notice({ kind, what: 'listener-error', error: String(err) });
      }
    }
  }

  #notice(n: WatchNotice): void {
    try {
      this.#onNotice(n);
    } catch {
      // A logging hook that throws is ignored: the watch must go on.
    }
  }
}
