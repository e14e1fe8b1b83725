// Cluster mode's snapshot provider: one Reflector per kind, read together as a Snapshot. Secrets
// and ConfigMaps are the exception: only those the Ingresses reference are read, each by its own
// per-name Reflector (secret-watches.ts), as the kubelet reads a Pod's Secrets.
import type {
  AnyObject,
  ConfigMap,
  Diagnostic,
  EndpointSlice,
  Ingress,
  IngressClass,
  RoutePolicy,
  Secret,
  Service,
  Snapshot,
} from '../../snapshot.ts';
import { type Clock, systemClock } from './clock.ts';
import { configMapKind, KINDS, type KindName } from './kinds.ts';
import {
  defaultTiming,
  type KindStats,
  Reflector,
  type ReflectorDeps,
  type WatchNotice,
  type WatchTiming,
} from './reflector.ts';
import { NamedWatches, type SecretReferences } from './secret-watches.ts';
import type { WatchTransport } from './transport.ts';

export type { SecretReferences } from './secret-watches.ts';

export interface KubeSourceOptions {
  transport: WatchTransport;
  /** Which Secrets the Ingresses (and flags) reference: `namespace/name`, most important first. */
  secretReferences: SecretReferences;
  /** At most this many Secrets are watched (the first references win); the others are reported. */
  maxSecretWatches?: number;
  /** Which ConfigMaps the Ingresses reference (custom-headers): `namespace/name`; none when absent. */
  configMapReferences?: SecretReferences;
  /** At most this many ConfigMaps are watched, as maxSecretWatches (default: the same number). */
  maxConfigMapWatches?: number;
  /** Limit namespaced kinds to one namespace; IngressClass is cluster-scoped and always watched whole. */
  watchNamespace?: string;
  clock?: Clock;
  /** [0, 1); injected so tests can pin jitter. */
  random?: () => number;
  timing?: Partial<WatchTiming>;
  /** Every LIST and restart, for logs and metrics. */
  onNotice?: (n: WatchNotice) => void;
}

type Referencing = Pick<Snapshot, 'ingresses' | 'ingressClasses' | 'routePolicies'>;

export class KubeSource {
  readonly #reflectors: Map<KindName, Reflector>;
  readonly #secrets: NamedWatches;
  readonly #configMaps: NamedWatches;
  readonly #clock: Clock;
  readonly #timing: WatchTiming;
  readonly #listeners = new Set<() => void>();
  readonly #onNotice: (n: WatchNotice) => void;
  /**
   * The Ingresses and classes whose referenced Secrets have all been listed (or tried): what
   * snapshot() shows, so a new reference is never seen before its Secret — no false
   * SecretNotFound, no host falling back to the default certificate while its Secret is read.
   */
  #view: Referencing | undefined;
  #synced = false;
  /** A refresh after Ingress or IngressClass events, once per burst (one chunk of a watch stream). */
  #pendingRefresh: NodeJS.Immediate | undefined;
  #stopped = false;

