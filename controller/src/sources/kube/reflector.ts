// One kind's LIST+WATCH loop and its cache. The loop never ends on an error: 410 Gone relists,
// a silent watch is restarted, anything else reconnects after a jittered, capped back-off
// (a restarted API server answers 403/5xx for a moment; that is weather, not a fatal error).
import type { AnyObject } from '../../snapshot.ts';
import { Backoff, type BackoffPolicy } from './backoff.ts';
import { type Clock, sleep, whenAborted } from './clock.ts';
import { type KindName, type KindSpec, objectKey, selectorQuery } from './kinds.ts';
import { stripMeta } from './strip.ts';
import {
  type Collection,
  describeError,
  isGone,
  isNotFound,
  type Query,
  statusToError,
  type WatchEvent,
  type WatchEventType,
  type WatchTransport,
} from './transport.ts';

export interface WatchTiming {
  /** LIST page size (`limit`). */
  pageSize: number;
  /** Base server-side watch timeout; each watch asks for a random value in [base, 2 × base). */
  watchTimeoutSeconds: number;
  /** A LIST page or a WATCH request not answered within this is aborted and retried. */
  requestTimeoutMs: number;
  /** A watch with no event nor bookmark for this long is restarted (≈ 2 × the ~60 s bookmark interval). */
  stallMs: number;
  /** A watch that ends cleanly before this, without any event, counts as a failure (back-off). */
  minHealthyWatchMs: number;
  /** `healthy()` turns false once a kind has failed to (re)establish its watch for this long. */
  unhealthyAfterMs: number;
  backoff: BackoffPolicy;
}

export const defaultTiming: WatchTiming = {
  pageSize: 500,
  watchTimeoutSeconds: 300,
  requestTimeoutMs: 60_000,
  stallMs: 120_000,
  minHealthyWatchMs: 5_000,
  unhealthyAfterMs: 60_000,
  // Capped at 8 s, not client-go's 30 s: after an API outage, changes converge within seconds of
  // its return; jitter still spreads the replicas' reconnects.
  backoff: { initialMs: 500, maxMs: 8_000, factor: 2, jitter: 0.2 },
};

/** Why a watch was restarted: the server ended it, 410 Gone (relist), silence, or a failure. */
export type RestartReason = 'closed' | 'gone' | 'stall' | 'error';

export interface KindStats {
  synced: boolean;
  objects: number;
  resourceVersion: string;
  /** Completed LISTs: the initial one plus every relist. */
  lists: number;
  events: Record<WatchEventType, number>;
  restarts: Record<RestartReason, number>;
  lastError?: string;
}

/** What happened, for logs: a finished LIST, or a restart with its cause and the wait before it. */
export interface WatchNotice {
  kind: KindName;
  /** `namespace/name` of the one object a per-name watch (a referenced Secret) is about. */
  object?: string;
  /** `absent`: an optional kind's resource is not served (its CRD is not installed). */
  what: 'listed' | RestartReason | 'listener-error' | 'absent';
  error?: string;
  delayMs?: number;
  objects?: number;
}

export interface ReflectorDeps {
  transport: WatchTransport;
  clock: Clock;
  random: () => number;
  timing: WatchTiming;
  watchNamespace?: string;
  onChange: (kind: KindName) => void;
  onNotice: (n: WatchNotice) => void;
}

type WatchEnd = { reason: 'closed'; healthy: boolean } | { reason: 'stall' } | { reason: 'stopped' };

const ABORTED = Symbol('aborted');
/** How often a kind whose CRD is not installed is listed again. */
const ABSENT_RETRY_MS = 30_000;
const ignore = () => {};

