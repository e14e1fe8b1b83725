// After a table swap the previous runtime and the received message are garbage, but an idle
// worker allocates too little for V8 to collect them, and a regular GC leaves the heap fragmented
// with its freed pages pooled: a worker holding 10 000 routes stayed ~110 MiB above what it uses,
// for as long as it stayed idle. V8's memory-reducing ("last resort") GC compacts the heap, shrinks
// the young generation and returns the pages; a regular full GC settles 10 000 routes at ~250 MiB
// instead of ~125 MiB, so only the memory-reducing one meets the 150 MiB budget.
//
// That GC also drops the hidden classes (maps) of which no object is alive at that moment, and with
// them the optimised code built on them. For the object literal in process.nextTick (computed
// symbol keys) the code V8 rebuilds afterwards stays on a slow path for good: a tick cost ~400 ns
// instead of ~70 ns, ~3 µs more CPU per proxied request (measured with bench/run.ts --parts
// headline, CPU per request). A tick queued across the GC keeps that map alive; it runs right after.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Tables arriving closer together than this share one settle: a burst of updates pays once. */
export const SETTLE_QUIET_MS = 500;

let timer: NodeJS.Timeout | undefined;

/** Settle the heap once no table has arrived for SETTLE_QUIET_MS. */
export function settleHeapSoon(): void {
  clearTimeout(timer);
  timer = setTimeout(settleHeap, SETTLE_QUIET_MS);
  timer.unref();
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
 * One memory-reducing full GC, synchronous (15–130 ms measured with 10 000 routes, on a worker no
 * table has reached for SETTLE_QUIET_MS). False when gc() is out of reach: only memory is at
 * stake, so V8 is then left to its own schedule, and nothing here may take the worker down.
 */
export function settleHeap(): boolean {
  const gc = collector();
  if (gc === undefined) return false;
  process.nextTick(noop); // keeps the tick object's map alive through the GC (see above)
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return true;
}
