// Worker process entry: one event loop serving its own SO_REUSEPORT listeners. It takes whole
// route tables over IPC, compiles each beside the one in force, swaps with one assignment and
// acks the version. It never serves before it has a table, and never dies on a request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { compile } from './compile.ts';
import { createLogger, type Logger } from './log.ts';
import { answer, answerRaw } from './proxy/answers.ts';
import { handleRequest, type ProxyContext } from './proxy/handler.ts';
import { handleUpgrade } from './proxy/upgrade.ts';
import type { FromWorker, ToWorker, WorkerConfig } from './table/messages.ts';
import type { RouteTable } from './table/types.ts';
import { validateRouteTable } from './table/validate.ts';
import { UpstreamPools } from './upstream/pools.ts';

const pools = new UpstreamPools();
const current: ProxyContext['current'] = { runtime: undefined };
let config: WorkerConfig | undefined;
let log: Logger | undefined;
let server: Server | undefined;
let draining = false;

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

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

/** Client-side parse failures, answered before any request object exists (RFC 9112 §2.2). */
function statusForClientError(code: string | undefined): number {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return 408;
    default:
      return 400;
  }
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
    runtime = compile(checked.table, pools);
  } catch (error) {
    log?.error('route table failed to compile; keeping the one in force', { version, error: String(error) });
    send({ type: 'rejected', version, errors: [String(error)] });
    return;
  }
  current.runtime = runtime;
  pools.retainOnly(runtime.origins);
  for (const p of runtime.problems) log?.warn('route left out', p);
  const compileMs = performance.now() - started;
  log?.debug('route table applied', { version, compileMs });
  send({ type: 'applied', version, compileMs });
}

function startServing(cfg: WorkerConfig, logger: Logger): void {
  const ctx: ProxyContext = {
    current,
    listener: { proto: 'http', port: String(cfg.httpPort), encrypted: false, httpsPort: cfg.httpsPort },
    trusted: trustedList(cfg.trustedProxies),
    observer: undefined,
    log: logger,
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (draining) res.shouldKeepAlive = false;
    try {
      handleRequest(ctx, req, res);
    } catch (error) {
      logger.error('request handler failed', { error: String((error as Error)?.stack ?? error) });
      answer(res, 500);
    }
  };
  const http = createServer(
    { maxHeaderSize: 32 * 1024, requestTimeout: 0, headersTimeout: 20_000, keepAliveTimeout: 75_000 },
    onRequest,
  );
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      handleUpgrade(ctx, req, socket, head);
    } catch (error) {
      logger.error('upgrade handler failed', { error: String(error) });
      answerRaw(socket, 500);
    }
  });
  http.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    answerRaw(socket, statusForClientError(error.code));
  });
  http.on('error', (error) => {
    logger.error('listener failed', { error: String(error) });
    send({ type: 'fatal', message: `cannot listen on ${cfg.bindAddress}:${cfg.httpPort}: ${error.message}` });
    process.exit(1);
  });
  http.listen({ port: cfg.httpPort, host: cfg.bindAddress, reusePort: true, backlog: 4096 }, () => {
    const address = http.address();
    send({ type: 'listening', http: typeof address === 'object' && address ? address.port : cfg.httpPort });
    logger.info('listening', { http: cfg.httpPort });
  });
  server = http;
}

function drain(): void {
  if (draining) return;
  draining = true;
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
  const sweep = setInterval(() => server?.closeIdleConnections(), 50);
  sweep.unref();
  server.closeIdleConnections();
  setTimeout(() => {
    log?.warn('drain timeout: closing remaining connections');
    server?.closeAllConnections();
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
  } else if (message.type === 'table') {
    applyTable(message.table);
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
