// The worker's observability, set up once from its WorkerConfig: request metrics (on unless
// `metrics: false`), Node process metrics labelled with the worker, and the access log. The proxy
// and upstream layers report through the observers built here; listeners count through the functions below.
import type { Duplex } from 'node:stream';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { SeriesBinder } from '../compile.ts';
import { AccessLog } from '../proxy/access-log.ts';
import type { MirrorObserver } from '../proxy/mirror.ts';
import type { ExchangeObserver } from '../proxy/observer.ts';
import type { MetricFamily, WorkerConfig } from '../table/messages.ts';
import type { UpstreamObserver } from '../upstream/observer.ts';
import type { CompiledBackend } from '../upstream/types.ts';
import { ProxyObserver } from './observer.ts';
import { ProxyMetrics } from './proxy-metrics.ts';
import { UNCOUNTED, UpstreamCounts } from './upstream-counts.ts';

export type { UpstreamErrorReason } from './labels.ts';

let metrics: ProxyMetrics | undefined;
let processRegistry: Registry | undefined;

/** What the worker passes to its listeners: the exchange observer (or none) and the upstream one. */
export interface Observers {
  readonly exchange: ExchangeObserver | undefined;
  readonly upstream: UpstreamObserver & MirrorObserver;
}

/** Installs this worker's metrics and access log; the observers for its listeners. */
export function setupObservability(config: Pick<WorkerConfig, 'slot' | 'metrics' | 'accessLog'>): Observers {
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
  const upstream = metrics === undefined ? UNCOUNTED : new UpstreamCounts(metrics);
  if (metrics === undefined && accessLog === undefined) return { exchange: undefined, upstream };
  return { exchange: new ProxyObserver(metrics, accessLog), upstream };
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
