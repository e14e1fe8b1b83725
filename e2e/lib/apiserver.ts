// Stopping the e2e kube-apiserver and starting it again exactly as up.sh did: the command line is
// read from /proc of the running process, so flags, ports and certificates are the same by
// construction. etcd keeps running, so every object survives the outage.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from './cluster.ts';
import { isRunning, type RecordedProcess, recordPid } from './procs.ts';
import { waitFor } from './wait.ts';

export interface StoppedApiserver {
  /** The argv the stopped process ran with. */
  argv: string[];
  /** Starts it again with the same argv; resolves once `ready` (e.g. an admin GET /readyz) holds. */
  restart(ready: () => Promise<boolean>, options?: { timeoutMs?: number }): Promise<RecordedProcess>;
}

/** The running kube-apiserver of the cluster: the latest recorded one still alive. */
export function runningApiserver(cluster: Cluster): RecordedProcess {
  const found = cluster
    .processes()
    .filter((p) => p.name === 'kube-apiserver' && isRunning(p))
    .at(-1);
  if (!found) throw new Error(`no running kube-apiserver recorded in ${cluster.stateDir}/pids`);
  return found;
}

export function argvOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
}

/** SIGTERM the apiserver and wait until it has exited (SIGKILL after `graceMs`). */
export async function stopApiserver(cluster: Cluster, graceMs = 15_000): Promise<StoppedApiserver> {
  const proc = runningApiserver(cluster);
  const argv = argvOf(proc.pid);
  process.kill(proc.pid, 'SIGTERM');
  try {
    await waitFor(() => !isRunning(proc), {
      what: 'kube-apiserver to exit',
      timeoutMs: graceMs,
      intervalMs: 50,
    });
  } catch {
    if (isRunning(proc)) process.kill(proc.pid, 'SIGKILL');
    await waitFor(() => !isRunning(proc), {
      what: 'kube-apiserver to die',
      timeoutMs: 5_000,
      intervalMs: 50,
    });
  }
  return {
    argv,
    async restart(ready, { timeoutMs = 60_000 } = {}) {
      const log = openSync(join(cluster.stateDir, 'apiserver.log'), 'a');
      // detached: its own session, as up.sh's setsid, so it ignores the test runner's Ctrl-C.
      const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
      closeSync(log);
      child.unref();
      const recorded =
        child.pid === undefined
          ? undefined
          : recordPid(join(cluster.stateDir, 'pids'), child.pid, 'kube-apiserver');
      if (!recorded) throw new Error(`kube-apiserver did not start again (${argv.join(' ')})`);
      await waitFor(
        async () => {
          if (!isRunning(recorded)) throw new Error('restarted kube-apiserver exited; see apiserver.log');
          return ready();
        },
        { what: 'the restarted kube-apiserver to be ready', timeoutMs, intervalMs: 100 },
      );
      return recorded;
    },
  };
}
