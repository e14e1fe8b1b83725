// The primary's metrics: configuration (versions pushed, applies, errors), the shape of the table
// in force (routes, endpoints, certificate expiry), worker restarts, cluster-mode watch and
// leadership, and its own process metrics. `scrape` joins them with every worker's into one
// exposition for the admin port's /metrics.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricFamily } from '../../../dataplane/src/table/messages.ts';
import type { RouteTable } from '../../../dataplane/src/table/types.ts';
import type { Diagnostic } from '../snapshot.ts';
import { exposition } from './aggregate.ts';
import { certificateExpiries } from './certificates.ts';
import { negotiateFormat } from './negotiate.ts';
import { endpointCounts, routeCount } from './table-shape.ts';

export interface WatchCounts {
  events: Readonly<Record<string, number>>;
  restarts: Readonly<Record<string, number>>;
}

/** What a cluster-mode source reports, read at scrape time (controller/src/modes/cluster.ts). */
export interface ClusterView {
  isLeader(): boolean;
  watchStats(): Readonly<Record<string, WatchCounts>>;
  /** Per-name watches of referenced Secrets running now. */
  secretWatches(): number;
}

export interface PrimaryMetrics {
  readonly registry: Registry;
  /** A table was pushed to the workers. */
  onTablePushed(table: RouteTable): void;
  /** A worker serves `version`; it took `compileMs` to validate, compile and swap it in. */
  onApplied(slot: number, version: number, compileMs: number): void;
  /** A worker refused `version` and kept the table it had. */
  onRejected(slot: number, version: number): void;
  /** Problems translation found that are new since the previous pass (objects left out). */
  onDiagnostics(fresh: readonly Diagnostic[]): void;
  onWorkerRestart(slot: number): void;
  /** Cluster mode: leadership and the watch layer's counters, read at each scrape. */
  observeCluster(cluster: ClusterView): void;
  /** The aggregated exposition: this process plus every worker that answered `collect` in time. */
  scrape(
    accept: string | undefined,
    collect: () => Promise<MetricFamily[][]>,
  ): Promise<{ contentType: string; body: string }>;
}

export function createPrimaryMetrics(): PrimaryMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, labels: { process: 'primary' } });
  const registers = [registry];

  const version = new Gauge({
    name: 'gatehouse_config_version',
    help: 'Version of the route table last pushed to the workers.',
    registers,
  });
  const applyDuration = new Histogram({
    name: 'gatehouse_config_apply_duration_seconds',
    help: 'Time a worker took to validate, compile and swap in a route table.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'gatehouse_config_last_apply_success',
    help: '1 if every worker applied the last pushed route table, 0 if one refused it.',
    registers,
  });
  const errors = new Counter({
    name: 'gatehouse_config_errors_total',
    help: 'Configuration problems: objects left out by translation (by kind), tables refused by a worker (kind RouteTable).',
    labelNames: ['kind'],
    registers,
  });
  const routes = new Gauge({
    name: 'gatehouse_routes',
    help: 'Routes in the route table in force.',
    registers,
  });
  const endpoints = new Gauge({
    name: 'gatehouse_endpoints',
    help: 'Endpoints of each Service in the route table, by state (ready, terminating).',
    labelNames: ['namespace', 'service', 'state'],
    registers,
  });
  const restarts = new Counter({
    name: 'gatehouse_worker_restarts_total',
    help: 'Worker processes respawned after they exited.',
    registers,
  });
  const certificateExpiry = new Gauge({
    name: 'gatehouse_tls_certificate_expiry_timestamp_seconds',
    help: 'Expiry (notAfter) of each TLS certificate served, as a Unix timestamp.',
    labelNames: ['namespace', 'secret'],
    registers,
  });
  errors.inc({ kind: 'RouteTable' }, 0);
  restarts.inc(0);

  let pushed = -1;
  const refusedBy = new Set<number>();

  const metrics: PrimaryMetrics = {
    registry,
    onTablePushed(table) {
      pushed = table.version;
      refusedBy.clear();
      version.set(table.version);
      routes.set(routeCount(table));
      endpoints.reset();
      for (const e of endpointCounts(table)) {
        endpoints.set({ namespace: e.namespace, service: e.service, state: 'ready' }, e.ready);
        endpoints.set({ namespace: e.namespace, service: e.service, state: 'terminating' }, e.terminating);
      }
      certificateExpiry.reset();
      for (const c of certificateExpiries(table)) {
        certificateExpiry.set({ namespace: c.namespace, secret: c.secret }, c.notAfterSeconds);
      }
    },
    onApplied(slot, applied, compileMs) {
      applyDuration.observe(compileMs / 1000);
      refusedBy.delete(slot);
      if (applied === pushed && refusedBy.size === 0) lastSuccess.set(1);
    },
    onRejected(slot, rejected) {
      errors.inc({ kind: 'RouteTable' });
      if (rejected === pushed) {
        refusedBy.add(slot);
        lastSuccess.set(0);
      }
    },
    onDiagnostics(fresh) {
      for (const d of fresh) errors.inc({ kind: d.object.kind });
    },
    onWorkerRestart() {
      restarts.inc();
    },
    observeCluster(cluster) {
      observeCluster(registry, cluster);
    },
    async scrape(accept, collect) {
      const workers = await collect();
      const own = (await registry.getMetricsAsJSON()) as unknown as MetricFamily[];
      return exposition([own, ...workers], negotiateFormat(accept));
    },
  };
  return metrics;
}

function observeCluster(registry: Registry, cluster: ClusterView): void {
  const registers = [registry];
  new Gauge({
    name: 'gatehouse_leader',
    help: '1 while this replica holds the leader Lease (writes Ingress status and Events).',
    registers,
    collect() {
      this.set(cluster.isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gatehouse_secret_watches',
    help: 'Referenced Secrets watched by name (one watch each, shared by every reference; --max-secret-watches).',
    registers,
    collect() {
      this.set(cluster.secretWatches());
    },
  });
  // The watch layer counts for itself; these mirror its counters at each scrape.
  new Counter({
    name: 'gatehouse_watch_events_total',
    help: 'Watch events received from the API server, by kind and event type.',
    labelNames: ['kind', 'type'],
    registers,
    collect() {
      this.reset();
      for (const [kind, stats] of Object.entries(cluster.watchStats())) {
        for (const [type, n] of Object.entries(stats.events)) this.inc({ kind, type }, n);
      }
    },
  });
  new Counter({
    name: 'gatehouse_watch_restarts_total',
    help: 'Watches restarted (closed by the server, 410 Gone, stalled or failed), by kind.',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, stats] of Object.entries(cluster.watchStats())) {
        const total = Object.values(stats.restarts).reduce((a, b) => a + b, 0);
        this.inc({ kind }, total);
      }
    },
  });
}
