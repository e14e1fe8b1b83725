// Every process the benchmark starts is registered here and stopped by PID at the end — on
// success, on a failure and on SIGINT/SIGTERM alike. Gatehouse's workers are found through
// /proc (children of the primary), never by name.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { childPids } from '../../test/lib/processes.ts';

export { childPids };

export interface Started {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Signal that asks this program to stop gracefully (nginx: QUIT, node: TERM). */
  stopSignal: NodeJS.Signals;
}

const running = new Set<Started>();

/** Register a process started elsewhere (a fork) so that `stopAll` stops it too. */
export function track(name: string, proc: ChildProcess, stopSignal: NodeJS.Signals = 'SIGTERM'): Started {
  if (proc.pid === undefined) throw new Error(`${name}: not started`);
  const started: Started = { name, proc, pid: proc.pid, stopSignal };
  running.add(started);
  proc.once('exit', () => running.delete(started));
  return started;
}

/** Start a program with its output appended to `logFile`; it is stopped by `stopAll`. */
export function start(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  options: SpawnOptions & { stopSignal?: NodeJS.Signals } = {},
): Started {
  const log = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  return track(name, proc, options.stopSignal);
}

function exited(p: Started): boolean {
  return p.proc.exitCode !== null || p.proc.signalCode !== null;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {}
}

/** Stop one process gracefully, then by SIGKILL (with its direct children) after `graceMs`. */
export async function stop(p: Started, graceMs = 12_000): Promise<void> {
  const children = childPids(p.pid);
  if (!exited(p)) {
    kill(p.pid, p.stopSignal);
    await Promise.race([once(p.proc, 'exit'), new Promise((r) => setTimeout(r, graceMs))]);
  }
  for (const pid of [p.pid, ...children]) kill(pid, 'SIGKILL');
  running.delete(p);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => stop(p)));
}

/** On SIGINT/SIGTERM: stop everything started, then exit 130. */
export function stopAllOnSignal(): void {
  const handler = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nbench: ${signal}: stopping every process started\n`);
    stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
