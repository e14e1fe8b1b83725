// Per-endpoint state shared by every table version and every pool of the same endpoint: requests
// in flight (least-request balancing) and passive health (outlier ejection). One object per
// endpoint, mutated in place; the request path reads it without allocating.

export interface EndpointHealth {
  /** Attempts in flight on this endpoint, in this worker. */
  active: number;
  /** Gateway failures (connect errors, resets, timeouts, 502/503/504) since the last success. */
  consecutiveFailures: number;
  /** `performance.now()` until which the endpoint is ejected; 0 when it is not. */
  ejectedUntil: number;
  /** Ejections so far, for the exponential back-off; decays while the endpoint stays healthy. */
  ejections: number;
  /** When the last ejection ended (or 0): the decay of `ejections` counts from here. */
  lastRecovery: number;
}

export function newHealth(): EndpointHealth {
  return { active: 0, consecutiveFailures: 0, ejectedUntil: 0, ejections: 0, lastRecovery: 0 };
}

/** Ejected now? An expired ejection is cleared here, lazily: recovery needs no timer. */
export function isEjected(health: EndpointHealth, now?: number): boolean {
  if (health.ejectedUntil === 0) return false;
  const t = now ?? performance.now();
  if (t < health.ejectedUntil) return true;
  health.ejectedUntil = 0;
  health.lastRecovery = t;
  return false;
}
