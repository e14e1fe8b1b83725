// A Gatehouse replica in cluster mode against the e2e apiserver, run as the checked-in RBAC identity.
// Its PIDs go into the cluster's pids file, so down.sh stops it even if this process dies first.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { childPids, freePort } from '../../test/lib/processes.ts';
import type { Cluster } from '../lib/cluster.ts';
import { isRunning, type RecordedProcess, recordPid, startTimeOf } from '../lib/procs.ts';
import { waitFor } from '../lib/wait.ts';
import { CLASS } from './objects.ts';

const repoDir = fileURLToPath(new URL('../..', import.meta.url));
/** The namespace of the gatehouse ServiceAccount, where the shipped Role lets it hold its Lease. */
export const LEASE_NAMESPACE = 'gatehouse';

export interface Answer {
  status: number;
  body: string;
  /** The echo backend's name, when an echo backend answered. */
  backend?: string;
  url?: string;
  /** Response headers, lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
}

export interface Gatehouse {
  name: string;
  pid: number;
  httpPort: number;
  httpsPort: number;
  adminPort: number;
  publishAddress: string;
  /** Process start to the first /readyz 200, in ms. */
  startupMs: number;
  /** GET http://127.0.0.1:httpPort/path with a Host header. */
  get(host: string, path?: string): Promise<Answer>;
  admin(path: '/healthz' | '/readyz'): Promise<number>;
  output(): string;
  /** SIGTERM and wait (drain, Lease release); SIGKILL whatever is left after 15 s. */
  stop(): Promise<void>;
  /** SIGKILL the primary and its workers: a crash, no Lease release. */
  kill(): Promise<void>;
}

/** The process and its workers as they are now, so a later kill never hits a recycled PID. */
function tree(pid: number): RecordedProcess[] {
  return [pid, ...childPids(pid)].flatMap((p) => {
    const startTime = startTimeOf(p);
    return startTime === undefined ? [] : [{ pid: p, startTime, name: String(p) }];
  });
}

function killAll(processes: RecordedProcess[]): void {
  for (const p of processes) {
    if (!isRunning(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {}
  }
}

const proxyAgent = new Agent({ connections: 64, keepAliveTimeout: 1_000 });

export async function startGatehouse(
  cluster: Cluster,
  options: {
    name: string;
    publishAddress: string;
    workers?: number;
    timeoutMs?: number;
    /** Default: the cluster's gatehouse kubeconfig (another one e.g. points at a fault proxy). */
    kubeconfig?: string;
  },
): Promise<Gatehouse> {
  const [httpPort, httpsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    join(repoDir, 'controller/src/main.ts'),
    '--kubeconfig',
    options.kubeconfig ?? cluster.gatehouseKubeconfig,
    '--ingress-class',
    CLASS,
    '--bind-address',
    '127.0.0.1',
    '--http-port',
    String(httpPort),
    '--https-port',
    String(httpsPort),
    '--admin-port',
    String(adminPort),
    '--workers',
    String(options.workers ?? 2),
    '--publish-address',
    options.publishAddress,
    '--log-format',
    'text',
    // The routing scenario's custom-headers ConfigMap sets this one (ingress-nginx allows none by default).
    '--global-allowed-response-headers',
    'X-Gatehouse-E2E',
  ];
  const started = performance.now();
  const proc: ChildProcess = spawn(process.execPath, args, {
    cwd: repoDir,
    env: { ...process.env, POD_NAMESPACE: LEASE_NAMESPACE, POD_NAME: options.name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error('gatehouse did not spawn');
  recordPid(join(cluster.stateDir, 'pids'), pid, `gatehouse:${options.name}`);
  // The last 64 KiB of output, for failure messages.
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-65_536);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = once(proc, 'exit');

  const admin = async (path: string): Promise<number> => {
    const res = await request(`http://127.0.0.1:${adminPort}${path}`, { signal: AbortSignal.timeout(2_000) });
    await res.body.dump();
    return res.statusCode;
  };
  await waitFor(
    async () => {
      if (proc.exitCode !== null)
        throw new Error(`gatehouse exited ${proc.exitCode}:\n${output.slice(-3000)}`);
      return (await admin('/readyz')) === 200;
    },
    { what: `gatehouse ${options.name} /readyz`, timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 20 },
  ).catch((error: Error) => {
    killAll(tree(pid));
    throw new Error(`${error.message}\n--- gatehouse output:\n${output.slice(-3000)}`, { cause: error });
  });
  const startupMs = performance.now() - started;
  const workers = childPids(pid);
  for (const w of workers) recordPid(join(cluster.stateDir, 'pids'), w, `gatehouse-worker:${options.name}`);

  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  return {
    name: options.name,
    pid,
    httpPort,
    httpsPort,
    adminPort,
    publishAddress: options.publishAddress,
    startupMs,
    output: () => output,
    admin,
    async get(host, path = '/') {
      const res = await request(`http://127.0.0.1:${httpPort}${path}`, {
        dispatcher: proxyAgent,
        headers: { host },
        signal: AbortSignal.timeout(5_000),
      });
      const body = await res.body.text();
      let backend: string | undefined;
      let url: string | undefined;
      if (res.statusCode === 200) {
        try {
          ({ backend, url } = JSON.parse(body) as { backend?: string; url?: string });
        } catch {}
      }
      return { status: res.statusCode, body, backend, url, headers: res.headers };
    },
    async stop() {
      if (gone()) return;
      const all = tree(pid);
      proc.kill('SIGTERM');
      const timer = new Promise((resolve) => setTimeout(resolve, 15_000).unref());
      await Promise.race([exited, timer]);
      killAll(all);
    },
    async kill() {
      if (gone()) return;
      const all = tree(pid);
      killAll(all);
      await exited;
      // Workers notice the lost IPC channel and exit; wait so none keeps serving.
      await waitFor(() => !all.some(isRunning), {
        what: 'killed gatehouse workers to exit',
        timeoutMs: 10_000,
      });
    },
  };
}
