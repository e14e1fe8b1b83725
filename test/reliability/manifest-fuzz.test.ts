// Manifest fuzz pass (issue 28, item 6): adversarial and randomly mutated YAML written to the
// watched folder. The controller never crashes or hangs — /healthz and /readyz answer within a
// deadline, and every write is followed by a marker change that must be served (the reader got
// past the fuzzed file) — and the last good table is kept: an untouched route answers 200 all along.
// A failing mutation reproduces with RELIABILITY_SEED=<reported seed>.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import {
  type Backend,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
} from '../integration/harness.ts';
import { adversarialManifests, type ManifestCase, mutatedManifest, validIngress } from './manifest-cases.ts';
import { rng, seedFromEnv } from './prng.ts';
import { report, scale } from './scale.ts';

const size = scale === 'full' ? { mutations: 300, bigFileMiB: 50 } : { mutations: 10, bigFileMiB: 50 };
/** A probe of the admin port unanswered this long counts as a hang: far over any answer it owes. */
const PROBE_DEADLINE_MS = 5_000;
/** Each fuzzed write must be followed by the marker served within this: the reader moved on. */
const CONVERGE_DEADLINE_MS = 30_000;

async function status(url: string, host?: string): Promise<number | string> {
  try {
    const res = await request(url, {
      headers: host ? { host } : {},
      signal: AbortSignal.timeout(PROBE_DEADLINE_MS),
    });
    await res.body.text();
    return res.statusCode;
  } catch (error) {
    return (error as Error).name;
  }
}

describe('manifest fuzz', () => {
  const dir = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;
  let primary: number;
  let workers: number[];
  let marker = 0;
  let probing = true;
  const probes: Record<string, number> = {};
  let prober: Promise<void>;

  /** Writes `c` as fuzz.yaml, then a new marker Ingress; resolves once the marker is served. */
  async function feed(c: ManifestCase): Promise<void> {
    const { writeFileSync, renameSync } = await import('node:fs');
    writeFileSync(`${dir.dir}/fuzz.yaml.tmp~`, c.bytes);
    renameSync(`${dir.dir}/fuzz.yaml.tmp~`, `${dir.dir}/fuzz.yaml`);
    const host = `marker-${++marker}.test`;
    dir.write('marker.yaml', [ingress('fuzz', 'marker', [{ host, paths: [{ path: '/', service: 'web' }] }])]);
    await waitFor(
      `${host} served after "${c.name}" (output:\n${g.output().slice(-1500)})`,
      async () => {
        if (g.proc.exitCode !== null || g.proc.signalCode !== null)
          throw new Error(`gatehouse exited after ${c.name}`);
        return (await status(g.url('/'), host)) === 200;
      },
      CONVERGE_DEADLINE_MS,
      50,
    );
  }

  before(async () => {
    backend = await startBackend('web');
    dir.write('class.yaml', [ingressClass()]);
    dir.write('stable.yaml', [
      ...serviceFor('fuzz', 'web', [backend]),
      ingress('fuzz', 'stable', [{ host: 'stable.test', paths: [{ path: '/', service: 'web' }] }]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 1, args: ['--log-level', 'warn'] });
    await g.waitReady();
    primary = g.proc.pid!;
    workers = g.workerPids();
    // Bounded by `probing` and the test's own timeout; every answer is tallied.
    prober = (async () => {
      for (let i = 0; probing && i < 1_000_000; i++) {
        const [route, healthz, readyz] = await Promise.all([
          status(g.url('/'), 'stable.test'),
          status(`http://127.0.0.1:${g.adminPort}/healthz`),
          status(`http://127.0.0.1:${g.adminPort}/readyz`),
        ]);
        for (const [k, v] of [
          ['route', route],
          ['healthz', healthz],
          ['readyz', readyz],
        ])
          probes[`${k}:${v}`] = (probes[`${k}:${v}`] ?? 0) + 1;
      }
    })();
  });

  after(async () => {
    probing = false;
    await prober;
    await g?.stop();
    await backend?.close();
    dir.cleanup();
  });

  it('adversarial YAML: no crash, no hang, the untouched route served throughout', async (t) => {
    const started = Date.now();
    const times: string[] = [];
    const kept: Record<string, number | string> = {};
    for (const c of adversarialManifests(size.bigFileMiB * 1024 * 1024, scale === 'full')) {
      // Each case replaces a good fuzz.yaml: whether its objects stay shows what a refusal keeps.
      await feed({ name: 'the valid Ingress', bytes: Buffer.from(validIngress()) });
      const at = Date.now();
      await feed(c);
      times.push(`${c.name}: ${Date.now() - at} ms`);
      kept[c.name] = await status(g.url('/'), 'fuzzed.test');
    }
    report(t, 'fuzzed.test after each case replaced its good file', JSON.stringify(kept));
    report(
      t,
      `adversarial manifests, write → reader past it (${Date.now() - started} ms in all)`,
      times.join('; '),
    );
    assert.deepEqual(g.workerPids(), workers, 'no worker died');
    assert.equal(g.proc.pid, primary);
  });

  it('random mutations of a valid Ingress: no crash, no hang, the untouched route served throughout', async (t) => {
    const seed = seedFromEnv(0x28_02);
    const r = rng(seed);
    const started = Date.now();
    for (let i = 0; i < size.mutations; i++) await feed(mutatedManifest(r, i));
    report(t, `mutated manifests (seed ${seed})`, `${size.mutations} in ${Date.now() - started} ms`);
    assert.deepEqual(g.workerPids(), workers, 'no worker died');
  });

  it('every probe was answered: the route and /healthz 200 throughout, /readyz 200 or 503 while a change spread', async (t) => {
    probing = false;
    await prober;
    report(t, 'probes during the fuzz pass', JSON.stringify(probes));
    // /readyz says 503 until every worker serves the newest table (each marker is a new one).
    const allowed = new Set(['route:200', 'healthz:200', 'readyz:200', 'readyz:503']);
    for (const key of Object.keys(probes)) assert.ok(allowed.has(key), `a probe answered ${key}`);
    assert.ok((probes['route:200'] ?? 0) > 0);
    assert.equal(await status(`http://127.0.0.1:${g.adminPort}/readyz`), 200);
  });
});