export class Reflector {
  readonly kind: KindSpec;
  readonly #deps: ReflectorDeps;
  readonly #collection: Collection;
  readonly #backoff: Backoff;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  #cache = new Map<string, AnyObject>();
  #sorted: readonly AnyObject[] | undefined;
  #resourceVersion = '';
  #synced = false;
  /** A 410 arrived and no watch has delivered an event since. */
  #goneAgain = false;
  /** Set at the first failure since a watch was last established; cleared when one is. */
  #failingSince: number | undefined;
  #stats: Omit<KindStats, 'synced' | 'objects' | 'resourceVersion'> = {
    lists: 0,
    events: { ADDED: 0, MODIFIED: 0, DELETED: 0, BOOKMARK: 0, ERROR: 0 },
    restarts: { closed: 0, gone: 0, stall: 0, error: 0 },
  };

  constructor(kind: KindSpec, deps: ReflectorDeps) {
    this.kind = kind;
    this.#deps = deps;
    // A cluster-scoped kind ignores the watch namespace.
    this.#collection = {
      resource: kind.resource,
      ...(kind.resource.namespaced && deps.watchNamespace ? { namespace: deps.watchNamespace } : {}),
    };
    this.#backoff = new Backoff(deps.timing.backoff, deps.random);
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** The first LIST has completed or failed: whatever it will say at first, it has said. */
  get attempted(): boolean {
    return this.#synced || this.#failingSince !== undefined;
  }

  /** The cached objects sorted by namespace/name; the same frozen array until the cache changes. */
  items(): readonly AnyObject[] {
    if (!this.#sorted) {
      const keys = [...this.#cache.keys()].sort();
      this.#sorted = Object.freeze(keys.map((k) => this.#cache.get(k)!));
    }
    return this.#sorted;
  }

  /** How long this kind has been unable to (re)establish its watch; 0 while one is open. */
  failingFor(now: number): number {
    return this.#failingSince === undefined ? 0 : now - this.#failingSince;
  }

  stats(): KindStats {
    const s = this.#stats;
    return {
      synced: this.#synced,
      objects: this.#cache.size,
      resourceVersion: this.#resourceVersion,
      lists: s.lists,
      events: { ...s.events },
      restarts: { ...s.restarts },
      ...(s.lastError === undefined ? {} : { lastError: s.lastError }),
    };
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let mustList = true;
    while (!signal.aborted) {
      let watching = false;
      try {
        if (mustList) {
          await this.#list(signal);
          mustList = false;
        }
        watching = true;
        const end = await this.#watch(signal);
        if (end.reason === 'stopped') return;
        if (end.reason === 'stall' || end.healthy) {
          this.#backoff.reset();
          this.#restart(end.reason);
          continue;
        }
        await this.#failed('closed', new Error('watch closed at once without any event'), signal);
      } catch (err) {
        if (signal.aborted) return;
        // Gone from a watch means our resourceVersion was compacted: relist now. Gone from a
        // paginated LIST (expired continue token) is retried from the first page after back-off.
        if (watching && isGone(err)) {
          mustList = true;
          // Gone again before any event since the last relist: back off rather than relist in a loop.
          if (this.#goneAgain) await this.#failed('gone', err, signal);
          else this.#restart('gone', describeError(err));
          this.#goneAgain = true;
          continue;
        }
        if (!watching && this.kind.optional === true && isNotFound(err)) {
          await this.#absent(err, signal);
          continue;
        }
        await this.#failed('error', err, signal);
      }
    }
  }

  /** An optional kind the apiserver does not serve: empty and synced, looked for again later. */
  async #absent(err: unknown, signal: AbortSignal): Promise<void> {
    const changed = !this.#synced || this.#cache.size > 0;
    this.#cache = new Map();
    this.#sorted = undefined;
    this.#synced = true;
    this.#failingSince = undefined;
    this.#deps.onNotice({
      kind: this.kind.name,
      what: 'absent',
      error: describeError(err),
      delayMs: ABSENT_RETRY_MS,
    });
    if (changed) this.#deps.onChange(this.kind.name);
    await sleep(this.#deps.clock, ABSENT_RETRY_MS, signal);
  }

  #restart(reason: RestartReason, error?: string): void {
    this.#stats.restarts[reason]++;
    this.#deps.onNotice({ kind: this.kind.name, what: reason, ...(error ? { error } : {}) });
  }

  async #failed(reason: RestartReason, err: unknown, signal: AbortSignal): Promise<void> {
    const error = describeError(err);
    this.#failingSince ??= this.#deps.clock.now();
    this.#stats.restarts[reason]++;
    this.#stats.lastError = error;
    const delayMs = this.#backoff.next();
    this.#deps.onNotice({ kind: this.kind.name, what: reason, error, delayMs });
    await sleep(this.#deps.clock, delayMs, signal);
  }

  async #list(signal: AbortSignal): Promise<void> {
    const { transport, timing } = this.#deps;
    const fresh = new Map<string, AnyObject>();
    let resourceVersion = '';
    let cont: string | undefined;
    do {
      const query: Query = { ...selectorQuery(this.kind), limit: String(timing.pageSize) };
      if (cont) query.continue = cont;
      const page = await this.#withDeadline(signal, (s) => transport.list(this.#collection, query, s));
      for (const raw of page.items) {
        const o = this.kind.strip(raw);
        if (o) fresh.set(objectKey(o), o);
      }
      resourceVersion = page.resourceVersion;
      cont = page.continue || undefined;
    } while (cont);
    // The whole kind is replaced at once: objects deleted while we were away disappear.
    // The first LIST always counts as a change, so listeners learn of the sync even when empty.
    const changed = !this.#synced || !sameVersions(this.#cache, fresh);
    this.#cache = fresh;
    this.#resourceVersion = resourceVersion;
    this.#synced = true;
    this.#stats.lists++;
    if (changed) this.#sorted = undefined;
    this.#deps.onNotice({ kind: this.kind.name, what: 'listed', objects: fresh.size });
    if (changed) this.#deps.onChange(this.kind.name);
  }

  async #watch(parent: AbortSignal): Promise<WatchEnd> {
    const { transport, clock, timing, random } = this.#deps;
    const ac = new AbortController();
    const unlink = link(parent, ac);
    let stalled = false;
    let cancelTimer = ignore;
    const arm = () => {
      cancelTimer();
      cancelTimer = clock.setTimer(timing.stallMs, () => {
        stalled = true;
        ac.abort(new Error('watch stalled'));
      });
    };
    const query: Query = {
      ...selectorQuery(this.kind),
      allowWatchBookmarks: 'true',
      resourceVersion: this.#resourceVersion,
      timeoutSeconds: String(Math.floor(timing.watchTimeoutSeconds * (1 + random()))),
    };
    const started = clock.now();
    let sawEvent = false;
    try {
      const stream = await this.#withDeadline(ac.signal, (s) => transport.watch(this.#collection, query, s));
      this.#failingSince = undefined;
      arm();
      const it = stream[Symbol.asyncIterator]();
      const aborted = whenAborted(ac.signal).then((): typeof ABORTED => ABORTED);
      for (;;) {
        const next = it.next();
        next.catch(ignore);
        const r = await Promise.race([next, aborted]);
        if (r === ABORTED) {
          it.return?.()?.catch(ignore);
          if (parent.aborted) return { reason: 'stopped' };
          return { reason: 'stall' };
        }
        if (r.done) {
          return { reason: 'closed', healthy: sawEvent || clock.now() - started >= timing.minHealthyWatchMs };
        }
        this.#apply(r.value);
        if (!sawEvent) {
          this.#backoff.reset();
          this.#goneAgain = false;
        }
        sawEvent = true;
        arm();
      }
    } catch (err) {
      if (parent.aborted) return { reason: 'stopped' };
      if (stalled) return { reason: 'stall' };
      throw err;
    } finally {
      cancelTimer();
      ac.abort();
      unlink();
    }
  }

  #apply(event: WatchEvent): void {
    const type = event.type;
    if (!(type in this.#stats.events)) return;
    this.#stats.events[type]++;
    if (type === 'ERROR') throw statusToError(event.object);
    const rawMeta = (event.object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
    // A bookmark carries only a resourceVersion (no name): it moves our resume point, nothing else.
    if (typeof rawMeta?.resourceVersion === 'string') this.#resourceVersion = rawMeta.resourceVersion;
    const meta = type === 'BOOKMARK' ? undefined : stripMeta(rawMeta);
    if (!meta) return;
    const key = objectKey({ metadata: meta });
    const o = type === 'DELETED' ? undefined : this.kind.strip(event.object);
    if (o) this.#cache.set(key, o);
    else if (!this.#cache.delete(key)) return;
    this.#sorted = undefined;
    this.#deps.onChange(this.kind.name);
  }

  /** Runs one request with its own deadline; rejects at the deadline even if the transport hangs. */
  async #withDeadline<T>(parent: AbortSignal, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    const unlink = link(parent, ac);
    let timedOut = false;
    const cancel = this.#deps.clock.setTimer(this.#deps.timing.requestTimeoutMs, () => {
      timedOut = true;
      ac.abort(new Error('request timed out'));
    });
    try {
      const pending = request(ac.signal);
      pending.catch(ignore);
      const r = await Promise.race([pending, whenAborted(ac.signal).then((): typeof ABORTED => ABORTED)]);
      if (r === ABORTED) {
        throw timedOut
          ? new Error(`no answer within ${this.#deps.timing.requestTimeoutMs} ms`)
          : new Error('request aborted');
      }
      return r as T;
    } finally {
      cancel();
      unlink();
    }
  }
}

/** Aborts `child` when `parent` aborts; returns the unlink function. */
function link(parent: AbortSignal, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort();
    return ignore;
  }
  const onAbort = () => child.abort();
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}

function sameVersions(a: Map<string, AnyObject>, b: Map<string, AnyObject>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, o] of b) {
    const old = a.get(k);
    if (!old || !o.metadata.resourceVersion || old.metadata.resourceVersion !== o.metadata.resourceVersion) {
      return false;
    }
  }
  return true;
}
