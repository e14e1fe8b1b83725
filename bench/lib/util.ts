// Small helpers shared by the benchmark's parts: free ports, polling with a deadline, RSS, CPU, stats.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, waitFor as poll } from '../../test/lib/processes.ts';

export { freePort };

/** test/lib's waitFor with the benchmark's longer default deadline (its servers start under load). */
export function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000, everyMs = 25) {
  return poll(what, check, timeoutMs, everyMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resident set size of one process in KiB (0 once it is gone). */
export function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function sumRssKiB(pids: number[]): number {
  return pids.reduce((n, pid) => n + rssKiB(pid), 0);
}

/**
 * User + system CPU ticks from a /proc/PID/stat line: fields 14 and 15, counted after the
 * command name's closing parenthesis (the name itself may hold spaces and parentheses).
 */
export function statCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return Number(fields[11]) + Number(fields[12]);
}

let ticksPerSecond: number | undefined;

/** CPU time (user + system) the processes have used so far, ms; a process gone counts 0. */
export function sumCpuMs(pids: number[]): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let ticks = 0;
  for (const pid of pids) {
    try {
      ticks += statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      // exited
    }
  }
  return (ticks * 1000) / ticksPerSecond;
}

/** Percentile by nearest rank over an unsorted sample (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

export function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}
