// After a table swap the previous runtime and the received message are garbage, but an idle
// worker allocates too little for V8 to collect them, and a regular GC leaves the heap fragmented
// with its freed pages pooled: a worker holding 10 000 routes stayed ~110 MiB above what it uses,
// for as long as it stayed idle (V8's own memory reducer never started). V8's memory-reducing
// ("last resort") GC compacts the heap, shrinks the young generation and returns the pages; a
// regular full GC settles 10 000 routes at ~250 MiB instead of ~125 MiB, so only the
// memory-reducing one meets the 150 MiB budget.
//
// That GC stops the worker (15–130 ms with 10 000 routes on a quiet machine, two of up to 435 ms
// on a loaded one), and gc({ execution: 'async' }) only defers the same atomic GC to a task. So it
// waits for an idle worker: no request arrived in the last window and the event loop was mostly
// idle (a long exchange may still stream). A worker under load pays no pause, and would get little
// from one anyway: its young generation grows right back (bench/gc-churn.ts: 176 MiB settled with
// the load on). Utilisation alone cannot tell: prom-client's 10 ms event-loop-lag timer keeps an
// idle worker ~0.25 % busy, as busy as a warm worker serving a few requests a second.
//
// That GC also drops the hidden classes (maps) of which no object is alive at that moment, and with
// them the optimised code built on them. For the object literal in process.nextTick (computed
// symbol keys) the code V8 rebuilds afterwards stays on a slow path for good: a tick cost ~400 ns
// instead of ~70 ns, ~3 µs more CPU per proxied request (measured with bench/run.ts --parts
// headline, CPU per request). A tick queued across the GC keeps that map alive; it runs right after.
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Tables arriving closer together than this share one settle: a burst of updates pays once. */
export const SETTLE_QUIET_MS = 500;
/** How often a worker that owes a settle looks again whether it has turned idle. */
export const IDLE_CHECK_MS = 1000;
/** Beyond requests: the loop may be busy for this share of a window that still counts as idle. */
export const IDLE_BUSY_SHARE = 0.1;

/** A window of the worker's life: requests that arrived in it and its event-loop utilisation. */
export interface LoopWindow {
  requests: number;
  /** Milliseconds the loop ran callbacks and waited for events (perf_hooks' utilisation delta). */
  active: number;
  idle: number;
}

/** Pure: whether the worker was idle in the window, so a pause of its loop would delay no one. */
export function isIdle(window: LoopWindow): boolean {
  const elapsed = window.active + window.idle;
  return window.requests === 0 && elapsed > 0 && window.active <= elapsed * IDLE_BUSY_SHARE;
}

let requestsSeen = 0;

/** Called for every request, HTTP/2 stream and upgrade a worker receives. */
export function noteRequest(): void {
  requestsSeen++;
}

export interface SettleDeps {
  /** Requests seen so far (a counter). */
  requests(): number;
  /** performance.eventLoopUtilization: since the loop started, or the delta since `since`. */
  utilization(since?: EventLoopUtilization): EventLoopUtilization;
  /** Runs `fn` after `ms`; returns what cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
  settle(): boolean;
}

/** Owes one settle after each burst of tables and pays it in the first window the loop was idle. */
export class HeapSettler {
  readonly #deps: SettleDeps;
  #cancel: (() => void) | undefined;
  /** Start of the window being watched; undefined when nothing is owed. */
  #since: { loop: EventLoopUtilization; requests: number } | undefined;

  constructor(deps: SettleDeps) {
    this.#deps = deps;
  }

  get owed(): boolean {
    return this.#since !== undefined;
  }

  /** A table was just applied: its garbage is owed a settle. The first window starts now, after it. */
  tableApplied(): void {
    this.#watch(SETTLE_QUIET_MS);
  }

  #watch(ms: number): void {
    this.#cancel?.();
    this.#since = { loop: this.#deps.utilization(), requests: this.#deps.requests() };
    this.#cancel = this.#deps.setTimer(ms, () => this.#look());
  }

  #look(): void {
    this.#cancel = undefined;
    const since = this.#since;
    if (since === undefined) return;
    const loop = this.#deps.utilization(since.loop);
    if (!isIdle({ requests: this.#deps.requests() - since.requests, active: loop.active, idle: loop.idle })) {
      this.#watch(IDLE_CHECK_MS);
      return;
    }
    this.#since = undefined;
    this.#deps.settle();
  }
}

type CollectGarbage = NonNullable<typeof globalThis.gc>;
let collect: CollectGarbage | undefined;

/**
 * V8's gc() without starting Node with --expose-gc: the flag exposes it to contexts created after
 * it is set (the pattern Node's own tests use), so it is taken from a fresh context and kept here,
 * never made global. Undefined if this V8 would not expose it.
 */
function collector(): CollectGarbage | undefined {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    setFlagsFromString('--no-expose-gc');
    if (typeof gc === 'function') collect = gc as CollectGarbage;
  }
  return collect;
}

function noop(): void {}

/**
 * One memory-reducing full GC, synchronous. False when gc() is out of reach: only memory is at
 * stake, so V8 is then left to its own schedule, and nothing here may take the worker down.
 */
export function settleHeap(): boolean {
  const gc = collector();
  if (gc === undefined) return false;
  process.nextTick(noop); // keeps the tick object's map alive through the GC (see above)
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return true;
}

const settler = new HeapSettler({
  requests: () => requestsSeen,
  utilization: (since) => performance.eventLoopUtilization(since),
  setTimer: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
  settle: settleHeap,
});

/** Settle the heap once no table has arrived for SETTLE_QUIET_MS and the worker is idle. */
export function settleHeapSoon(): void {
  settler.tableApplied();
}
