// Formatting the results: Markdown tables (pasted into README's performance section as they are)
// and the closing line of ratios for the headline scenario.

import { median, mib, ms } from './lib/util.ts';
import type { ScenarioResult, SideResult } from './proxy.ts';
import type { BurstResult, PropagationResult, TableScale, UpdateGrowth } from './scale.ts';

const times = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');
const ratio = (a: number, b: number) => times(a / b);
const num = (n: number) => Math.round(n).toLocaleString('en');
const us = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} µs` : '–');

/**
 * Ratios are taken per round, each side against the nginx run just before it, then the median of
 * those: adjacent runs share the machine's mood, so a busy minute cancels out of its own pair.
 */
export function pairedRatio(side: SideResult, nginx: SideResult, of: 'rps' | 'p50Ms' | 'p99Ms'): number {
  return median(side.rounds.map((r, i) => r[of] / nginx.rounds[i][of]));
}

function row(name: string, n: SideResult, g: SideResult): string {
  const errors = n.errors + g.errors > 0 ? ` (errors: nginx ${n.errors}, other side ${g.errors})` : '';
  return (
    `| ${name}${errors} | ${num(n.rps)} | ${num(g.rps)} | ${times(pairedRatio(g, n, 'rps'))} | ` +
    `${ms(n.p50Ms)} / ${ms(n.p99Ms)} | ${ms(g.p50Ms)} / ${ms(g.p99Ms)} | ${times(pairedRatio(g, n, 'p99Ms'))} | ` +
    `${mib(n.peakRssKiB)} | ${mib(g.peakRssKiB)} | ${us(n.cpuUsPerRequest)} / ${us(g.cpuUsPerRequest)} |`
  );
}

export function proxyTable(results: ScenarioResult[], skipped: string[]): string {
  const lines = [
    '| scenario | nginx req/s | Gatehouse req/s | ratio | nginx p50 / p99 | Gatehouse p50 / p99 | p99 ratio | nginx RSS, all processes | Gatehouse RSS, all processes | CPU per request, nginx / Gatehouse |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { scenario: s, nginx: n, gatehouse: g } of results) lines.push(row(s.name, n, g));
  for (const { scenario: s, nginx: n, others } of results) {
    for (const [name, o] of Object.entries(others))
      lines.push(row(`${s.name}: ${name} instead of Gatehouse`, n, o));
  }
  for (const s of skipped) lines.push(`| ${s} | – | – | – | – | – | – | – | – | – |`);
  return lines.join('\n');
}

export function scaleTable(
  t: TableScale | undefined,
  u: UpdateGrowth | undefined,
  b: BurstResult | undefined,
  p: PropagationResult | undefined,
): string {
  const lines = ['| control plane | measured | target |', '| --- | ---: | ---: |'];
  if (t) {
    lines.push(
      `| ${num(t.ingresses)} Ingresses / ${num(t.endpoints)} endpoints: translate | ${ms(t.translateMs)} | |`,
      `| table size (JSON / IPC message) | ${mib(t.jsonBytes / 1024)} / ${mib(t.ipcBytes / 1024)} | |`,
      `| IPC transfer to a child (round trip) | ${ms(t.ipcMs)} | |`,
      `| validate / compile (in-process) | ${ms(t.validateMs)} / ${ms(t.compileMs)} | |`,
      `| worker apply, send → ack (first table / next table swapped in) | ${ms(t.firstApplyMs)} / ${ms(t.swapApplyMs)} | |`,
      `| translate + transfer + validate + compile + swap (first table) | ${ms(t.totalMs)} | < 1 s |`,
      `| worker RSS before any route (booted, empty table) | ${mib(t.workerIdleRssKiB)} | |`,
      `| worker RSS holding that table, right after the swap / settled | ${mib(t.workerSwapRssKiB)} / ${mib(t.workerRssKiB)} | < 150 MiB settled |`,
    );
  }
  if (b)
    lines.push(
      `| ${num(b.created)} new Ingresses at once → all served (every worker) | ${ms(b.allServedMs)} | < 2 s |`,
    );
  if (p) {
    lines.push(
      `| propagation, manifest change → every worker serving, p50 / p99 (${p.changes} changes) | ${ms(p.p50Ms)} / ${ms(p.p99Ms)} | p99 < 250 ms |`,
    );
  }
  if (u) {
    const first = u.samples.find((s) => s.after >= Math.floor(u.updates / 10)) ?? u.samples[0];
    const last = u.samples[u.samples.length - 1];
    lines.push(
      `| worker RSS over ${num(u.updates)} table updates (after ${first.after} → after ${last.after}) | ${mib(first.rssKiB)} → ${mib(last.rssKiB)} | flat |`,
    );
  }
  return lines.join('\n');
}

export function ratioLine(r: ScenarioResult): string {
  const { nginx: n, gatehouse: g } = r;
  const perRound = g.rounds.map((x, i) => (x.rps / n.rounds[i].rps).toFixed(2)).join(' ');
  return (
    `RESULT ${r.scenario.name}: gatehouse/nginx throughput ${times(pairedRatio(g, n, 'rps'))} ` +
    `(rounds ${perRound}; target ≥ 0.60×), p50 ${times(pairedRatio(g, n, 'p50Ms'))}, ` +
    `p99 ${times(pairedRatio(g, n, 'p99Ms'))} (target ≤ 1.30×), RSS ${ratio(g.peakRssKiB, n.peakRssKiB)}, ` +
    `CPU per request ${ratio(g.cpuUsPerRequest, n.cpuUsPerRequest)}`
  );
}
