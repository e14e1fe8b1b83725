// nginx's ngx_http_limit_req_module with `burst=B nodelay`, as ingress-nginx writes it: a leaky
// bucket per key that drains at `rate` and admits a request while its level stays within B + 1
// (an idle key takes B + 1 requests at once; nginx's excess 0..B). Rejected requests leave the
// level alone, as nginx. Pure: the clock is an argument.

import type { BucketSpec } from '../../../dataplane/src/table/messages.ts';

export type { BucketSpec };

export interface BucketState {
  /** Requests in the bucket, as of `at` (0 = idle). */
  level: number;
  at: number;
}

/** Requests the bucket holds when full: nginx admits burst + 1 to an idle key. */
export function capacity(spec: BucketSpec): number {
  return spec.burst + 1;
}

/** The level at `now` after draining since the last update (never below empty). */
function drained(state: BucketState, spec: BucketSpec, now: number): number {
  const elapsed = now > state.at ? now - state.at : 0;
  const level = state.level - elapsed * spec.perMs;
  return Math.max(level, 0);
}

/** Whole requests the bucket admits at `now`. */
export function room(state: BucketState, spec: BucketSpec, now: number): number {
  // A hair of tolerance so 60 s of 1 r/m drains exactly one request despite float division.
  return Math.floor(capacity(spec) - drained(state, spec, now) + 1e-9);
}

/** Admits `n` requests at `now` (the caller checked `room`). */
export function fill(state: BucketState, spec: BucketSpec, now: number, n: number): void {
  state.level = drained(state, spec, now) + n;
  state.at = now;
}

/** Gives back `n` admitted requests that were never used (an expired lease). */
export function refund(state: BucketState, spec: BucketSpec, now: number, n: number): void {
  const level = drained(state, spec, now) - n;
  state.level = Math.max(level, 0);
  state.at = now;
}
