// Worker process entry: one event loop serving its own SO_REUSEPORT listeners. It takes whole
// route tables over IPC, compiles each beside the one in force, swaps with one assignment and
// acks the version. It never serves before it has a table, and never dies on a request.

import { flushCompileCache } from 'node:module';
import { BlockList, isIP } from 'node:net';
import { compile } from './compile.ts';
import { noteRequest, settleHeapSoon } from './heap-settle.ts';
import { LimitClient } from './limits/client.ts';
import { Listeners } from './listeners.ts';
import { createLogger, type Logger } from './log.ts';
import {
  countMalformed,
  countPassthrough,
  countProxyHeaderRefused,
  metricsSnapshot,
  type Observers,
  seriesBinder,
  setupObservability,
  trackConnection,
} from './metrics/index.ts';
import { UNCOUNTED } from './metrics/upstream-counts.ts';
import type { ProxyContext } from './proxy/context.ts';
import { newViaPseudonym, ViaMarker } from './proxy/loop.ts';
import type { FromWorker, ToWorker, WorkerConfig } from './table/messages.ts';
import type { RouteTable } from './table/types.ts';
import { validateRouteTable } from './table/validate.ts';
import { CertificateContexts } from './tls/contexts.ts';
import { AddressGuard } from './upstream/address-guard.ts';
import { defaultPoolOptions, UpstreamPools } from './upstream/pools.ts';

/** Where ExternalName connections may not go; this worker's own addresses are re-read per table. */
const addressGuard = new AddressGuard();
const pools = new UpstreamPools(defaultPoolOptions, addressGuard);
const current: ProxyContext['current'] = { runtime: undefined };
let config: WorkerConfig | undefined;
let log: Logger | undefined;
let server: Listeners | undefined;
const certificates = new CertificateContexts();
let draining = false;
let observers: Observers | undefined;

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

/** This worker's leases of the replica's rate-limit budgets, kept by the primary. */
const limits = new LimitClient(send);

export function trustedList(cidrs: string[]): BlockList | undefined {
  if (cidrs.length === 0) return undefined;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/** New handshakes use the table's certificates; open TLS connections keep what they negotiated. */
function applyCertificates(table: RouteTable): void {
  for (const p of certificates.update(table)) log?.warn('certificate left out; its hosts get the default', p);
  server?.useDefaultCertificate(certificates.defaultCertificate);
}

function applyTable(table: unknown): void {
  const started = performance.now();
  const version = typeof (table as RouteTable)?.version === 'number' ? (table as RouteTable).version : -1;
  const checked = validateRouteTable(table);
  if (!checked.ok) {
    log?.error('route table rejected; keeping the one in force', {
      version,
      errors: checked.errors.slice(0, 20),
    });
    send({ type: 'rejected', version, errors: checked.errors.slice(0, 20) });
    return;
  }
  let runtime: ReturnType<typeof compile>;
  try {
    runtime = compile(checked.table, pools, seriesBinder(), limits);
  } catch (error) {
    log?.error('route table failed to compile; keeping the one in force', { version, error: String(error) });
    send({ type: 'rejected', version, errors: [String(error)] });
    return;
  }
  current.runtime = runtime;
  addressGuard.refresh();
  applyCertificates(checked.table);
  pools.retainOnly(runtime.poolKeys);
  for (const p of runtime.problems) log?.warn('route left out', p);
  const compileMs = performance.now() - started;
  log?.debug('route table applied', { version, compileMs });
  send({ type: 'applied', version, compileMs });
}

function startServing(cfg: WorkerConfig, logger: Logger): void {
  const base = {
    current,
    trusted: trustedList(cfg.trustedProxies),
    observer: observers?.exchange,
    upstreamObserver: observers?.upstream ?? UNCOUNTED,
    via: new ViaMarker(cfg.viaPseudonym ?? newViaPseudonym()),
    log: logger,
  };
  server = new Listeners(cfg, base, certificates, {
    draining: () => draining,
    onRequest: noteRequest,
    onListening: (ports) => {
      send({ type: 'listening', ...ports });
      logger.info('listening', ports);
      // Node writes its compile cache only at exit, and a worker rarely exits: write it now, so
      // the next worker starts from it (NODE_COMPILE_CACHE, set by the supervisor).
      flushCompileCache();
    },
    onFatal: (message) => {
      logger.error('listener failed', { message });
      send({ type: 'fatal', message });
      process.exit(1);
    },
    onMalformed: countMalformed,
    onConnection: trackConnection,
    onProxyHeaderRefused: countProxyHeaderRefused,
    passthrough: {
      connect: (origin, external, callback) => pools.connectTcp(origin, external, callback),
      onPassthrough: countPassthrough,
    },
  });
}

function drain(): void {
  if (draining) return;
  draining = true;
  // Leased requests this worker will not serve go back to the replica's budget.
  limits.close();
  const timeout = config?.drainTimeoutMs ?? 10_000;
  log?.info('draining', { timeoutMs: timeout });
  const exit = (): void => {
    pools.closeAll().finally(() => process.exit(0));
  };
  if (server === undefined) {
    exit();
    return;
  }
  server.close(exit);
  // Connections busy at SIGTERM turn idle once their response ends: close them as they do.
  const sweep = setInterval(() => server?.closeIdle(), 50);
  sweep.unref();
  setTimeout(() => {
    log?.warn('drain timeout: closing remaining connections');
    server?.closeAll();
    exit();
  }, timeout).unref();
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'init') {
    config = message.config;
    log = createLogger(config.logLevel, config.logFormat, {
      component: 'worker',
      worker: config.slot,
      pid: process.pid,
    });
    observers = setupObservability(config);
    addressGuard.onRefused = (refusal) =>
      log?.warn('upstream address refused', {
        upstream: refusal.host,
        address: refusal.address,
        refused: refusal.refused,
      });
    if (config.defaultCertificate) certificates.setFallback(config.defaultCertificate);
    limits.onError = (error) =>
      log?.warn('request handler failed', { error: String((error as Error)?.stack ?? error) });
  } else if (message.type === 'limit-answer') {
    limits.answer(message.id, message.granted);
  } else if (message.type === 'ticket-keys') {
    server?.setTicketKeys(message.keys);
  } else if (message.type === 'metrics-request') {
    const id = message.id;
    metricsSnapshot().then(
      (metrics) => send({ type: 'metrics', id, metrics }),
      (error) => log?.warn('metrics snapshot failed', { error: String(error) }),
    );
  } else if (message.type === 'table') {
    applyTable(message.table);
    // The old runtime and this message are garbage now; an idle worker would keep them (heap-settle.ts).
    settleHeapSoon();
    if (server === undefined && current.runtime !== undefined && config && log) startServing(config, log);
  }
});

process.on('SIGTERM', drain);
process.on('SIGINT', drain);
// The primary is gone (crashed or killed): a worker must not outlive it.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (error) => {
  log?.error('uncaught exception; exiting for a respawn', { error: String(error?.stack ?? error) });
  process.exit(1);
});
