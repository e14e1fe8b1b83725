// Data-plane workers without the rest of Gatehouse: the real Supervisor forking one real worker,
// for timing table transfer + validate + compile + swap and reading the worker's RSS. Also a
// do-nothing child on the same IPC channel, for timing the transfer alone.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../controller/src/log.ts';
import { Supervisor } from '../../controller/src/supervisor/supervisor.ts';
import type { RouteTable } from '../../dataplane/src/table/types.ts';
import { track } from './processes.ts';
import { rssKiB } from './util.ts';

const echoScript = fileURLToPath(new URL('./ipc-echo.ts', import.meta.url));

export interface ForkedWorker {
  /** Push a table; resolves when the worker acks it (applied or rejected) with the time taken. */
  apply(table: RouteTable): Promise<{ ms: number; compileMs: number; applied: boolean }>;
  rssKiB(): number;
  /** The worker's process id (0 while none runs). */
  pid(): number;
  stop(): Promise<void>;
}

/** A table with no routes: applying it first proves the worker booted, so timings exclude start-up. */
const emptyTable: RouteTable = { version: 0, hosts: [], backends: {}, certificates: {} };

export async function forkWorker(httpPort: number): Promise<ForkedWorker> {
  const supervisor = new Supervisor(
    1,
    {
      httpPort,
      httpsPort: 0,
      bindAddress: '127.0.0.1',
      trustedProxies: [],
      logLevel: 'error',
      logFormat: 'json',
      drainTimeoutMs: 1000,
    },
    createLogger('error', 'json'),
  );
  supervisor.start();
  const worker: ForkedWorker = {
    apply: async (table) => {
      const started = performance.now();
      const acked = new Promise<{ compileMs: number; applied: boolean }>((resolve) => {
        const onApplied = (_slot: number, version: number, compileMs: number) => {
          if (version !== table.version) return;
          done();
          resolve({ compileMs, applied: true });
        };
        const onRejected = (_slot: number, version: number) => {
          if (version !== table.version) return;
          done();
          resolve({ compileMs: Number.NaN, applied: false });
        };
        const done = () => {
          supervisor.off('applied', onApplied);
          supervisor.off('rejected', onRejected);
        };
        supervisor.on('applied', onApplied);
        supervisor.on('rejected', onRejected);
      });
      supervisor.push(table);
      const m = await acked;
      return { ms: performance.now() - started, ...m };
    },
    rssKiB: () => rssKiB(supervisor.workerPids()[0] ?? 0),
    pid: () => supervisor.workerPids()[0] ?? 0,
    stop: () => supervisor.stop(),
  };
  await worker.apply(emptyTable);
  return worker;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Round trip of one table message to a child that only acknowledges it (the supervisor's channel options). */
export async function ipcRoundTrip(table: RouteTable, times: number): Promise<number[]> {
  const child = fork(echoScript, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  track('ipc echo', child);
  const out: number[] = [];
  try {
    await once(child, 'message'); // booted: what follows is transfer alone
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      const got = once(child, 'message');
      child.send({ type: 'table', table });
      await got;
      out.push(performance.now() - started);
    }
  } finally {
    await stopChild(child);
  }
  return out;
}
