// Gatehouse under test, started through its command line exactly as a user would, with
// generated manifests. Its workers are the primary's children; RSS counts all of them.

import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { childPids, type Started, start } from './processes.ts';
import { freePort, waitFor } from './util.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface GatehouseProcess {
  started: Started;
  httpPort: number;
  httpsPort: number;
  adminPort: number;
  workerPids(): number[];
  /** The primary and its workers. */
  pids(): number[];
  /** The version every worker serves, or undefined while /readyz is not 200. */
  readyVersion(): Promise<number | undefined>;
}

export interface GatehouseOptions {
  manifests: string;
  workers: number;
  logFile: string;
  /** Extra gatehouse flags (e.g. a metrics switch). */
  args?: string[];
  /** Extra node flags for the primary; the supervisor forks workers with the same execArgv. */
  nodeFlags?: string[];
  /** Start bench/lib/launcher.ts on these objects (JSON file) instead of the CLI: metrics off. */
  launcherObjects?: string;
}

export async function startGatehouse(o: GatehouseOptions): Promise<GatehouseProcess> {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const adminPort = await freePort();
  const launcher =
    o.launcherObjects === undefined
      ? undefined
      : [
          join(root, 'bench/lib/launcher.ts'),
          o.launcherObjects,
          String(httpPort),
          String(httpsPort),
          String(adminPort),
          String(o.workers),
        ];
  const started = start(
    'gatehouse',
    process.execPath,
    launcher ?? [
      ...(o.nodeFlags ?? []),
      join(root, 'controller/src/main.ts'),
      '--manifests',
      o.manifests,
      '--bind-address',
      '127.0.0.1',
      '--http-port',
      String(httpPort),
      '--https-port',
      String(httpsPort),
      '--admin-port',
      String(adminPort),
      '--workers',
      String(o.workers),
      '--log-level',
      'warn',
      ...(o.args ?? []),
    ],
    o.logFile,
    { cwd: root },
  );
  const readyVersion = async (): Promise<number | undefined> => {
    const r = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
    const text = await r.text();
    if (r.status !== 200) return undefined;
    const m = /version (\d+)/.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const g: GatehouseProcess = {
    started,
    httpPort,
    httpsPort,
    adminPort,
    workerPids: () => childPids(started.pid),
    pids: () => [started.pid, ...childPids(started.pid)],
    readyVersion,
  };
  await waitFor(
    'gatehouse /readyz',
    async () => {
      if (started.proc.exitCode !== null)
        throw new Error(`gatehouse exited ${started.proc.exitCode}; see ${o.logFile}`);
      return (await readyVersion()) !== undefined;
    },
    60_000,
    50,
  );
  await waitFor('both gatehouse workers', () => g.workerPids().length >= o.workers, 10_000);
  return g;
}

/** Whether something completes a TLS handshake on the port (the https listener exists). */
export function speaksTls(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      servername: 'probe.invalid',
    });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(2000, () => done(false));
  });
}

/** The usage text, to see which optional flags (metrics, access log) this build has. */
export async function usageText(): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  try {
    return execFileSync(process.execPath, [join(root, 'controller/src/main.ts'), '--help'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? '');
  }
}
