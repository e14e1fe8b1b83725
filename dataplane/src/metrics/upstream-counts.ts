// The worker's metrics as the upstream layer and mirrors see them: the observer the worker passes
// to its listeners (upstream/observer.ts, proxy/mirror.ts), so neither imports metrics.
import type { CompiledRoute } from '../compile.ts';
import type { CompiledMirror, MirrorObserver } from '../proxy/mirror.ts';
import type { Route } from '../table/types.ts';
import type { UpstreamObserver } from '../upstream/observer.ts';
import type { CompiledBackend } from '../upstream/types.ts';
import { MIRROR_OUTCOMES, type MirrorOutcome, type UpstreamErrorReason } from './labels.ts';
import type { ProxyMetrics } from './proxy-metrics.ts';

export class UpstreamCounts implements UpstreamObserver, MirrorObserver {
  readonly #metrics: ProxyMetrics;

  constructor(metrics: ProxyMetrics) {
    this.#metrics = metrics;
  }

  /** Counts one failed upstream attempt (the retry layer: attempts it retried). */
  onUpstreamError(
    route: CompiledRoute,
    backend: CompiledBackend | undefined,
    reason: UpstreamErrorReason,
  ): void {
    const series = route.series?.forBackend(backend);
    if (series !== undefined) this.#metrics.upstreamError(series, reason);
  }

  /** Counts an endpoint of `backend` ejected by outlier detection (reason `ejected`; no route involved). */
  onEjection(backend: CompiledBackend): void {
    const { namespace, service } = backend.backend;
    this.#metrics.families.upstreamErrors.bind({ namespace, service, reason: 'ejected' }).value++;
  }

  /** Counts one retried attempt of a route's request to `backend`. */
  onRetry(route: CompiledRoute, backend: CompiledBackend | undefined): void {
    const series = route.series?.forBackend(backend);
    if (series !== undefined) series.retries().value++;
  }

  /** Counts one mirrored copy of a route's request by its outcome (proxy/mirror.ts). */
  onMirror(route: Route, mirror: CompiledMirror, outcome: MirrorOutcome): void {
    mirror.counters ??= this.#metrics.bindMirror(route, mirror.backend);
    mirror.counters[MIRROR_OUTCOMES.indexOf(outcome)].value++;
  }
}

/** For workers without metrics: reports go nowhere, and callers need no branch. */
export const UNCOUNTED: UpstreamObserver & MirrorObserver = {
  onUpstreamError() {},
  onRetry() {},
  onEjection() {},
  onMirror() {},
};
