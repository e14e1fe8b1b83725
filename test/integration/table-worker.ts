// One data-plane worker process driven directly over IPC with hand-built route tables: for
// behaviour no translator produces yet (balancer policies, retries, upstream protocols, CAs).
// Real process, real sockets; everything started here is stopped by PID.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { FromWorker, ToWorker, WorkerConfig } from '../../dataplane/src/table/messages.ts';
import type { Backend, Route, RouteTable } from '../../dataplane/src/table/types.ts';
import { freePort, root, waitFor } from './harness.ts';

export interface TableWorker {
  proc: ChildProcess;
  httpPort: number;
  httpsPort: number;
  url(path: string): string;
  /** Send a table and wait until the worker serves it (its version is bumped here). */
  apply(table: RouteTable): Promise<void>;
  output(): string;
  /** Sum of a metric family's values whose labels include `labels`, from the worker itself. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export async function startTableWorker(table: RouteTable): Promise<TableWorker> {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const proc = fork(join(root, 'dataplane/src/worker.ts'), [], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execPath: process.execPath,
  });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const messages: FromWorker[] = [];
  proc.on('message', (m: FromWorker) => messages.push(m));
  const config: WorkerConfig = {
    slot: 1,
    httpPort,
    httpsPort,
    bindAddress: '127.0.0.1',
    trustedProxies: [],
    logLevel: 'debug',
    logFormat: 'json',
    drainTimeoutMs: 2000,
  };
  const send = (m: ToWorker): void => {
    proc.send(m);
  };
  send({ type: 'init', config });
  let version = 0;
  const worker: TableWorker = {
    proc,
    httpPort,
    httpsPort,
    url: (path) => `http://127.0.0.1:${httpPort}${path}`,
    output: () => output,
    metric: async (name, labels = {}) => {
      const id = Math.floor(Math.random() * 1e9);
      send({ type: 'metrics-request', id });
      const reply = await waitFor('worker metrics', () =>
        messages.find(
          (m): m is Extract<FromWorker, { type: 'metrics' }> => m.type === 'metrics' && m.id === id,
        ),
      );
      let sum = 0;
      for (const family of reply.metrics.filter((f) => f.name === name))
        for (const v of family.values)
          if (Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l)) sum += v.value;
      return sum;
    },
    apply: async (t) => {
      version++;
      send({ type: 'table', table: { ...t, version } });
      const v = version;
      await waitFor(`worker to apply table v${v}\n${output.slice(-2000)}`, () => {
        const rejected = messages.find((m) => m.type === 'rejected' && m.version === v);
        if (rejected) throw new Error(`table rejected: ${JSON.stringify(rejected)}`);
        return messages.some((m) => m.type === 'applied' && m.version === v);
      });
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const exited = await Promise.race([
        once(proc, 'exit').then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
      ]);
      if (!exited) proc.kill('SIGKILL');
    },
  };
  await worker.apply(table);
  await waitFor(`worker to listen\n${output.slice(-2000)}`, () =>
    messages.some((m) => m.type === 'listening'),
  );
  return worker;
}

/** A backend of local endpoints on 127.0.0.1. */
export function localBackend(ports: number[], extra: Partial<Backend> = {}): Backend {
  return {
    namespace: 'test',
    service: 'svc',
    protocol: 'HTTP',
    balancer: { type: 'RoundRobin' },
    endpoints: ports.map((port) => ({ address: '127.0.0.1', port })),
    ...extra,
  };
}

/** A table with one host, one Prefix `/` route to backend `b`, plus any route settings. */
export function oneRouteTable(backend: Backend, route: Partial<Route> = {}, host = 'app.test'): RouteTable {
  return {
    version: 0,
    hosts: [
      {
        host,
        routes: [
          {
            id: 'route/test/app/0/0',
            source: { kind: 'Ingress', namespace: 'test', name: 'app' },
            match: { path: { type: 'Prefix', value: '/' } },
            backends: [{ backend: 'b', weight: 1 }],
            filters: [],
            ...route,
          },
        ],
      },
    ],
    backends: { b: backend },
    certificates: {},
  };
}
