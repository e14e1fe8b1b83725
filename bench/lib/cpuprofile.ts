// Reading V8 .cpuprofile files (what `node --cpu-prof` writes): self time per function over the
// busy window only (the load, found as the longest run of mostly-busy half seconds, so start-up
// and idle time stay out), grouped as Gatehouse code, undici, Node internals, GC or other.
// The files open as flame graphs in Chrome DevTools or speedscope; *.cpuprofile is git-ignored.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  group: 'gatehouse' | 'undici' | 'node' | 'gc' | 'other';
  ms: number;
  /** Share of the busy (non-idle) time in the window. */
  share: number;
}

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  top: SelfTime[];
  /** Gatehouse functions by inclusive time (themselves and what they call). */
  inclusive: SelfTime[];
  groups: Record<string, number>;
}

/** A time span on the monotonic clock, µs (process.hrtime.bigint() / 1000 is the same clock). */
export interface Window {
  fromUs: number;
  toUs: number;
}

const BUCKET_US = 500_000;

function groupOf(url: string, name: string): SelfTime['group'] {
  if (url.includes('/node_modules/undici/')) return 'undici';
  if (url.includes('/dataplane/') || url.includes('/controller/')) return 'gatehouse';
  if (name === '(garbage collector)') return 'gc';
  if (url.startsWith('node:') || url === '') return 'node';
  return 'other';
}

/** [from, to) sample indices of the longest run of buckets that are at most 40 % idle. */
function busyWindow(profile: CpuProfile, idleId: number | undefined): [number, number] {
  const buckets: Array<{ from: number; to: number; idle: number; total: number }> = [];
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const b = Math.floor(t / BUCKET_US);
    while (buckets.length <= b) buckets.push({ from: i, to: i, idle: 0, total: 0 });
    const bucket = buckets[b];
    bucket.to = i + 1;
    bucket.total += profile.timeDeltas[i] ?? 0;
    if (profile.samples[i] === idleId) bucket.idle += profile.timeDeltas[i] ?? 0;
  }
  let best: [number, number] = [0, profile.samples.length];
  let bestLength = 0;
  let runStart = -1;
  for (let b = 0; b <= buckets.length; b++) {
    const busy = b < buckets.length && buckets[b].total > 0 && buckets[b].idle / buckets[b].total <= 0.4;
    if (busy && runStart === -1) runStart = b;
    if (!busy && runStart !== -1) {
      if (b - runStart > bestLength) {
        bestLength = b - runStart;
        best = [buckets[runStart].from, buckets[b - 1].to];
      }
      runStart = -1;
    }
  }
  return best;
}

function describe(frame: ProfileNode['callFrame']): { key: string; name: string; where: string } {
  const { functionName, url, lineNumber } = frame;
  const name = functionName || '(anonymous)';
  const where =
    url === ''
      ? ''
      : `${url.replace(/^file:\/\/.*?\/(node_modules|dataplane|controller)\//, '$1/')}:${lineNumber + 1}`;
  return { key: `${name}@${where}`, name, where };
}

/** Sample index range inside `window` (V8 stamps samples with the monotonic clock, µs). */
function timeWindow(profile: CpuProfile, window: Window): [number, number] {
  let t = profile.startTime;
  let from = profile.samples.length;
  let to = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= window.fromUs && t <= window.toUs) {
      from = Math.min(from, i);
      to = i + 1;
    }
  }
  return from < to ? [from, to] : [0, 0];
}

export function summarise(files: string[], window?: Window): ProfileSummary {
  const byFunction = new Map<string, SelfTime>();
  const inclusive = new Map<string, SelfTime>();
  let windowUs = 0;
  let busyUs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const idleId = profile.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id;
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const [from, to] = window ? timeWindow(profile, window) : busyWindow(profile, idleId);
    for (let i = from; i < to; i++) {
      const us = profile.timeDeltas[i] ?? 0;
      windowUs += us;
      const id = profile.samples[i];
      if (id === idleId) continue;
      busyUs += us;
      const frame = byId.get(id)!.callFrame;
      const { key, name, where } = describe(frame);
      const entry = byFunction.get(key) ?? { name, where, group: groupOf(frame.url, name), ms: 0, share: 0 };
      entry.ms += us / 1000;
      byFunction.set(key, entry);
      // Inclusive time: each Gatehouse function on the stack, counted once per sample.
      const seen = new Set<string>();
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
        const f = byId.get(n)!.callFrame;
        if (groupOf(f.url, f.functionName) !== 'gatehouse') continue;
        const d = describe(f);
        if (seen.has(d.key)) continue;
        seen.add(d.key);
        const e = inclusive.get(d.key) ?? {
          name: d.name,
          where: d.where,
          group: 'gatehouse',
          ms: 0,
          share: 0,
        };
        e.ms += us / 1000;
        inclusive.set(d.key, e);
      }
    }
  }
  const top = [...byFunction.values()].sort((a, b) => b.ms - a.ms);
  const groups: Record<string, number> = {};
  for (const e of top) {
    e.share = e.ms / (busyUs / 1000);
    groups[e.group] = (groups[e.group] ?? 0) + e.share;
  }
  const byInclusive = [...inclusive.values()].sort((a, b) => b.ms - a.ms);
  for (const e of byInclusive) e.share = e.ms / (busyUs / 1000);
  return { windowMs: windowUs / 1000, busyMs: busyUs / 1000, top, inclusive: byInclusive, groups };
}
