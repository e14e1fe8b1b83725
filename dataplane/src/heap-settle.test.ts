import assert from 'node:assert/strict';
import { constants, type EventLoopUtilization, PerformanceObserver } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { waitFor } from '../../test/lib/processes.ts';
import {
  HeapSettler,
  IDLE_BUSY_SHARE,
  IDLE_CHECK_MS,
  isIdle,
  type LoopWindow,
  noteRequest,
  SETTLE_QUIET_MS,
  settleHeap,
  settleHeapSoon,
} from './heap-settle.ts';

it('settling returns the pages of freed objects to the system: the committed heap shrinks', async () => {
  // 40 MiB of objects that live long enough to reach the old generation, then become garbage.
  let garbage: Array<{ n: number; s: string }[]> | undefined = Array.from({ length: 40 }, (_, i) =>
    Array.from({ length: 20_000 }, (_, k) => ({ n: k, s: `entry ${i}/${k}` })),
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  const grown = process.memoryUsage().heapTotal;
  assert.ok(garbage.length > 0);
  garbage = undefined;
  assert.equal(settleHeap(), true);
  const settled = process.memoryUsage().heapTotal;
  assert.ok(settled < grown - 20 * 1024 * 1024, `heap total ${grown} → ${settled} bytes`);
});

describe('isIdle', () => {
  const window = (requests: number, active: number, total = 1000): LoopWindow => ({
    requests,
    active,
    idle: total - active,
  });
  const cases: Array<[string, LoopWindow, boolean]> = [
    ['no request, a loop that ran nothing', window(0, 0), true],
    ["no request, the metrics' 10 ms event-loop-lag timer (0.25 % busy)", window(0, 2.5), true],
    [
      `no request, the loop busy for ${IDLE_BUSY_SHARE * 100} % (a lone exchange streaming)`,
      window(0, 1000 * IDLE_BUSY_SHARE),
      true,
    ],
    ['one request, however cheap', window(1, 0.05), false],
    ['no new request, but the loop busy with what is in flight', window(0, 500), false],
    ['an empty window (no time passed) says nothing', window(0, 0, 0), false],
  ];
  for (const [what, loop, idle] of cases) {
    it(`${what}: ${idle ? 'idle' : 'not idle'}`, () => assert.equal(isIdle(loop), idle));
  }
});

/** A clock, event loop and request counter under the test's control. */
function fakeLoop() {
  let now = 0;
  let busy = 0;
  let requests = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const settled: number[] = [];
  const elu = (): EventLoopUtilization => ({ active: busy, idle: now - busy, utilization: 0 });
  const settler = new HeapSettler({
    requests: () => requests,
    utilization: (since) => {
      const e = elu();
      return since ? { active: e.active - since.active, idle: e.idle - since.idle, utilization: 0 } : e;
    },
    setTimer: (ms, fn) => {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => {
        timers.splice(timers.indexOf(timer), 1);
      };
    },
    settle: () => {
      settled.push(now);
      return true;
    },
  });
  /**
   * Advances time by `ms` with `perSecond` requests arriving, each keeping the loop busy for
   * 0.1 ms, and `busyShare` of the time busy besides; timers run as they fall due.
   */
  const advance = (ms: number, perSecond = 0, busyShare = 0) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      const until = next && next.at <= end ? next.at : end;
      const arrived = Math.floor((until * perSecond) / 1000) - Math.floor((now * perSecond) / 1000);
      requests += arrived;
      busy += arrived * 0.1 + (until - now) * busyShare;
      now = until;
      if (next === undefined || next.at > end) break;
      timers.shift();
      next.fn();
    }
  };
  return { settler, advance, settled };
}

describe('HeapSettler', () => {
  it('an idle worker settles once, SETTLE_QUIET_MS after the last table of a burst', () => {
    const { settler, advance, settled } = fakeLoop();
    for (let i = 0; i < 5; i++) {
      settler.tableApplied();
      advance(SETTLE_QUIET_MS / 2);
    }
    assert.deepEqual(settled, []);
    advance(SETTLE_QUIET_MS);
    assert.deepEqual(settled, [4 * (SETTLE_QUIET_MS / 2) + SETTLE_QUIET_MS]);
    advance(60_000);
    assert.equal(settled.length, 1, 'one settle per burst');
    assert.equal(settler.owed, false);
  });

  it('a worker serving requests never settles, however long it waits, even at five a second', () => {
    const { settler, advance, settled } = fakeLoop();
    settler.tableApplied();
    advance(10 * 60_000, 5);
    assert.deepEqual(settled, []);
    assert.equal(settler.owed, true);
  });

  it('a worker with no new request but a busy loop (a large exchange streaming) waits', () => {
    const { settler, advance, settled } = fakeLoop();
    settler.tableApplied();
    advance(5_000, 0, 0.5);
    assert.deepEqual(settled, []);
    advance(IDLE_CHECK_MS + SETTLE_QUIET_MS);
    assert.equal(settled.length, 1);
  });

  it('a worker whose load stops settles at its next look, within two IDLE_CHECK_MS', () => {
    const { settler, advance, settled } = fakeLoop();
    settler.tableApplied();
    advance(5_000, 200);
    assert.deepEqual(settled, []);
    advance(IDLE_CHECK_MS + SETTLE_QUIET_MS);
    assert.equal(settled.length, 1);
    assert.ok(settled[0] <= 5_000 + 2 * IDLE_CHECK_MS, `settled at ${settled[0]} ms`);
  });
});

describe('settleHeapSoon in this process', () => {
  /** Owes a settle while `start()`'s work runs for a few chances to settle; forced GCs meanwhile. */
  async function forcedGcsWhile(start: () => () => void): Promise<number> {
    const forced: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const { flags } = (entry as unknown as { detail: { flags: number } }).detail;
        if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE) forced.push(entry.startTime);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      const stop = start();
      settleHeapSoon();
      await new Promise((resolve) => setTimeout(resolve, 3 * SETTLE_QUIET_MS + IDLE_CHECK_MS));
      stop();
      await new Promise((resolve) => setImmediate(resolve));
      const during = forced.length;
      await waitFor('a forced GC once idle', () => forced.length > during, 20_000, 200);
      return during;
    } finally {
      observer.disconnect();
    }
  }

  it('forces no GC while requests arrive, and one once they stop', async () => {
    const during = await forcedGcsWhile(() => {
      const arriving = setInterval(noteRequest, 100);
      return () => clearInterval(arriving);
    });
    assert.equal(during, 0, 'no forced GC while requests arrive');
  });

  it('forces no GC while the loop is busy without new requests, and one once it is idle', async () => {
    const during = await forcedGcsWhile(() => {
      // Busy about half the time, as a worker relaying a large exchange.
      const spin = setInterval(() => {
        const until = performance.now() + 4;
        while (performance.now() < until);
      }, 8);
      return () => clearInterval(spin);
    });
    assert.equal(during, 0, 'no forced GC while busy');
  });
});
