// One data-plane worker without the controller: forked like the supervisor does, fed a
// hand-written RouteTable and WorkerConfig over IPC. For table fields no translator sets yet
// (body limits, idle timeouts) and for listener settings (header and keep-alive timeouts).
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { selfSignedCertificate } from '../../controller/src/tls/self-signed.ts';
import type { FromWorker, ToWorker, WorkerConfig } from '../../dataplane/src/table/messages.ts';
import type { Route, RouteTable } from '../../dataplane/src/table/types.ts';
import { root, waitFor } from './harness.ts';

export interface BareWorker {
  proc: ChildProcess;
  httpPort: number;
  httpsPort: number;
  output(): string;
  send(message: ToWorker): void;
  /** Sends the table and resolves once the worker acks its version. */
  push(table: RouteTable): Promise<void>;
  stop(): Promise<void>;
}

/** A route on every host (`*`) to backend `backend`, matching path prefix `prefix`. */
export function prefixRoute(id: string, prefix: string, backend: string, extra: Partial<Route> = {}): Route {
  return {
    id,
    source: { kind: 'Ingress', namespace: 'test', name: id },
    match: { path: { type: 'Prefix', value: prefix } },
    backends: [{ backend, weight: 1 }],
    filters: [],
    ...extra,
  };
}

export function tableOf(version: number, routes: Route[], backends: Record<string, number>): RouteTable {
  return {
    version,
    hosts: [{ host: '*', routes }],
    backends: Object.fromEntries(
      Object.entries(backends).map(([name, port]) => [
        name,
        {
          namespace: 'test',
          service: name,
          protocol: 'HTTP',
          endpoints: [{ address: '127.0.0.1', port }],
          balancer: { type: 'RoundRobin' },
        },
      ]),
    ),
    certificates: {},
  };
}

export async function startWorker(
  table: RouteTable,
  config: Partial<WorkerConfig> = {},
  nodeFlags: string[] = [],
): Promise<BareWorker> {
  const proc = fork(join(root, 'dataplane/src/worker.ts'), [], {
    // Not the test runner's own flags (--test-*, --inspect-port…): a worker as the supervisor starts it.
    execArgv: ['--enable-experimental-regexp-engine-on-excessive-backtracks', ...nodeFlags],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
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
  const send = (message: ToWorker): void => {
    proc.send(message);
  };
  send({
    type: 'init',
    config: {
      slot: 1,
      httpPort: 0,
      httpsPort: 0,
      bindAddress: '127.0.0.1',
      trustedProxies: [],
      logLevel: 'warn',
      logFormat: 'json',
      drainTimeoutMs: 2_000,
      defaultCertificate: selfSignedCertificate(),
      ...config,
    },
  });
  send({ type: 'table', table });
  const listening = await waitFor(`worker listening (output: ${output})`, () => {
    if (proc.exitCode !== null) throw new Error(`worker exited ${proc.exitCode}: ${output}`);
    return messages.find((m) => m.type === 'listening');
  });
  return {
    proc,
    httpPort: listening.http,
    httpsPort: listening.https ?? 0,
    output: () => output,
    send,
    push: async (next) => {
      send({ type: 'table', table: next });
      await waitFor(`worker applies version ${next.version}`, () =>
        messages.some((m) => m.type === 'applied' && m.version === next.version),
      );
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await once(proc, 'exit');
      clearTimeout(timer);
    },
  };
}
