// A retry budget per worker (Envoy's retry_budget): retries in flight may be at most a share of
// the requests in flight, with a small floor so a quiet worker can still retry. It stops retries
// from multiplying load when a whole backend is failing — the retry storm that fixed attempt
// counts alone allow.
export const DEFAULT_BUDGET_PERCENT = 20;
/** Retries always allowed at once, whatever the load (Envoy's min_retry_concurrency). */
export const MIN_RETRY_CONCURRENCY = 3;

export class RetryBudget {
  /** Requests in flight upstream (first attempts and retries alike). */
  active = 0;
  /** Of those, requests currently on a retry attempt. */
  retrying = 0;
  readonly #floor: number;

  constructor(floor = MIN_RETRY_CONCURRENCY) {
    this.#floor = floor;
  }

  allows(percent: number): boolean {
    return this.retrying < Math.max(this.#floor, Math.floor((this.active * percent) / 100));
  }
}

/** The worker's budget: one event loop, one budget. */
export const workerRetryBudget = new RetryBudget();
