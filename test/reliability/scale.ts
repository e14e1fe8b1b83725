// How big a reliability run is: RELIABILITY_SCALE=smoke (inside `make test`, well under a minute)
// or full (`make reliability`). Every load loop takes both a request count and a deadline.
export type Scale = 'smoke' | 'full';

export const scale: Scale = process.env.RELIABILITY_SCALE === 'full' ? 'full' : 'smoke';

export interface LoadSize {
  concurrency: number;
  requests: number;
  deadlineMs: number;
}

/** The load each worker-fault scenario runs under. */
export const faultLoad: LoadSize =
  scale === 'full'
    ? { concurrency: 32, requests: 20_000, deadlineMs: 60_000 }
    : { concurrency: 16, requests: 2_000, deadlineMs: 20_000 };

/** How often the suite repeats a fault (SIGKILLs of a worker, crash-loop kills). */
export const repeats =
  scale === 'full' ? { sigkills: 3, crashLoopKills: 5 } : { sigkills: 1, crashLoopKills: 4 };

/** One measured figure, shown by the test reporter (the README's reliability table quotes these). */
export function report(t: { diagnostic(message: string): void }, name: string, value: string | number): void {
  t.diagnostic(`reliability ${scale}: ${name} = ${value}`);
}

/** Config churn (item 1): changes written one after another while load and WebSockets run. */
export const churnSize =
  scale === 'full'
    ? { changes: 100, websockets: 50, concurrency: 16, requests: 1_000_000, deadlineMs: 180_000 }
    : { changes: 12, websockets: 10, concurrency: 8, requests: 200_000, deadlineMs: 40_000 };

/** Rolling update (item 2): replicas replaced one at a time (maxSurge 1, maxUnavailable 0), per rollout. */
export const rolloutSize =
  scale === 'full'
    ? { replicas: 3, rollouts: 3, concurrency: 16, requests: 1_000_000, deadlineMs: 180_000 }
    : { replicas: 3, rollouts: 1, concurrency: 16, requests: 200_000, deadlineMs: 40_000 };
