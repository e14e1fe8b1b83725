// The worker's side of the replica's shared budget (controller/src/limits/ledger.ts, in the
// primary): requests are leased in batches per zone and client, so most are admitted from a local
// count without IPC; a request finding none waits one round trip. Unused leases go back.
import type { BucketSpec, LimitMessage } from '../table/messages.ts';

/** How long leased requests stay usable; then unused ones are returned to the primary's bucket. */
export const LEASE_MS = 1_000;
/** Requests asked for beyond those waiting, at most (the primary grants them only from plenty). */
const MAX_PREFETCH = 64;
/** Leases kept before an early sweep (one entry per active client and zone). */
const MAX_LEASES = 100_000;

/** A question the primary has not answered in this long is taken as a refusal: limits fail closed. */
export const ASK_TIMEOUT_MS = 2_000;

/** Told whether a waiting request is admitted. */
export type Verdict = (admitted: boolean) => void;

/** A zone's request limits as the worker asks for them. */
export interface RequestBudget {
  readonly zone: string;
  readonly buckets: BucketSpec[];
  /** Requests asked for beyond those waiting: a sixteenth of the smallest bucket, at most 64. */
  readonly prefetch: number;
}

/** A question in flight: for a lease's waiters, or one limit_conn acquire. */
interface Ask {
  readonly lease: Lease | undefined;
  readonly verdict: Verdict | undefined;
  readonly zone: string;
  readonly key: string;
  readonly sentAt: number;
  /** Answered 0 after ASK_TIMEOUT_MS; a late grant of a connection is released. */
  timedOut: boolean;
  /** A global-rate-limit question: a late answer needs nothing undone. */
  readonly global?: boolean;
}

interface Lease {
  readonly zone: string;
  readonly key: string;
  readonly buckets: BucketSpec[];
  tokens: number;
  expiresAt: number;
  asked: number;
  waiters: Verdict[];
}

export class LimitClient {
  readonly #send: (message: LimitMessage) => void;
  readonly #clock: () => number;
  /** zone → client → lease: looked up without building a key string per request. */
  readonly #leases = new Map<string, Map<string, Lease>>();
  #leaseCount = 0;
  readonly #asks = new Map<number, Ask>();
  #nextId = 1;
  #sweeper: NodeJS.Timeout | undefined;
  /** Told of a request that failed as it resumed: it runs from an IPC message, where a throw would end the worker. */
  onError: (error: unknown) => void = () => {};

  constructor(
    send: (message: LimitMessage) => void,
    clock: () => number = performance.now.bind(performance),
  ) {
    this.#send = send;
    this.#clock = clock;
  }

