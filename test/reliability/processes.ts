// What the reliability suite asks of a running Gatehouse beyond the integration harness: a metric
// from the admin port, and whether a PID is still a live process.
import { readFileSync } from 'node:fs';
import { type Gatehouse, waitFor } from '../integration/harness.ts';

/** Sum of a metric family's samples from the admin /metrics whose labels include `labels`. */
export async function adminMetric(
  g: Gatehouse,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${g.adminPort}/metrics`);
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** True while the process exists and is not a zombie (a reaped or zombie process serves nothing). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function healthz(g: Gatehouse): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${g.adminPort}/healthz`);
  return { status: res.status, body: await res.text() };
}

/** The table version every worker serves, from /readyz (`serving version N`), or undefined while not ready. */
export async function servedVersion(g: Gatehouse): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${g.adminPort}/readyz`);
  const body = await res.text();
  const m = /serving version (\d+)/.exec(body);
  return res.status === 200 && m !== null ? Number(m[1]) : undefined;
}

/** Waits until every worker serves a table newer than `after`; answers its version. */
export function newerVersion(g: Gatehouse, after: number, timeoutMs = 20_000): Promise<number> {
  return waitFor(
    `every worker to serve a table newer than version ${after}`,
    async () => {
      const v = await servedVersion(g);
      return v !== undefined && v > after ? v : undefined;
    },
    timeoutMs,
    5,
  );
}
