// The authoritative budget of one replica, kept by the primary: every worker of the pod leases
// requests from it (dataplane/src/limits/client.ts), so the workers share one bucket per zone and
// client, as nginx's workers share a limit_req_zone in shared memory. Pure but for its clock.
import { type BucketSpec, type BucketState, fill, refund, room } from './bucket.ts';

/**
 * Keys kept per zone before the least recently used is forgotten (nginx evicts the oldest states
 * of a full zone too). ingress-nginx's zones are 5m; nginx stores ~16 000 states per megabyte.
 */
export const MAX_KEYS_PER_ZONE = 80_000;

/** A worker asks for `need` requests it has waiting and up to `want` in all (the rest is prefetch). */
export interface LeaseAsk {
  zone: string;
  key: string;
  need: number;
  want: number;
  buckets: readonly BucketSpec[];
}

export class LimitLedger {
  readonly #clock: () => number;
  readonly #maxKeys: number;
  /** zone → key → one state per bucket of the zone (limit-rps and limit-rpm may both apply). */
  readonly #zones = new Map<string, Map<string, BucketState[]>>();
  /** zone\0key → requests in progress, and per worker, so a dead worker's are released. */
  readonly #inProgress = new Map<string, number>();
  readonly #byWorker = new Map<number, Map<string, number>>();
  /** Keys forgotten because their zone was full. */
  evictions = 0;
  /** Requests leased to each worker slot (the per-worker split of one budget). */
  readonly granted = new Map<number, number>();

  constructor(clock: () => number, maxKeys = MAX_KEYS_PER_ZONE) {
    this.#clock = clock;
    this.#maxKeys = maxKeys;
  }

  /**
   * Requests granted: all of `need` when every bucket has room, else as many as they all admit;
   * prefetch beyond `need` only from the top quarter of the room, so the last requests of a budget
   * go one by one to whichever worker has a client waiting.
   */
  lease(worker: number, ask: LeaseAsk): number {
    const now = this.#clock();
    const states = this.#states(ask.zone, ask.key, ask.buckets.length);
    let available = Number.POSITIVE_INFINITY;
    for (let i = 0; i < ask.buckets.length; i++) {
      available = Math.min(available, room(states[i], ask.buckets[i], now));
    }
    const prefetch = Math.min(ask.want, Math.floor(available / 4));
    const granted = Math.max(0, Math.min(available, Math.max(ask.need, prefetch)));
    if (granted > 0) {
      for (let i = 0; i < ask.buckets.length; i++) fill(states[i], ask.buckets[i], now, granted);
      this.granted.set(worker, (this.granted.get(worker) ?? 0) + granted);
    }
    return granted;
  }

  /** Leased requests a worker did not use before its lease expired. */
  giveBack(zone: string, key: string, buckets: readonly BucketSpec[], n: number): void {
    const states = this.#zones.get(zone)?.get(key);
    if (states === undefined || states.length !== buckets.length) return;
    const now = this.#clock();
    for (let i = 0; i < buckets.length; i++) refund(states[i], buckets[i], now, n);
  }

  /** nginx's limit_conn: one more request in progress for the key, if fewer than `limit` are. */
  acquire(worker: number, zone: string, key: string, limit: number): boolean {
    const id = `${zone}\u0000${key}`;
    const count = this.#inProgress.get(id) ?? 0;
    if (count >= limit) return false;
    this.#inProgress.set(id, count + 1);
    let mine = this.#byWorker.get(worker);
    if (mine === undefined) {
      mine = new Map();
      this.#byWorker.set(worker, mine);
    }
    mine.set(id, (mine.get(id) ?? 0) + 1);
    return true;
  }

  release(worker: number, zone: string, key: string): void {
    const id = `${zone}\u0000${key}`;
    const mine = this.#byWorker.get(worker);
    const held = mine?.get(id) ?? 0;
    if (held === 0) return;
    if (held === 1) mine!.delete(id);
    else mine!.set(id, held - 1);
    this.#drop(id, 1);
  }

  /** A worker exited: its requests in progress ended with it; its unused leases are lost (conservative). */
  forgetWorker(worker: number): void {
    const mine = this.#byWorker.get(worker);
    if (mine === undefined) return;
    for (const [id, held] of mine) this.#drop(id, held);
    this.#byWorker.delete(worker);
  }

  /** Requests in progress for a key (tests, diagnostics). */
  inProgress(zone: string, key: string): number {
    return this.#inProgress.get(`${zone}\u0000${key}`) ?? 0;
  }

  keys(zone: string): number {
    return this.#zones.get(zone)?.size ?? 0;
  }

  #drop(id: string, n: number): void {
    const left = (this.#inProgress.get(id) ?? 0) - n;
    if (left > 0) this.#inProgress.set(id, left);
    else this.#inProgress.delete(id);
  }

  /** The key's states, most recently used last; a full zone forgets its oldest key. */
  #states(zone: string, key: string, buckets: number): BucketState[] {
    let keys = this.#zones.get(zone);
    if (keys === undefined) {
      keys = new Map();
      this.#zones.set(zone, keys);
    }
    let states = keys.get(key);
    if (states !== undefined && states.length === buckets) {
      keys.delete(key);
      keys.set(key, states);
      return states;
    }
    if (states === undefined && keys.size >= this.#maxKeys) {
      keys.delete(keys.keys().next().value as string);
      this.evictions++;
    }
    states = Array.from({ length: buckets }, () => ({ level: 0, at: 0 }));
    keys.delete(key);
    keys.set(key, states);
    return states;
  }
}
