// Leader election on a Lease, with client-go's semantics: a candidate takes the lease when it
// is free, or when it has not changed for a whole lease duration by our own clock (clocks of
// replicas are never compared); the leader renews every retry period and steps down at once
// when renewals keep failing past the renew deadline, before the lease can expire for others.
import { type Clock, sleep, systemClock, whenAborted } from '../sources/kube/clock.ts';
import { describeError } from '../sources/kube/transport.ts';
import { isConflict, type Lease, type LeaseSpec, type LeaseStore, microTime } from './lease-store.ts';

export interface LeaderElectionOptions {
  /** Unique per replica (pod name plus a random suffix). */
  identity: string;
  namespace: string;
  leaseName: string;
  store: LeaseStore;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Deadline of one get/create/replace. */
  requestTimeoutMs?: number;
  clock?: Clock;
  random?: () => number;
  onStartedLeading: () => void;
  /** Called synchronously the moment leadership is lost or given up: stop all leader-only work. */
  onStoppedLeading: () => void;
  onNotice?: (n: LeaderNotice) => void;
}

export interface LeaderNotice {
  what: 'acquired' | 'lost' | 'released' | 'conflict' | 'error';
  holder?: string;
  error?: string;
}

type Attempt = 'ok' | 'held' | 'failed';

