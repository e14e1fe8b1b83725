// Worker faults (issue 28, item 3): a SIGKILLed worker loses only the requests in flight on it and
// its slot serves again; a worker that keeps dying is respawned with a growing back-off and
// reported (metric, log line, /healthz); the primary's death leaves no worker behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
import { startLoad } from './load.ts';
import { probe } from './probe.ts';
import { adminMetric, alive, healthz } from './processes.ts';
import { faultLoad, repeats, report, scale } from './scale.ts';
import { connectionOwners } from './sockets.ts';

const HOST = 'app.test';

function manifests(dir: ManifestDir, backend: Backend): void {
  dir.write('app.yaml', [
    ingressClass(),
    ingress('default', 'app', [{ host: HOST, paths: [{ path: '/', service: 'app' }] }]),
    ...serviceFor('default', 'app', [backend]),
  ]);
}

/** The worker PID that replaced `gone`, once the primary has forked it. */
async function replacement(g: Gatehouse, before: number[]): Promise<number> {
  return waitFor('a new worker', () => g.workerPids().find((p) => !before.includes(p)), 20_000);
}

/** A Gatehouse with two workers in front of one backend, started before the suite's tests, stopped after. */
function gatehouseForSuite(): () => Gatehouse {
  const dir = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;
  before(async () => {
    backend = await startBackend('app');
    manifests(dir, backend);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });
  after(async () => {
    await g?.stop();
    await backend?.close();
    dir.cleanup();
  });
  return () => g;
}

describe('worker faults under load', () => {
  const gatehouse = gatehouseForSuite();

  it('a SIGKILLed worker loses only its in-flight requests; other workers’ connections see no failure; the slot serves again', async (t) => {
    const g = gatehouse();
    for (let round = 1; round <= repeats.sigkills; round++) {
      await g.waitReady();
      const workers = g.workerPids();
      assert.equal(workers.length, 2);
      const restartsBefore = await adminMetric(g, 'gatehouse_worker_restarts_total');
      const load = startLoad({ port: g.httpPort, host: HOST, ...faultLoad });
      // Every client connected and busy: then each connection is pinned to one worker.
      await waitFor(
        'load to run on every connection',
        () =>
          load.clients.every((c) => c.ok > 2) && load.done() > faultLoad.requests / 5 ? true : undefined,
        20_000,
      );
      const owners = connectionOwners(g.httpPort);
      const ownerOf = new Map(load.clients.map((c) => [c.index, owners.get(c.localPort ?? -1)]));
      const victim = workers[0];
      const onVictim = [...ownerOf.values()].filter((p) => p === victim).length;
      assert.ok(onVictim > 0, 'some connections are served by the worker about to die');
      assert.ok(onVictim < faultLoad.concurrency, 'some connections are served by the other worker');
      for (const pid of ownerOf.values()) assert.ok(pid === undefined || workers.includes(pid));

      const killedAt = performance.now();
      process.kill(victim, 'SIGKILL');
      const fresh = await replacement(g, workers);
      // Fresh connections until one lands on the new worker and gets a 200 (SO_REUSEPORT spreads them).
      let tries = 0;
      await waitFor(
        'the new worker to serve a 200',
        async () => {
          tries++;
          const r = await probe(g.httpPort, HOST);
          return 'status' in r && r.status === 200 && r.pid === fresh;
        },
        20_000,
        0,
      );
      const servedAgainMs = Math.round(performance.now() - killedAt);
      const result = await load.result;

      const survivorFailures = load.clients.filter((c) => ownerOf.get(c.index) !== victim && c.failed > 0);
      assert.deepEqual(
        survivorFailures.map((c) => c.failures),
        [],
        'connections to the surviving worker lose nothing',
      );
      assert.ok(
        result.failed <= faultLoad.concurrency,
        `${result.failed} failed: ${JSON.stringify(result.outcomes)}`,
      );
      for (const c of load.clients)
        for (const f of c.failures)
          assert.match(f.outcome, /^error:/, 'a lost request is a cut connection, not an answer');
      assert.ok(
        (await adminMetric(g, 'gatehouse_worker_restarts_total')) >= restartsBefore + 1,
        'the restart is counted',
      );
      report(t, `round ${round}: requests sent at concurrency ${faultLoad.concurrency}`, result.sent);
      report(t, `round ${round}: connections on the killed worker`, onVictim);
      report(t, `round ${round}: requests lost`, `${result.failed} ${JSON.stringify(result.outcomes)}`);
      report(
        t,
        `round ${round}: ms from SIGKILL to the new worker's first 200`,
        `${servedAgainMs} (${tries} probes)`,
      );
    }
  });
});

