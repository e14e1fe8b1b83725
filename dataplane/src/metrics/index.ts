// The worker's observability, set up once from its WorkerConfig: request metrics (on unless
// `metrics: false`), Node process metrics labelled with the worker, and the access log. Other
// parts of the data plane count through the functions below, which do nothing while metrics are off.
import type { Duplex } from 'node:stream';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { CompiledRoute, SeriesBinder } from '../compile.ts';
import { AccessLog } from '../proxy/access-log.ts';
import type { ExchangeObserver } from '../proxy/handler.ts';
import type { CompiledMirror } from '../proxy/mirror.ts';
import type { MetricFamily, WorkerConfig } from '../table/messages.ts';
import type { CompiledBackend } from '../upstream/balancer.ts';
import { MIRROR_OUTCOMES, type MirrorOutcome, type UpstreamErrorReason } from './labels.ts';
import { ProxyObserver } from './observer.ts';
import { ProxyMetrics } from './proxy-metrics.ts';

export type { UpstreamErrorReason } from './labels.ts';

let metrics: ProxyMetrics | undefined;
let processRegistry: Registry | undefined;

/** Installs this worker's metrics and access log; the observer for its listeners, or none. */
export function setupObservability(
  config: Pick<WorkerConfig, 'slot' | 'metrics' | 'accessLog'>,
): ExchangeObserver | undefined {
  if (config.metrics !== false) {
    metrics = new ProxyMetrics();
    processRegistry = new Registry();
    // Per worker, told apart by this label: summing heap sizes across processes means nothing.
    collectDefaultMetrics({ register: processRegistry, labels: { process: `worker-${config.slot}` } });
  }
  const dropped = metrics?.accessLogDropped.bind({});
  const accessLog =
    config.accessLog === undefined
      ? undefined
      : new AccessLog({
          sampleRate: config.accessLog.sampleRate,
          onDrop: () => {
            if (dropped) dropped.value++;
          },
        });
  if (metrics === undefined && accessLog === undefined) return undefined;
  return new ProxyObserver(metrics, accessLog);
}

/** compile()'s hook binding route series; undefined while metrics are off. */
export function seriesBinder(): SeriesBinder | undefined {
  return metrics?.bindRoute;
}

/** Everything this worker counts, in prom-client's JSON shape, for the primary to aggregate. */
export async function metricsSnapshot(): Promise<MetricFamily[]> {
  if (metrics === undefined || processRegistry === undefined) return [];
  const own = (await processRegistry.getMetricsAsJSON()) as unknown as MetricFamily[];
  return [...own, ...metrics.toJSON()];
}

/** Count one failed upstream attempt (the retry layer: attempts it retried; outlier detection: `ejected`). */
export function countUpstreamError(
  route: CompiledRoute,
  backend: CompiledBackend | undefined,
  reason: UpstreamErrorReason,
): void {
  const series = route.series?.forBackend(backend);
  if (metrics !== undefined && series !== undefined) metrics.upstreamError(series, reason);
}

/** Count an endpoint of `backend` ejected by outlier detection (reason `ejected`; no route involved). */
export function countEjection(backend: CompiledBackend): void {
  if (metrics === undefined) return;
  const { namespace, service } = backend.backend;
  metrics.families.upstreamErrors.bind({ namespace, service, reason: 'ejected' }).value++;
}

/** Count one mirrored copy of a route's request by its outcome (proxy/mirror.ts). */
export function countMirror(route: CompiledRoute, mirror: CompiledMirror, outcome: MirrorOutcome): void {
  if (metrics === undefined) return;
  mirror.counters ??= metrics.bindMirror(route.route, mirror.backend);
  mirror.counters[MIRROR_OUTCOMES.indexOf(outcome)].value++;
}

/** Count one retried attempt of a route's request to `backend`. */
export function countRetry(route: CompiledRoute, backend: CompiledBackend | undefined): void {
  const series = route.series?.forBackend(backend);
  if (series !== undefined) series.retries().value++;
}

/** Count an accepted client connection (listener `http`/`https`, protocol `http/1.1`/`h2`) until it closes. */
export function trackConnection(socket: Duplex, listener: string, protocol: string): void {
  metrics?.trackConnection(socket, listener, protocol);
}

/** Count a connection closed because its PROXY protocol header was refused. */
export function countProxyHeaderRefused(listener: string, reason: string): void {
  if (metrics !== undefined) metrics.proxyHeaderRefused.bind({ listener, reason }).value++;
}

/** Count a TLS connection routed by SNI without termination (SSL passthrough), by what became of it. */
export function countPassthrough(backend: CompiledBackend, outcome: string): void {
  if (metrics === undefined) return;
  const { namespace, service } = backend.backend;
  metrics.passthroughConnections.bind({ namespace, service, outcome }).value++;
}

/** Count a request refused before it was parsed (400, 408, 431 from the HTTP parser). */
export function countMalformed(status: number): void {
  metrics?.recordMalformed(status);
}
