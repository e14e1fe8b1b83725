// Every metric Gatehouse exposes, each with at least one series, built in process: two workers'
// ProxyMetrics fed fake exchanges and the primary's metrics fed a table, diagnostics and a fake
// cluster. What promtool lints and what the dashboard's queries are checked against.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { LimitLedger } from '../../controller/src/limits/ledger.ts';
import { registerLimitMetrics } from '../../controller/src/metrics/limits.ts';
import { createPrimaryMetrics } from '../../controller/src/metrics/primary.ts';
import type { CompiledRoute } from '../../dataplane/src/compile.ts';
import { ProxyMetrics } from '../../dataplane/src/metrics/proxy-metrics.ts';
import type { ExchangeEnd } from '../../dataplane/src/proxy/observer.ts';
import type { MetricFamily } from '../../dataplane/src/table/messages.ts';
import type { Backend, Route, RouteTable } from '../../dataplane/src/table/types.ts';
import type { CompiledBackend, UpstreamEndpoint } from '../../dataplane/src/upstream/balancer.ts';

const certPem = readFileSync(new URL('./fixtures/shop-tls.crt', import.meta.url), 'utf8');

const backend: Backend = {
  namespace: 'team',
  service: 'app',
  protocol: 'HTTP',
  endpoints: [
    { address: '10.0.0.1', port: 8080 },
    { address: '10.0.0.2', port: 8080, terminating: true },
  ],
  balancer: { type: 'RoundRobin' },
};

const route: Route = {
  id: 'ingress/team/shop/0/0',
  source: { kind: 'Ingress', namespace: 'team', name: 'shop' },
  match: { path: { type: 'Prefix', value: '/' } },
  backends: [{ backend: 'team/app:80', weight: 1 }],
  filters: [],
};

export const sampleTable: RouteTable = {
  version: 3,
  hosts: [
    { host: 'shop.test', routes: [route], tls: { certificate: 'secret/team/shop-tls', redirect: true } },
  ],
  backends: { 'team/app:80': backend },
  certificates: { 'secret/team/shop-tls': { certPem, keyPem: '', source: 'secret/team/shop-tls' } },
};

/** A fake finished exchange: only what the metrics read. */
export function fakeEnd(fields: Partial<ExchangeEnd> & { method?: string }): ExchangeEnd {
  const socket = { bytesRead: 120, bytesWritten: 480 };
  const req = { method: fields.method ?? 'GET', httpVersionMajor: 1, headers: {}, socket };
  return {
    req: req as unknown as IncomingMessage,
    res: undefined,
    route: undefined,
    backend: undefined,
    endpoint: undefined,
    status: 200,
    startedAt: 0,
    upstreamStartedAt: 0,
    upstreamEndedAt: 0,
    view: undefined,
    traceparent: undefined,
    error: undefined,
    refusal: undefined,
    ...fields,
  };
}

function workerFamilies(metrics: ProxyMetrics): MetricFamily[] {
  const compiledBackend = {
    key: 'team/app:80',
    backend,
    endpoints: [],
    next: 0,
  } as unknown as CompiledBackend;
  const series = metrics.bindRoute(route, [compiledBackend]);
  const compiled = { route, series } as unknown as CompiledRoute;
  const endpoint = { origin: 'http://10.0.0.1:8080' } as UpstreamEndpoint;
  const proxied = {
    route: compiled,
    backend: compiledBackend,
    endpoint,
    upstreamStartedAt: 1,
    upstreamEndedAt: 4,
  };
  metrics.record(fakeEnd(proxied), 0.004, 120, 480);
  metrics.record(fakeEnd({ ...proxied, method: 'POST', status: 201 }), 0.02, 2000, 90);
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  metrics.record(fakeEnd({ ...proxied, status: 502, error: reset }), 0.03, 100, 150);
  metrics.record(fakeEnd({ status: 404, method: 'PROPFIND' }), 0.0001, 80, 120);
  series.forBackend(compiledBackend).retries().value++;
  metrics.bindMirror(route, compiledBackend)[0].value++;
  metrics.recordMalformed(431);
  const socket = { on() {} };
  metrics.trackConnection(socket as never, 'http', 'http/1.1');
  metrics.trackConnection(socket as never, 'https', 'h2');
  return metrics.toJSON();
}

/** The families of a primary and two workers, as /metrics aggregates them. */
export async function sampleFamilies(): Promise<MetricFamily[][]> {
  const primary = createPrimaryMetrics();
  primary.onTablePushed(sampleTable);
  primary.onApplied(1, 3, 2.5);
  primary.onApplied(2, 3, 3.1);
  primary.onRejected(1, 2);
  primary.onDiagnostics([
    { object: { kind: 'Ingress', namespace: 'team', name: 'broken' }, reason: 'InvalidPath', message: 'x' },
  ]);
  primary.onWorkerRestart(2);
  primary.observeCluster({
    isLeader: () => true,
    secretWatches: () => 2,
    watchStats: () => ({
      ingresses: {
        events: { ADDED: 3, MODIFIED: 1, DELETED: 0, BOOKMARK: 2, ERROR: 0 },
        restarts: { closed: 1, gone: 0, stall: 0, error: 1 },
      },
    }),
  });
  const ledger = new LimitLedger(() => 0);
  ledger.lease(1, {
    zone: 'team/web',
    key: '192.0.2.1',
    need: 1,
    want: 1,
    buckets: [{ perMs: 0.001, burst: 5 }],
  });
  registerLimitMetrics(primary.registry, ledger, { configured: true, storeUp: 1, fallbacks: 0 });
  const own = (await primary.registry.getMetricsAsJSON()) as unknown as MetricFamily[];
  return [own, workerFamilies(new ProxyMetrics()), workerFamilies(new ProxyMetrics())];
}
