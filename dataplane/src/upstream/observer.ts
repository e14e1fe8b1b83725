// What the upstream layer reports (failed attempts, retries, ejections): declared here and
// implemented by the worker's metrics (dataplane/src/metrics/), passed in rather than imported.
import type { CompiledRoute } from '../compile.ts';
import type { UpstreamErrorReason } from './errors.ts';
import type { CompiledBackend } from './types.ts';

export interface UpstreamObserver {
  /** One failed attempt that was retried (the exchange's final error is reported when it ends). */
  onUpstreamError(
    route: CompiledRoute,
    backend: CompiledBackend | undefined,
    reason: UpstreamErrorReason,
  ): void;
  /** One retried attempt of a route's request to `backend`. */
  onRetry(route: CompiledRoute, backend: CompiledBackend | undefined): void;
  /** An endpoint of `backend` ejected by outlier detection. */
  onEjection(backend: CompiledBackend): void;
}
