// After a table swap the previous runtime and the received message are garbage, but an idle
// worker allocates too little for V8 to collect them, and a regular GC leaves the heap fragmented
// with its freed pages pooled: a worker holding 10 000 routes stayed ~110 MiB above what it uses,
// for as long as it stayed idle. V8's low-memory GC compacts the heap and returns the pages; it is
// reached through the in-process inspector protocol (no port is opened, no flag is needed).

/** Tables arriving closer together than this share one settle: a burst of updates pays once. */
export const SETTLE_QUIET_MS = 500;

let timer: NodeJS.Timeout | undefined;

/** Settle the heap once no table has arrived for SETTLE_QUIET_MS. */
export function settleHeapSoon(): void {
  clearTimeout(timer);
  // Only memory is at stake: a failed settle is left to V8's own schedule, never to the worker.
  timer = setTimeout(() => settleHeap().catch(() => {}), SETTLE_QUIET_MS);
  timer.unref();
}

/** One memory-reducing GC; false where Node was built without the inspector (V8 then GCs on its own). */
export async function settleHeap(): Promise<boolean> {
  if (!process.features.inspector) return false;
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  try {
    await new Promise<void>((resolve, reject) =>
      session.post('HeapProfiler.collectGarbage', (error) => (error ? reject(error) : resolve())),
    );
    return true;
  } finally {
    session.disconnect();
  }
}
