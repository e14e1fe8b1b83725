// The referenced objects of cluster mode (Secrets, and the ConfigMaps of custom-headers), each read
// by its own Reflector (LIST+WATCH with `fieldSelector=metadata.name=NAME` in its namespace), shared
// by every reference to it, started with the first reference and stopped after the last: the
// kubelet's watch-based secret manager, for Ingresses. An object nothing references is never requested.
import type { AnyObject, Diagnostic, Snapshot } from '../../snapshot.ts';
import { OPAQUE_REFERENCE } from '../../translate/secret-references.ts';
import { type KindSpec, secretKind } from './kinds.ts';
import { type KindStats, Reflector, type ReflectorDeps, type WatchNotice } from './reflector.ts';

/**
 * `namespace/name` of each object the objects reference, most important first (a cap keeps those);
 * for Secrets, `opaque:namespace/name` for a reference that takes an Opaque Secret too (OPAQUE_REFERENCE).
 */
export type SecretReferences = (objects: Pick<Snapshot, 'ingresses' | 'ingressClasses'>) => Iterable<string>;
export type NamedReferences = SecretReferences;

type Referencing = Pick<Snapshot, 'ingresses' | 'ingressClasses' | 'routePolicies'>;
type Counters = Pick<KindStats, 'lists' | 'events' | 'restarts'>;

export interface SecretWatchesOptions {
  /** What every Reflector shares; `watchNamespace` also bounds which references are read. */
  deps: ReflectorDeps;
  references: NamedReferences;
  /** The kind watched, one object each (default: TLS Secrets). */
  kind?: (namespace: string, name: string, opaque: boolean) => KindSpec;
  /** Named in the cap's diagnostic (default: Secrets, --max-secret-watches). */
  noun?: string;
  flag?: string;
  /** The cap diagnostic's reason (default SecretWatchLimit). */
  reason?: string;
  /** At most this many watches; references past it are left unread and reported. */
  max: number;
  /** A watched Secret changed, or its first LIST failed (a view waiting for it can move on). */
  onChange(): void;
}

function withoutMarker(key: string): string {
  return key.startsWith(OPAQUE_REFERENCE) ? key.slice(OPAQUE_REFERENCE.length) : key;
}

/** How many unread names a diagnostic spells out; the rest are counted. */
const NAMED = 5;

