// Load generators: wrk for HTTP/1.1 (plain and TLS) and h2load for HTTP/2. Each run is bounded by
// its duration; results are parsed into one shape. wrk reports through a Lua `done` hook (exact
// microsecond percentiles, not the rounded text table).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { track } from './processes.ts';

const execFileAsync = promisify(execFile);

/** execFile, with the load generator registered so that Ctrl-C stops it by PID too. */
function run(command: string, args: string[], options: { timeout: number; maxBuffer: number }) {
  const running = execFileAsync(command, args, options);
  track(command, running.child);
  return running;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Socket errors, timeouts and non-2xx/3xx answers. */
  errors: number;
}

export interface LoadSpec {
  /** `http://127.0.0.1:PORT/small` or `https://…`. */
  url: string;
  host: string;
  connections: number;
  durationS: number;
  threads?: number;
}

const DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

let luaFile: string | undefined;

export async function wrk(spec: LoadSpec, scratch: string): Promise<LoadResult> {
  luaFile ??= join(scratch, 'report.lua');
  writeFileSync(luaFile, DONE_LUA);
  const threads = Math.min(spec.threads ?? 2, spec.connections);
  const { stdout } = await run(
    'wrk',
    [
      '-t',
      String(threads),
      '-c',
      String(spec.connections),
      '-d',
      `${spec.durationS}s`,
      '--timeout',
      '5s',
      '-H',
      `Host: ${spec.host}`,
      '-s',
      luaFile,
      spec.url,
    ],
    { timeout: (spec.durationS + 30) * 1000, maxBuffer: 1 << 20 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (line === undefined) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice('WRK_RESULT '.length));
  return {
    rps: r.requests / (r.duration_us / 1e6),
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
    requests: r.requests,
    errors: r.errors,
  };
}

function h2loadMs(text: string, label: string): number {
  // "time for request:      1.23ms    45.67ms    2.34ms ..." min max mean sd: no percentiles there.
  const m = new RegExp(`${label}:\\s+([\\d.]+)(us|ms|s)`).exec(text);
  if (!m) return Number.NaN;
  const scale = m[2] === 'us' ? 1e-3 : m[2] === 's' ? 1e3 : 1;
  return Number(m[1]) * scale;
}

/**
 * HTTP/2 over TLS with h2load: one stream at a time per connection (-m 1) so the load matches wrk's.
 * h2load prints no percentiles; its per-request log (--log-file) holds every latency, read here.
 */
export async function h2load(spec: LoadSpec, scratch: string): Promise<LoadResult> {
  const url = new URL(spec.url);
  const logFile = join(scratch, `h2load-${process.hrtime.bigint()}.log`);
  const { stdout } = await run(
    'h2load',
    [
      '-c',
      String(spec.connections),
      '-t',
      String(spec.threads ?? 2),
      '-m',
      '1',
      '-D',
      String(spec.durationS),
      '--warm-up-time=1',
      `--connect-to=127.0.0.1:${url.port}`,
      '--log-file',
      logFile,
      `https://${spec.host}:${url.port}${url.pathname}`,
    ],
    { timeout: (spec.durationS + 30) * 1000, maxBuffer: 1 << 24 },
  );
  const done =
    /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
  const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout);
  if (!done || !rps) throw new Error(`h2load printed no result:\n${stdout}`);
  const { readFileSync, rmSync } = await import('node:fs');
  // Log lines: start time (µs since epoch), status, request time (µs).
  const latencies = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l.split('\t')[2]) / 1000)
    .filter((n) => Number.isFinite(n))
    .sort((a, b) => a - b);
  rmSync(logFile, { force: true });
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    rps: Number(rps[1]),
    p50Ms: latencies.length ? at(50) : h2loadMs(stdout, 'time for request'),
    p99Ms: latencies.length ? at(99) : Number.NaN,
    requests: Number(done[1]),
    errors: Number(done[3]) + Number(done[4]),
  };
}
