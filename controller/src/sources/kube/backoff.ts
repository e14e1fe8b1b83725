// Jittered exponential back-off for reconnects. Jitter only shortens a delay, so the cap is a
// true ceiling; spreading retries keeps replicas from stampeding a restarted API server.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction in [0, 1): a delay is drawn uniformly from [base × (1 − jitter), base]. */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 500, maxMs: 8_000, factor: 2, jitter: 0.2 };

/** Delay before retry number `attempt` (0 for the first retry); `random` returns [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  return Math.round(base * (1 - policy.jitter * random()));
}

/** Counts consecutive failures; `reset()` once a connection proves healthy. */
export class Backoff {
  #attempt = 0;
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;

  constructor(policy: BackoffPolicy, random: () => number) {
    this.#policy = policy;
    this.#random = random;
  }

  next(): number {
    return backoffDelay(this.#policy, this.#attempt++, this.#random);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
