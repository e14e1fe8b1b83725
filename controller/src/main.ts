#!/usr/bin/env node
// gatehouse: flags → wiring. No logic lives here; each piece it connects has its own module.
import type { Server } from 'node:http';
import { startAdminServer } from './admin/server.ts';
import { FlagError, type Flags, parseFlags, usage } from './cli/flags.ts';
import { translateOptionsOf } from './cli/translate-options.ts';
import { GlobalLimits } from './limits/global-store.ts';
import { createLogger, type Logger } from './log.ts';
import { registerLimitMetrics } from './metrics/limits.ts';
import { createPrimaryMetrics } from './metrics/primary.ts';
import { type Cluster, clusterMode } from './modes/cluster.ts';
import type { ObjectSource } from './modes/source.ts';
import { standaloneSource } from './modes/standalone.ts';
import type { Diagnostic } from './snapshot.ts';
import { Supervisor } from './supervisor/supervisor.ts';
import { SyncLoop } from './sync/loop.ts';

function readFlags(): Flags {
  try {
    const flags = parseFlags(process.argv.slice(2), process.env);
    if (flags.help) {
      process.stdout.write(usage);
      process.exit(0);
    }
    return flags;
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`gatehouse: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
}

function logDiagnostic(log: Logger, d: Diagnostic): void {
  log.warn(d.message, {
    component: 'translate',
    reason: d.reason,
    kind: d.object.kind,
    namespace: d.object.namespace,
    name: d.object.name,
    field: d.field,
  });
}

async function main(): Promise<void> {
  const flags = readFlags();
  const log = createLogger(flags.logLevel, flags.logFormat);
  const cluster: Cluster | undefined = flags.manifests === undefined ? clusterMode(flags, log) : undefined;
  const source: ObjectSource =
    cluster?.source ?? standaloneSource(flags.manifests!, log, flags.manifestLimits);
  const metrics = createPrimaryMetrics();
  if (cluster) metrics.observeCluster(cluster);

  const supervisor = new Supervisor(
    flags.workers,
    {
      httpPort: flags.httpPort,
      httpsPort: flags.httpsPort,
      httpsRedirectPort: flags.httpsRedirectPort,
      bindAddress: flags.bindAddress,
      trustedProxies: flags.trustedProxies,
      proxyProtocol: flags.proxyProtocol,
      logLevel: flags.logLevel,
      logFormat: flags.logFormat,
      drainTimeoutMs: 10_000,
      accessLog: flags.accessLog ? { sampleRate: flags.accessLogSample } : undefined,
      clientHeaderTimeoutMs: flags.clientHeaderTimeoutMs,
      keepAliveTimeoutMs: flags.keepAliveTimeoutMs,
      clientBodyTimeoutMs: flags.clientBodyTimeoutMs,
      clientBodyMinRate: flags.clientBodyMinRate,
      clientBodyMinRateGraceMs: flags.clientBodyMinRateGraceMs,
    },
    log,
  );
  const loop = new SyncLoop({
    snapshot: () => source.snapshot(),
    sourceDiagnostics: () => source.diagnostics(),
    translateOptions: () => translateOptionsOf(flags, new Date()),
    // The manifest source debounces file events itself; a second debounce would only add latency.
    debounceMs: source.mode === 'standalone' ? 0 : 50,
    push: (table) => {
      supervisor.push(table);
      metrics.onTablePushed(table);
    },
    onDiagnostics: (fresh, all) => {
      for (const d of fresh) logDiagnostic(log, d);
      metrics.onDiagnostics(fresh);
      cluster?.afterSync(source.snapshot(), loop.handled, all, loop.policies);
    },
    onTranslated: ({ version, changed, translateMs, routes }) => {
      if (changed) log.info('route table updated', { component: 'sync', version, routes, translateMs });
    },
  });
  supervisor.globalLimits = new GlobalLimits(flags.rateLimitStore, supervisor.limits, log);
  registerLimitMetrics(metrics.registry, supervisor.limits, supervisor.globalLimits);
  supervisor.on('serving', () => cluster?.served(loop.handled));
  supervisor.on('applied', (slot, version, compileMs) => metrics.onApplied(slot, version, compileMs));
  supervisor.on('rejected', (slot, version) => metrics.onRejected(slot, version));
  supervisor.on('restart', (slot) => metrics.onWorkerRestart(slot));

  let admin: Server | undefined;
  let shuttingDown = false;
  const shutdown = async (code: number): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('shutting down: draining workers');
    loop.stop();
    admin?.close();
    await Promise.all([source.stop(), supervisor.stop(), supervisor.globalLimits?.close()]);
    log.info('stopped');
    process.exit(code);
  };
  supervisor.on('fatal', () => void shutdown(1));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  admin = await startAdminServer(flags.adminPort, flags.adminBindAddress, {
    metrics: (accept) => metrics.scrape(accept, () => supervisor.collectMetrics()),
    healthy: () => {
      const workers = supervisor.health();
      return workers.ok ? source.healthy() : workers;
    },
    ready: () => {
      if (!source.synced()) return { ok: false, detail: 'objects not listed yet' };
      const ok = supervisor.ready();
      return {
        ok,
        detail: ok
          ? `serving version ${supervisor.currentVersion}`
          : 'workers not serving the current table yet',
      };
    },
  });
  supervisor.start();
  await source.start(() => loop.schedule());
  loop.syncNow();
  log.info('gatehouse started', {
    mode: source.mode,
    manifests: flags.manifests,
    http: flags.httpPort,
    admin: flags.adminPort,
    workers: flags.workers,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`gatehouse: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