// Its own Gatehouse: the back-off starts from a slot that never crashed.
describe('a worker crash loop', () => {
  const gatehouse = gatehouseForSuite();

  it('a worker that keeps dying is respawned with a growing back-off and reported: metric, log line, /healthz', async (t) => {
    const g = gatehouse();
    await g.waitReady();
    const from = g.output().length;
    const restartsBefore = await adminMetric(g, 'gatehouse_worker_restarts_total');
    const [first, other] = g.workerPids();
    // Killed as soon as it is forked, before it even listens: a worker that dies on start.
    let current = first;
    for (let k = 1; k <= repeats.crashLoopKills; k++) {
      const before = g.workerPids();
      process.kill(current, 'SIGKILL');
      await waitFor(`worker ${current} to be gone`, () => !alive(current));
      if (k < repeats.crashLoopKills) current = await replacement(g, before);
    }
    const respawns = (): Array<{ worker: number; inMs: number }> =>
      g
        .output()
        .slice(from)
        .split('\n')
        .filter((l) => l.includes('worker exited; respawning'))
        .map((l) => JSON.parse(l));
    await waitFor('the primary to log every exit', () => respawns().length >= repeats.crashLoopKills);
    const waits = respawns().map((e) => e.inMs);
    assert.equal(waits.length, repeats.crashLoopKills, 'one respawn per exit');
    for (let i = 1; i < waits.length; i++)
      assert.ok(waits[i] > waits[i - 1], `the back-off grows: ${waits.join(', ')} ms`);
    assert.equal(
      await adminMetric(g, 'gatehouse_worker_restarts_total'),
      restartsBefore + repeats.crashLoopKills,
      'every restart is counted',
    );
    const logged = g
      .output()
      .slice(from)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; message: string; worker?: number });
    assert.ok(
      logged.some((l) => l.level === 'error' && l.message.startsWith('worker crash loop')),
      'a crash loop is logged as an error',
    );
    const health = await waitFor('/healthz to report the crash loop', async () => {
      const h = await healthz(g);
      return h.status === 503 ? h : undefined;
    });
    assert.match(health.body, /crash loop/);
    assert.ok(alive(other), 'the other worker was never touched');
    report(t, `crash loop: respawn back-off after ${waits.length} quick exits (ms)`, waits.join(', '));
    report(t, 'crash loop: /healthz', health.body.trim());
    if (scale === 'full') {
      // Once the last respawn has lived long enough to count as stable, the slot is healthy again.
      const recovered = performance.now();
      await waitFor('/healthz to recover', async () => (await healthz(g)).status === 200, 60_000, 250);
      await g.waitReady();
      report(
        t,
        'crash loop: ms until /healthz is ok again after the last kill',
        Math.round(performance.now() - recovered),
      );
    }
  });
});

describe("the primary's death", () => {
  const gatehouse = gatehouseForSuite();

  it('a SIGKILLed primary leaves no worker behind, even under load', async (t) => {
    const g = gatehouse();
    const workers = g.workerPids();
    assert.equal(workers.length, 2);
    const load = startLoad({ port: g.httpPort, host: HOST, ...faultLoad });
    await waitFor('load to run', () => load.done() > 50);
    const killedAt = performance.now();
    g.proc.kill('SIGKILL');
    await waitFor(`workers ${workers.join(', ')} to exit`, () => workers.every((pid) => !alive(pid)), 10_000);
    const goneMs = Math.round(performance.now() - killedAt);
    load.stop();
    await load.result;
    report(t, 'primary SIGKILL: ms until every worker had exited', goneMs);
  });
});
