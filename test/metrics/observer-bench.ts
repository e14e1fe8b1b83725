// Micro-benchmark of the per-request metrics work (run: node --expose-gc test/metrics/observer-bench.ts):
// ns and bytes allocated per finished exchange, with metrics on (series bound, observer recording)
// against off (no observer: the handler skips every timing call). Not a test; numbers for the report.
import type { IncomingMessage } from 'node:http';
import type { CompiledRoute } from '../../dataplane/src/compile.ts';
import { ProxyObserver } from '../../dataplane/src/metrics/observer.ts';
import { ProxyMetrics } from '../../dataplane/src/metrics/proxy-metrics.ts';
import type { ExchangeEnd } from '../../dataplane/src/proxy/observer.ts';
import type { Route } from '../../dataplane/src/table/types.ts';
import type { CompiledBackend, UpstreamEndpoint } from '../../dataplane/src/upstream/balancer.ts';

const N = 2_000_000;
const route: Route = {
  id: 'r',
  source: { kind: 'Ingress', namespace: 'team', name: 'shop' },
  match: { path: { type: 'Prefix', value: '/' } },
  backends: [],
  filters: [],
};
const backend = {
  key: 'b',
  backend: { namespace: 'team', service: 'app' },
  endpoints: [],
  next: 0,
} as unknown as CompiledBackend;
const metrics = new ProxyMetrics();
const compiled = { route, series: metrics.bindRoute(route, [backend]) } as unknown as CompiledRoute;
const socket = { bytesRead: 0, bytesWritten: 0 };
const req = { method: 'GET', httpVersionMajor: 1, headers: {}, socket } as unknown as IncomingMessage;
const end = {
  req,
  res: undefined,
  route: compiled,
  backend,
  endpoint: { origin: 'http://10.0.0.1:80' } as UpstreamEndpoint,
  status: 200,
  startedAt: 0,
  upstreamStartedAt: 0,
  upstreamEndedAt: 0,
  view: undefined,
  traceparent: undefined,
  error: undefined,
} as ExchangeEnd & { startedAt: number; upstreamStartedAt: number; upstreamEndedAt: number };

function run(label: string, body: () => void): void {
  for (let i = 0; i < 200_000; i++) body();
  (globalThis as { gc?: () => void }).gc?.();
  const heap = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) body();
  const ns = Number(process.hrtime.bigint() - start) / N;
  const bytes = (process.memoryUsage().heapUsed - heap) / N;
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(7)} ns/request  ${bytes.toFixed(2)} B/request`);
}

const observer = new ProxyObserver(metrics, undefined);
run('metrics off (no observer)', () => {
  socket.bytesRead += 100;
  socket.bytesWritten += 300;
});
run('metrics on: 3 clock reads + observer', () => {
  socket.bytesRead += 100;
  socket.bytesWritten += 300;
  end.startedAt = performance.now();
  end.upstreamStartedAt = performance.now();
  end.upstreamEndedAt = performance.now();
  observer.onExchangeEnd(end);
});
const counted = metrics.toJSON().find((f) => f.name === 'gatehouse_requests_total')?.values[0].value;
console.log(`requests counted: ${counted}`);
run('of which: one clock read (performance.now)', () => {
  end.startedAt = performance.now();
});
run('of which: the observer (series bumps, bytes)', () => {
  socket.bytesRead += 100;
  socket.bytesWritten += 300;
  observer.onExchangeEnd(end);
});