export class NamedWatches {
  readonly #o: SecretWatchesOptions;
  readonly #running = new Map<string, Reflector>();
  /** Stopping, not yet stopped: still counted in stats, so counters never go back. */
  readonly #stopping = new Map<Reflector, Promise<void>>();
  /** The counters of stopped watches. */
  readonly #retired: Counters = {
    lists: 0,
    events: { ADDED: 0, MODIFIED: 0, DELETED: 0, BOOKMARK: 0, ERROR: 0 },
    restarts: { closed: 0, gone: 0, stall: 0, error: 0 },
  };
  #input: Referencing | undefined;
  #wanted: ReadonlySet<string> = new Set();
  #unread: string[] = [];
  #items: readonly AnyObject[] | undefined;
  #stopped = false;

  constructor(options: SecretWatchesOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Starts a watch for each Secret these objects reference that has none yet (nothing stops here). */
  want(objects: Referencing): void {
    if (this.#stopped) return;
    const last = this.#input;
    if (
      last?.ingresses === objects.ingresses &&
      last.ingressClasses === objects.ingressClasses &&
      last.routePolicies === objects.routePolicies
    )
      return;
    this.#input = objects;
    const scope = this.#o.deps.watchNamespace;
    const wanted = new Set<string>();
    const unread: string[] = [];
    for (const key of this.#o.references(objects)) {
      // Under --watch-namespace the RBAC reaches no further: a Secret elsewhere stays unread (not found).
      if (scope !== undefined && !withoutMarker(key).startsWith(`${scope}/`)) continue;
      if (wanted.has(key)) continue;
      if (wanted.size < this.#o.max) wanted.add(key);
      else unread.push(key);
    }
    this.#wanted = wanted;
    this.#unread = unread;
    for (const key of wanted) if (!this.#running.has(key)) this.#start(key);
  }

  /** Every wanted Secret has been listed, or its first LIST failed. */
  settled(): boolean {
    for (const key of this.#wanted) if (!this.#running.get(key)?.attempted) return false;
    return true;
  }

  /** Every wanted Secret has been listed. */
  synced(): boolean {
    for (const key of this.#wanted) if (!this.#running.get(key)?.synced) return false;
    return true;
  }

  /** Stops the watches of Secrets no longer referenced. */
  retireUnwanted(): void {
    for (const [key, r] of this.#running) {
      if (this.#wanted.has(key)) continue;
      this.#running.delete(key);
      this.#items = undefined;
      this.#retire(r);
    }
  }

  /** The watched Secrets (each watch holds at most one), sorted by namespace/name; the same array until one changes. */
  items(): readonly AnyObject[] {
    if (!this.#items) {
      const keys = [...this.#running.keys()].sort();
      this.#items = Object.freeze(keys.flatMap((k) => this.#running.get(k)!.items()));
    }
    return this.#items;
  }

  diagnostics(): Diagnostic[] {
    const unread = this.#unread;
    if (unread.length === 0) return [];
    const named = unread.slice(0, NAMED).map(withoutMarker).join(', ');
    const more = unread.length > NAMED ? ` and ${unread.length - NAMED} more` : '';
    return [
      {
        object: { kind: 'Flag', name: this.#o.flag ?? '--max-secret-watches' },
        reason: this.#o.reason ?? 'SecretWatchLimit',
        message:
          `${this.#wanted.size + unread.length} ${this.#o.noun ?? 'Secrets'} are referenced but at most ${this.#o.max} are ` +
          `watched (the default certificate's and the oldest Ingresses' first); not read: ${named}${more}`,
      },
    ];
  }

  /** The longest time any running watch has failed to (re)establish itself. */
  failingFor(now: number): number {
    let longest = 0;
    for (const r of this.#running.values()) longest = Math.max(longest, r.failingFor(now));
    return longest;
  }

  /** All these watches as one kind: counters include stopped watches, so they never go back. */
  stats(): KindStats {
    const total: KindStats = {
      synced: this.synced(),
      objects: 0,
      resourceVersion: '',
      ...copy(this.#retired),
    };
    for (const r of this.#running.values()) {
      const s = r.stats();
      total.objects += s.objects;
      addCounters(total, s);
      if (s.lastError !== undefined) total.lastError = s.lastError;
    }
    for (const r of this.#stopping.keys()) addCounters(total, r.stats());
    return total;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const r of this.#running.values()) this.#retire(r);
    this.#running.clear();
    this.#items = undefined;
    await Promise.all([...this.#stopping.values()]);
  }

  #start(key: string): void {
    const ref = withoutMarker(key);
    const slash = ref.indexOf('/');
    const namespace = ref.slice(0, slash);
    const name = ref.slice(slash + 1);
    const deps = this.#o.deps;
    let toldFailure = false;
    const reflector: Reflector = new Reflector((this.#o.kind ?? secretKind)(namespace, name, ref !== key), {
      ...deps,
      watchNamespace: namespace,
      onChange: () => {
        if (this.#running.get(key) !== reflector) return;
        this.#items = undefined;
        this.#o.onChange();
      },
      onNotice: (n: WatchNotice) => {
        deps.onNotice({ ...n, object: key });
        // A first LIST that failed settles the wait for this Secret: it reads as missing for now.
        if (toldFailure || reflector.synced || n.delayMs === undefined) return;
        toldFailure = true;
        if (this.#running.get(key) === reflector) this.#o.onChange();
      },
    });
    this.#running.set(key, reflector);
    this.#items = undefined;
    reflector.start();
  }

  #retire(r: Reflector): void {
    const done = r.stop().then(() => {
      addCounters(this.#retired, r.stats());
      this.#stopping.delete(r);
    });
    this.#stopping.set(r, done);
  }
}

function copy(c: Counters): Counters {
  return { lists: c.lists, events: { ...c.events }, restarts: { ...c.restarts } };
}

function addCounters(into: Counters, s: Counters): void {
  into.lists += s.lists;
  for (const k of Object.keys(s.events) as Array<keyof Counters['events']>) into.events[k] += s.events[k];
  for (const k of Object.keys(s.restarts) as Array<keyof Counters['restarts']>)
    into.restarts[k] += s.restarts[k];
}

/** The per-name watches of referenced Secrets (the name the source and its tests use). */
export const SecretWatches = NamedWatches;