  #tell(verdict: Verdict, admitted: boolean): void {
    try {
      verdict(admitted);
    } catch (error) {
      this.onError(error);
    }
  }

  /** Admits a request from the key's lease, without IPC; false: none left, `wait` for the primary. */
  tryTake(budget: RequestBudget, key: string): boolean {
    const lease = this.#leases.get(budget.zone)?.get(key);
    if (lease === undefined || lease.tokens === 0 || lease.expiresAt <= this.#clock()) return false;
    lease.tokens--;
    return true;
  }

  /** Asks the primary for the key's next requests; `verdict` says whether this one is admitted. */
  wait(budget: RequestBudget, key: string, verdict: Verdict): void {
    // Before the lookup: a sweep may drop the zone's map.
    if (this.#leaseCount >= MAX_LEASES) this.sweep();
    let zone = this.#leases.get(budget.zone);
    if (zone === undefined) {
      zone = new Map();
      this.#leases.set(budget.zone, zone);
    }
    let lease = zone.get(key);
    if (lease === undefined) {
      lease = {
        zone: budget.zone,
        key,
        buckets: budget.buckets,
        tokens: 0,
        expiresAt: 0,
        asked: 0,
        waiters: [],
      };
      zone.set(key, lease);
      this.#leaseCount++;
      this.#startSweeper();
    } else if (lease.tokens > 0 && lease.expiresAt <= this.#clock()) {
      // Expired: the primary gets them back, and the waiter asks afresh.
      this.#giveBack(lease);
    }
    lease.waiters.push(verdict);
    // One question in flight per key: the waiters that came meanwhile ride on the next one.
    if (lease.asked === 0) this.#ask(lease, budget.prefetch);
  }

  /** nginx's limit_conn through the primary: `verdict` tells whether the request may proceed. */
  acquire(zone: string, key: string, limit: number, verdict: Verdict): void {
    const id = this.#nextId++;
    this.#asks.set(id, { lease: undefined, verdict, zone, key, sentAt: this.#clock(), timedOut: false });
    this.#startSweeper();
    this.#send({ type: 'limit-acquire', id, zone, key, limit });
  }

  /** One request against a global-rate-limit window, counted by the primary (in the store). */
  global(zone: string, key: string, limit: number, windowSeconds: number, verdict: Verdict): void {
    const id = this.#nextId++;
    this.#asks.set(id, {
      lease: undefined,
      verdict,
      zone,
      key,
      sentAt: this.#clock(),
      timedOut: false,
      global: true,
    });
    this.#startSweeper();
    this.#send({ type: 'limit-global', id, zone, key, limit, windowSeconds });
  }

  release(zone: string, key: string): void {
    this.#send({ type: 'limit-release', zone, key });
  }

  /** The primary's answer to a lease or an acquire. */
  answer(id: number, granted: number): void {
    const ask = this.#asks.get(id);
    if (ask === undefined) return;
    this.#asks.delete(id);
    if (ask.timedOut) {
      // Its request was refused already: a slot granted since is not held by anyone.
      if (ask.lease === undefined && ask.global !== true && granted > 0) this.release(ask.zone, ask.key);
      return;
    }
    if (ask.lease === undefined) {
      this.#tell(ask.verdict!, granted > 0);
      return;
    }
    const lease = ask.lease;
    const need = lease.asked;
    lease.asked = 0;
    lease.tokens += granted;
    lease.expiresAt = this.#clock() + LEASE_MS;
    // The waiters the question was for are served first; short of them, the bucket ran dry.
    const served = lease.waiters.splice(0, need);
    for (const verdict of served) {
      const admitted = lease.tokens > 0;
      if (admitted) lease.tokens--;
      this.#tell(verdict, admitted);
    }
    // Waiters that came meanwhile take what is left of the lease, and ask for the rest.
    while (lease.waiters.length > 0 && lease.tokens > 0) {
      lease.tokens--;
      this.#tell(lease.waiters.shift()!, true);
    }
    if (lease.waiters.length > 0) this.#ask(lease, 0);
  }

  /** Refuses what the primary left unanswered, returns expired leases' unused requests, forgets idle keys. */
  sweep(): void {
    const now = this.#clock();
    for (const [id, ask] of this.#asks) {
      if (ask.timedOut) {
        if (now - ask.sentAt > 10 * ASK_TIMEOUT_MS) this.#asks.delete(id);
      } else if (now - ask.sentAt > ASK_TIMEOUT_MS) {
        this.answer(id, 0);
        ask.timedOut = true;
        this.#asks.set(id, ask);
      }
    }
    for (const [name, zone] of this.#leases) {
      for (const [key, lease] of zone) {
        if (lease.asked > 0 || lease.expiresAt > now) continue;
        if (lease.tokens > 0) this.#giveBack(lease);
        zone.delete(key);
        this.#leaseCount--;
      }
      if (zone.size === 0) this.#leases.delete(name);
    }
    if (this.#leaseCount === 0 && this.#asks.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** Every lease handed back (a draining worker). */
  close(): void {
    for (const zone of this.#leases.values()) {
      for (const lease of zone.values()) if (lease.tokens > 0) this.#giveBack(lease);
    }
    this.#leases.clear();
    this.#leaseCount = 0;
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #ask(lease: Lease, prefetch: number): void {
    const id = this.#nextId++;
    const need = lease.waiters.length;
    lease.asked = need;
    this.#asks.set(id, {
      lease,
      verdict: undefined,
      zone: lease.zone,
      key: lease.key,
      sentAt: this.#clock(),
      timedOut: false,
    });
    this.#startSweeper();
    this.#send({
      type: 'limit-lease',
      id,
      zone: lease.zone,
      key: lease.key,
      need,
      want: need + prefetch,
      buckets: lease.buckets,
    });
  }

  #giveBack(lease: Lease): void {
    this.#send({
      type: 'limit-return',
      zone: lease.zone,
      key: lease.key,
      buckets: lease.buckets,
      count: lease.tokens,
    });
    lease.tokens = 0;
  }

  #startSweeper(): void {
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => this.sweep(), LEASE_MS);
    this.#sweeper.unref();
  }
}

/** The prefetch for a zone's buckets (see RequestBudget). */
export function prefetchFor(buckets: readonly BucketSpec[]): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (const b of buckets) smallest = Math.min(smallest, b.burst + 1);
  return Math.min(MAX_PREFETCH, Math.floor(smallest / 16));
}