  constructor(options: KubeSourceOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#timing = { ...defaultTiming, ...options.timing };
    this.#onNotice = options.onNotice ?? (() => {});
    const deps: ReflectorDeps = {
      transport: options.transport,
      clock: this.#clock,
      random: options.random ?? Math.random,
      timing: this.#timing,
      watchNamespace: options.watchNamespace,
      onChange: (kind: KindName) => this.#changed(kind),
      onNotice: (n: WatchNotice) => this.#notice(n),
    };
    this.#reflectors = new Map(KINDS.map((k) => [k.name, new Reflector(k, deps)]));
    this.#secrets = new NamedWatches({
      deps,
      references: options.secretReferences,
      max: options.maxSecretWatches ?? Number.POSITIVE_INFINITY,
      onChange: () => {
        // A Secret waited for may settle the view (and stop the watches it no longer needs).
        this.#refresh();
        this.#changed('secrets');
      },
    });
    this.#configMaps = new NamedWatches({
      deps,
      references: options.configMapReferences ?? (() => []),
      kind: configMapKind,
      noun: 'ConfigMaps',
      reason: 'ConfigMapWatchLimit',
      max: options.maxConfigMapWatches ?? options.maxSecretWatches ?? Number.POSITIVE_INFINITY,
      onChange: () => {
        this.#refresh();
        this.#changed('configMaps');
      },
    });
  }

  start(): void {
    for (const r of this.#reflectors.values()) r.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearImmediate(this.#pendingRefresh);
    await Promise.all([
      ...[...this.#reflectors.values()].map((r) => r.stop()),
      this.#secrets.stop(),
      this.#configMaps.stop(),
    ]);
  }

  /**
   * True once every kind's initial LIST has completed, and the Secrets the listed Ingresses
   * reference have been listed too; it stays true (a later Ingress's new Secret does not unready).
   */
  hasSynced(): boolean {
    this.#refresh();
    return this.#synced;
  }

  /** Calls `listener` after every change to the cache (a relist, an applied event); returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The cached objects, sorted by namespace/name. Objects are shared with the cache: do not mutate them. */
  snapshot(): Snapshot {
    this.#refresh();
    const view = this.#view ?? this.#referencing();
    const snapshot: Snapshot = {
      ingresses: view.ingresses.slice(),
      ingressClasses: view.ingressClasses.slice(),
      services: this.#items<Service>('services'),
      endpointSlices: this.#items<EndpointSlice>('endpointSlices'),
      secrets: this.#secrets.items().slice() as Secret[],
      configMaps: this.#configMaps.items().slice() as ConfigMap[],
    };
    // The policies of the view: a new basicAuth reference is never seen before its Secret is read.
    const policies = view.routePolicies?.slice() ?? [];
    if (policies.length > 0) snapshot.routePolicies = policies;
    return snapshot;
  }

  /** Problems of the source itself: references left unread by the cap on Secret watches. */
  diagnostics(): Diagnostic[] {
    return [...this.#secrets.diagnostics(), ...this.#configMaps.diagnostics()];
  }

  /** Per-name Secret watches running now. */
  secretWatches(): number {
    return this.#secrets.size;
  }

  /** False once some kind has been unable to (re)establish its watch for longer than `unhealthyAfterMs`. */
  healthy(): boolean {
    const now = this.#clock.now();
    const limit = this.#timing.unhealthyAfterMs;
    for (const r of this.#reflectors.values()) if (r.failingFor(now) > limit) return false;
    return this.#secrets.failingFor(now) <= limit && this.#configMaps.failingFor(now) <= limit;
  }

  stats(): Record<KindName, KindStats> {
    const out = Object.fromEntries([...this.#reflectors].map(([name, r]) => [name, r.stats()]));
    return { ...out, secrets: this.#secrets.stats(), configMaps: this.#configMaps.stats() } as Record<
      KindName,
      KindStats
    >;
  }

  #referencing(): Referencing {
    return {
      ingresses: this.#reflectors.get('ingresses')!.items() as Ingress[],
      ingressClasses: this.#reflectors.get('ingressClasses')!.items() as IngressClass[],
      // A policy's basicAuth names a Secret too (translate/secret-references.ts).
      routePolicies: this.#reflectors.get('routePolicies')!.items() as RoutePolicy[],
    };
  }

  /**
   * Brings the Secret watches in line with the current Ingresses; once every wanted Secret has been
   * listed (or tried), those Ingresses become the view and watches no longer referenced stop.
   */
  #refresh(): void {
    if (this.#stopped) return;
    const ingresses = this.#reflectors.get('ingresses')!;
    const classes = this.#reflectors.get('ingressClasses')!;
    if (!ingresses.synced || !classes.synced) return;
    const current = this.#referencing();
    this.#secrets.want(current);
    this.#configMaps.want(current);
    if (!this.#secrets.settled() || !this.#configMaps.settled()) return;
    this.#view = current;
    this.#secrets.retireUnwanted();
    this.#configMaps.retireUnwanted();
    if (!this.#synced) {
      this.#synced =
        [...this.#reflectors.values()].every((r) => r.synced) &&
        this.#secrets.synced() &&
        this.#configMaps.synced();
    }
  }

  // A fresh array per call (cheap: already sorted), so a consumer sorting it cannot disturb the cache.
  #items<T extends AnyObject>(name: KindName): T[] {
    return this.#reflectors.get(name)!.items().slice() as T[];
  }

  // A listener's bug must not be mistaken for a watch failure, nor stop the other listeners.
  #changed(kind: KindName): void {
    // Secret watches follow the Ingresses even when nobody asks for a snapshot meanwhile.
    const referencing = kind === 'ingresses' || kind === 'ingressClasses' || kind === 'routePolicies';
    if (referencing && !this.#pendingRefresh && !this.#stopped) {
      this.#pendingRefresh = setImmediate(() => {
        this.#pendingRefresh = undefined;
        if (!this.#stopped) this.#refresh();
      });
    }
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
