// What the e2e run measures and prints at its end: how long a change in the API takes to be served,
// how long a replica takes to become ready, how long 1 000 Ingresses take to be served. Timings are
// reported, never asserted (docs/architecture.md § Testing tiers).
import { waitFor } from '../lib/wait.ts';

export interface Sample {
  what: string;
  ms: number;
}

export class Measurements {
  readonly propagation: Sample[] = [];
  readonly startup: Sample[] = [];
  readonly other: Sample[] = [];
  readonly notes: string[] = [];

  note(text: string): void {
    this.notes.push(text);
  }

  /**
   * Runs `change`, then polls `served` (every 5 ms) until it holds; records the time from just before
   * the change to the first poll that saw it, and returns it.
   */
  async timeChange<T>(
    what: string,
    change: () => Promise<unknown>,
    served: () => Promise<T | undefined | false>,
    timeoutMs = 20_000,
  ): Promise<number> {
    const started = performance.now();
    await change();
    await waitFor(served, { what: `${what} to be served`, timeoutMs, intervalMs: 5 });
    const ms = performance.now() - started;
    this.propagation.push({ what, ms });
    return ms;
  }

  summary(): string {
    const lines = ['', '=== e2e measurements ==='];
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const p = this.propagation.map((s) => s.ms);
    if (p.length > 0) {
      lines.push(
        `propagation (API change -> served), ${p.length} changes: p50 ${ms(percentile(p, 50))}, ` +
          `p99 ${ms(percentile(p, 99))}, max ${ms(Math.max(...p))}`,
      );
      for (const [what, values] of groupBy(this.propagation)) {
        lines.push(
          `  ${what}: n=${values.length} p50 ${ms(percentile(values, 50))} max ${ms(Math.max(...values))}`,
        );
      }
    }
    const s = this.startup.map((x) => x.ms);
    if (s.length > 0) {
      lines.push(
        `start-up (process start -> /readyz 200), ${s.length} starts: p50 ${ms(percentile(s, 50))}, ` +
          `max ${ms(Math.max(...s))} (${this.startup.map((x) => `${x.what} ${ms(x.ms)}`).join(', ')})`,
      );
    }
    for (const o of this.other) lines.push(`${o.what}: ${ms(o.ms)}`);
    lines.push(...this.notes);
    return `${lines.join('\n')}\n`;
  }
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function groupBy(samples: readonly Sample[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const { what, ms } of samples) groups.set(what, [...(groups.get(what) ?? []), ms]);
  return groups;
}