const ABORTED = Symbol('aborted');
const ignore = () => {};

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectionOptions, 'onNotice'>> & Pick<LeaderElectionOptions, 'onNotice'>;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  #leading = false;
  /** Aborted when the current term ends: cancels an in-flight renewal. */
  #term = new AbortController();
  #cancelDeadline = ignore;
  #observed: { spec: string; at: number; holder?: string } | undefined;
  #lease: Lease | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      requestTimeoutMs: 5_000,
      clock: systemClock,
      random: Math.random,
      ...options,
    };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.#o;
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs)) {
      throw new Error('leader election needs leaseDuration > renewDeadline > retryPeriod');
    }
  }

  start(): void {
    this.#running ??= this.#run();
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder we last saw in the lease (ourselves included); undefined when free or unknown. */
  holder(): string | undefined {
    return this.#observed?.holder;
  }

  /** Stops campaigning; a leader steps down (onStoppedLeading) but leaves the lease to expire. */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#leading) this.#stepDown('stopped');
    await this.#running;
  }

  /**
   * Graceful shutdown: stops, and if we held the lease, clears holderIdentity so another replica
   * takes over at its next retry instead of waiting for the lease to expire.
   */
  async release(): Promise<void> {
    const wasLeading = this.#leading;
    await this.stop();
    if (!wasLeading || !this.#lease) return;
    const signal = new AbortController().signal;
    const { store, identity } = this.#o;
    try {
      try {
        await this.#request(signal, (s) => store.replace(this.#cleared(this.#lease!), s));
      } catch (err) {
        // A renewal that landed after we stopped listening moved the resourceVersion: reread once.
        if (!isConflict(err)) throw err;
        const lease = await this.#request(signal, (s) => store.get(s));
        if (lease?.spec?.holderIdentity !== identity) return;
        await this.#request(signal, (s) => store.replace(this.#cleared(lease), s));
      }
      this.#notice({ what: 'released' });
    } catch (err) {
      // The API is away or someone else wrote the lease: it simply expires.
      this.#notice({ what: 'error', error: `release: ${describeError(err)}` });
    }
  }

  /** What client-go writes on release: no holder, a one-second duration. */
  #cleared(lease: Lease): Lease {
    const now = microTime(this.#o.clock.now());
    return {
      ...lease,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
    };
  }

  async #run(): Promise<void> {
    const { clock, retryPeriodMs, random } = this.#o;
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      const started = clock.now();
      if ((await this.#attempt(stop)) === 'ok' && !stop.aborted) {
        this.#startTerm(started);
        await this.#lead();
      }
      // Jittered like client-go's JitterUntil; also a pause after losing, so leadership never flaps.
      await sleep(clock, retryPeriodMs * (1 + 1.2 * random()), stop);
    }
  }

  /** Renews every retry period until the term ends (deadline missed, lease taken, or stop). */
  async #lead(): Promise<void> {
    const { clock, retryPeriodMs } = this.#o;
    const term = this.#term.signal;
    while (!term.aborted) {
      await sleep(clock, retryPeriodMs, term);
      if (term.aborted) return;
      const started = clock.now();
      const result = await this.#attempt(term);
      if (term.aborted) return;
      if (result === 'ok') this.#armDeadline(started);
      else if (result === 'held') this.#stepDown('lost', this.#observed?.holder);
    }
  }

  #startTerm(renewedAt: number): void {
    this.#term = new AbortController();
    this.#leading = true;
    this.#armDeadline(renewedAt);
    this.#notice({ what: 'acquired', holder: this.#o.identity });
    this.#o.onStartedLeading();
  }

  // Counted from when the last successful renewal was sent: the server's renewTime is no earlier.
  #armDeadline(renewedAt: number): void {
    this.#cancelDeadline();
    const wait = renewedAt + this.#o.renewDeadlineMs - this.#o.clock.now();
    this.#cancelDeadline = this.#o.clock.setTimer(wait, () =>
      this.#stepDown('lost', undefined, 'renew deadline exceeded'),
    );
  }

  #stepDown(what: 'lost' | 'stopped', holder?: string, error?: string): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#cancelDeadline();
    this.#term.abort();
    if (what === 'lost') this.#notice({ what, ...(holder ? { holder } : {}), ...(error ? { error } : {}) });
    this.#o.onStoppedLeading();
  }

  /** One round of client-go's tryAcquireOrRenew. */
  async #attempt(signal: AbortSignal): Promise<Attempt> {
    const { store, identity, clock } = this.#o;
    try {
      const lease = await this.#request(signal, (s) => store.get(s));
      const now = clock.now();
      if (!lease) {
        this.#accept(await this.#request(signal, (s) => store.create(this.#fresh(now), s)));
        return 'ok';
      }
      this.#observe(lease, now);
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity;
      const durationMs = (spec.leaseDurationSeconds ?? this.#o.leaseDurationMs / 1000) * 1000;
      if (holder && holder !== identity && this.#observed!.at + durationMs > now) return 'held';
      const ours = holder === identity;
      const next: Lease = {
        ...lease,
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
          acquireTime: ours && spec.acquireTime ? spec.acquireTime : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
        },
      };
      this.#accept(await this.#request(signal, (s) => store.replace(next, s)));
      return 'ok';
    } catch (err) {
      if (!signal.aborted)
        this.#notice({ what: isConflict(err) ? 'conflict' : 'error', error: describeError(err) });
      return 'failed';
    }
  }

  #fresh(now: number): Lease {
    const { namespace, leaseName, identity, leaseDurationMs } = this.#o;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName, namespace },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      },
    };
  }

  /** Remembers when the lease record last changed, by our clock: expiry is judged from that. */
  #observe(lease: Lease, now: number): void {
    const spec = specKey(lease.spec);
    if (this.#observed?.spec !== spec) {
      this.#observed = { spec, at: now, holder: lease.spec?.holderIdentity || undefined };
    }
  }

  #accept(lease: Lease): void {
    this.#lease = lease;
    this.#observe(lease, this.#o.clock.now());
  }

  /** One store call with its own deadline, abandoned (not awaited) if the term or the deadline ends. */
  async #request<T>(parent: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    parent.addEventListener('abort', onAbort, { once: true });
    const cancel = this.#o.clock.setTimer(this.#o.requestTimeoutMs, () => ac.abort());
    try {
      if (parent.aborted) throw new Error('aborted');
      const pending = call(ac.signal);
      pending.catch(ignore);
      const r = await Promise.race([pending, whenAborted(ac.signal).then((): typeof ABORTED => ABORTED)]);
      if (r === ABORTED) throw new Error(parent.aborted ? 'aborted' : 'lease request timed out');
      return r as T;
    } finally {
      cancel();
      parent.removeEventListener('abort', onAbort);
      ac.abort();
    }
  }

  #notice(n: LeaderNotice): void {
    try {
      this.#o.onNotice?.(n);
    } catch {
      // A logging hook must not break the election.
    }
  }
}

function specKey(spec: LeaseSpec | undefined): string {
  const s = spec ?? {};
  return JSON.stringify([
    s.holderIdentity ?? '',
    s.leaseDurationSeconds,
    s.acquireTime,
    s.renewTime,
    s.leaseTransitions,
  ]);
}
