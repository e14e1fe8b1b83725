// How fast a request body must keep coming (flags --client-body-timeout, --client-body-min-rate,
// --client-body-min-rate-grace). Pure: body-guard.ts measures, this judges. Only time the proxy
// spends waiting on the client counts: not time the upstream holds the body back (backpressure),
// nor time before the upstream exchange starts reading it.

/** The pace rules of one listener set, compiled once from the WorkerConfig. */
export interface BodyPace {
  /** Longest wait for the next body byte (nginx's client_body_timeout): 408 after it. */
  readonly idleMs: number;
  /** Bytes per second a body must average once the grace is spent; 0 turns the rule off. */
  readonly minBytesPerSecond: number;
  /** Waiting time a body gets before the rate applies. */
  readonly graceMs: number;
  /** Period of a body's one timer: the rules fire at most this late, never early. */
  readonly checkMs: number;
}

/** nginx's client_body_timeout default. */
export const DEFAULT_CLIENT_BODY_TIMEOUT_MS = 60_000;
/**
 * 1 KiB/s (8 kbit/s) is below the uplink of a 2G GPRS phone (20-40 kbit/s), so no real upload is
 * cut, yet a drip that beats the between-reads timeout (a byte every 59 s) is ended after the grace,
 * and holding an HTTP/1 upstream connection costs a client a steady 1 KiB/s for as long as it does.
 */
export const DEFAULT_CLIENT_BODY_MIN_RATE = 1024;
/** Apache mod_reqtimeout's `body=20`: the first seconds of a body (a radio waking, slow start) are free. */
export const DEFAULT_CLIENT_BODY_MIN_RATE_GRACE_MS = 20_000;

/** Bounds on the check period: often enough for short test timeouts, at most every 5 s in production. */
const MIN_CHECK_MS = 10;
const MAX_CHECK_MS = 5_000;

export function bodyPace(idleMs: number, minBytesPerSecond: number, graceMs: number): BodyPace {
  const shortest = minBytesPerSecond > 0 ? Math.min(idleMs, Math.max(graceMs, 1)) : idleMs;
  return {
    idleMs,
    minBytesPerSecond,
    graceMs,
    checkMs: Math.min(MAX_CHECK_MS, Math.max(MIN_CHECK_MS, Math.floor(shortest / 4))),
  };
}

/** The same pace without the rate rule (see handler.ts: gRPC streams). */
export function withoutMinRate(pace: BodyPace): BodyPace {
  return bodyPace(pace.idleMs, 0, pace.graceMs);
}

export type BodyVerdict = 'idle' | 'slow' | undefined;

/**
 * A body's state → its verdict. `waitedMs`: time spent waiting on the client since the body was
 * first read; `idleForMs`: waiting time since the last byte arrived; `bytes`: received so far.
 * The rate rule is mod_reqtimeout's MinRate as a deadline that each byte moves: a body may have
 * waited the grace plus one second per `minBytesPerSecond` bytes received, so a fast start buys
 * time for a stall later, and a drip never gets further than its bytes pay for.
 */
export function judgeBody(pace: BodyPace, waitedMs: number, idleForMs: number, bytes: number): BodyVerdict {
  if (idleForMs >= pace.idleMs) return 'idle';
  const rate = pace.minBytesPerSecond;
  if (rate > 0 && waitedMs > pace.graceMs + (bytes * 1000) / rate) return 'slow';
  return undefined;
}
