// HTTP/1.1 fuzz pass (issue 28, item 6) against the whole binary: adversarial and randomly mutated
// requests on raw sockets, slowloris heads and slow bodies. No process dies, every malformed or
// ambiguous request gets a 4xx or a closed connection (never a 2xx, never two requests at the
// backend), and the workers' memory stays bounded. HTTP/2 abuse: test/integration/http2-abuse.test.ts
// and http2-reset.test.ts. A failing mutation reproduces with RELIABILITY_SEED=<reported seed>.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Backend,
  type Gatehouse,
  get,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
} from '../integration/harness.ts';
import { adversarialCases, CLOSING, type FuzzCase, HOST, mutatedCase, SMUGGLED } from './http1-cases.ts';
import { rng, seedFromEnv } from './prng.ts';
import { exchangeRaw, type RawOutcome, rssBytes } from './raw-client.ts';
import { report, scale } from './scale.ts';

const size =
  scale === 'full'
    ? { mutations: 20_000, concurrency: 16, slowloris: 200, deadlineMs: 240_000 }
    : { mutations: 300, concurrency: 8, slowloris: 20, deadlineMs: 30_000 };
/** Per exchange: far beyond any answer the workers owe (the head timeout below is 1 s). */
const EXCHANGE_DEADLINE_MS = 15_000;
/**
 * Worker RSS may grow by this much over the run. A worker holds no state for a closed connection;
 * what it keeps is V8's heap growth and the parser's buffers, a few MiB per concurrent connection
 * at 32 KiB of head each. 64 MiB is ~25 % over a booted worker (~80 MiB, README "Control plane
 * at scale") and far under a leak: 20 000 exchanges leaking even 4 KiB each would pass 78 MiB.
 */
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;

async function runPool<T, R>(items: T[], concurrency: number, deadline: number, fn: (item: T) => Promise<R>) {
  const results: Array<{ item: T; result: R }> = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) {
      const item = items[next++];
      results.push({ item, result: await fn(item) });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** A refusal: a closed connection, a 4xx, or 505 for a version llhttp refuses (as nginx answers, listeners.ts). */
const refused = (status: number | undefined): boolean =>
  status === undefined || (status >= 400 && status < 500) || status === 505;

const summary = (o: RawOutcome): string =>
  o.timedOut ? 'no answer by the deadline' : o.statuses.length === 0 ? 'closed' : o.statuses.join(',');

describe('HTTP/1.1 fuzz', () => {
  const dir = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;
  let workers: number[];
  let rssBefore: number[];

  before(async () => {
    // Answers once the whole body is read, so a slow body is the proxy's to time out; echoes the path.
    backend = await startBackend('fuzz', (req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ path: req.url })));
    });
    dir.write('fuzz.yaml', [
      ingressClass(),
      ...serviceFor('fuzz', 'fuzz', [backend]),
      ingress('fuzz', 'fuzz', [{ host: HOST, paths: [{ path: '/', service: 'fuzz' }] }]),
    ]);
    g = await startGatehouse(dir.dir, {
      workers: 2,
      args: [
        '--client-header-timeout',
        '1s',
        '--client-body-timeout',
        '1s',
        '--client-body-min-rate-grace',
        '1s',
        '--log-level',
        'warn',
      ],
    });
    await g.waitReady();
    workers = g.workerPids().sort();
    // Warm both workers (each connection lands on one of them) before the baseline.
    for (let i = 0; i < 20; i++) assert.equal((await get(g, HOST, '/warm')).status, 200);
    rssBefore = await Promise.all(workers.map(rssBytes));
  });

  after(async () => {
    await g?.stop();
    await backend?.close();
    dir.cleanup();
  });

  it('malformed requests, smuggling variants and header floods: a 4xx or a closed connection', async (t) => {
    const cases = adversarialCases();
    const results = await runPool(cases, size.concurrency, Date.now() + size.deadlineMs, (c) =>
      exchangeRaw(g.httpPort, Buffer.concat([c.bytes, CLOSING]), { deadlineMs: EXCHANGE_DEADLINE_MS }),
    );
    assert.equal(results.length, cases.length, 'every case ran before the deadline');
    const wrong: string[] = [];
    const seen: Record<string, number> = {};
    for (const { item, result } of results) {
      const first = result.statuses[0];
      const key = result.timedOut ? 'timeout' : first === undefined ? 'closed' : String(first);
      seen[key] = (seen[key] ?? 0) + 1;
      if (result.timedOut) wrong.push(`${item.name}: ${summary(result)}`);
      else if (item.expect === 'reject' && !refused(first)) wrong.push(`${item.name}: ${summary(result)}`);
      if (result.text.includes(`"path":"${SMUGGLED}`))
        wrong.push(`${item.name}: the smuggled request was answered`);
      if (/\r\nX-Injected:/i.test(result.text.split('\r\n\r\n')[0]))
        wrong.push(`${item.name}: header injected`);
    }
    report(t, `adversarial HTTP/1.1 requests (${cases.length}), first answer`, JSON.stringify(seen));
    assert.deepEqual(wrong, []);
    const smuggled = backend.seen.filter((r) => r.url.startsWith(SMUGGLED));
    assert.deepEqual(smuggled, [], 'no smuggled request reached the backend');
    assert.deepEqual(g.workerPids().sort(), workers, 'no worker died');
  });

  it('random mutations of valid requests: an answer or a close, never a desync', async (t) => {
    const seed = seedFromEnv(0x28_06);
    const r = rng(seed);
    const cases: FuzzCase[] = Array.from({ length: size.mutations }, (_, i) => mutatedCase(r, i));
    const started = Date.now();
    const results = await runPool(cases, size.concurrency, started + size.deadlineMs, (c) =>
      exchangeRaw(g.httpPort, Buffer.concat([c.bytes, CLOSING]), { deadlineMs: EXCHANGE_DEADLINE_MS }),
    );
    const wrong: string[] = [];
    const firsts: Record<string, number> = {};
    for (const { item, result } of results) {
      const key = result.timedOut ? 'timeout' : String(result.statuses[0] ?? 'closed');
      firsts[key] = (firsts[key] ?? 0) + 1;
      if (result.timedOut) wrong.push(`${item.name}: no answer`);
      // The backend echoes the path: a pipelined request it served must have reached this client.
      const atBackend = backend.seen.some((s) => s.url === item.tail);
      if (atBackend && !result.text.includes(`"path":"${item.tail}"`))
        wrong.push(`${item.name}: the backend served ${item.tail}, the client never got it`);
    }
    report(
      t,
      `mutated HTTP/1.1 requests (seed ${seed}): ${results.length} in ${Date.now() - started} ms, first answer`,
      JSON.stringify(firsts),
    );
    assert.ok(
      results.length >= Math.min(cases.length, 100),
      `only ${results.length} ran before the deadline`,
    );
    assert.deepEqual(wrong, [], `seed ${seed}`);
    assert.deepEqual(g.workerPids().sort(), workers, 'no worker died');
  });

  it('slowloris heads and slow bodies are cut at their timeouts while the route keeps serving', async (t) => {
    const head = Buffer.from(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`);
    const stalled = Buffer.from(
      `POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 1000\r\n\r\n${'b'.repeat(10)}`,
    );
    const dripped = Buffer.from(
      `POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 1000\r\n\r\n${'c'.repeat(1000)}`,
    );
    const headEnd = dripped.indexOf('\r\n\r\n') + 4;
    const started = Date.now();
    const clients = [
      // Head bytes every 100 ms: the 1 s --client-header-timeout passes long before the head ends.
      ...Array.from({ length: size.slowloris }, () =>
        exchangeRaw(g.httpPort, head, {
          deadlineMs: EXCHANGE_DEADLINE_MS,
          trickle: { chunk: 1, everyMs: 100, untilByte: head.length },
        }),
      ),
      // Ten body bytes, then silence: --client-body-timeout (1 s).
      ...Array.from({ length: Math.ceil(size.slowloris / 4) }, () =>
        exchangeRaw(g.httpPort, stalled, {
          deadlineMs: EXCHANGE_DEADLINE_MS,
          trickle: { chunk: stalled.length, everyMs: 10, untilByte: stalled.length },
        }),
      ),
      // Steady but slow: one body byte every 200 ms, under the minimum rate once its 1 s grace ends.
      ...Array.from({ length: Math.ceil(size.slowloris / 4) }, () =>
        exchangeRaw(g.httpPort, dripped, {
          deadlineMs: EXCHANGE_DEADLINE_MS,
          trickle: { first: headEnd, chunk: 1, everyMs: 200, untilByte: dripped.length },
        }),
      ),
    ];
    // Meanwhile the route answers.
    const during = await get(g, HOST, '/during');
    const outcomes = await Promise.all(clients);
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[summary(o)] = (counts[summary(o)] ?? 0) + 1;
    report(
      t,
      `slow clients (${outcomes.length}: heads / stalled / dripped bodies), answers in ${Date.now() - started} ms`,
      JSON.stringify(counts),
    );
    assert.equal(during.status, 200);
    for (const o of outcomes) {
      assert.equal(o.timedOut, false, 'cut by Gatehouse, not by the client');
      assert.ok(
        o.statuses.every((s) => s === 408),
        `answered ${summary(o)}`,
      );
    }
    assert.deepEqual(g.workerPids().sort(), workers, 'no worker died');
  });

  it('the workers survive with memory bounded and the route serving', async (t) => {
    assert.equal((await get(g, HOST, '/after')).status, 200);
    const rssAfter = await Promise.all(workers.map(rssBytes));
    const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
    report(
      t,
      'worker RSS before → after the fuzz pass (MiB)',
      workers.map((_, i) => `${mib(rssBefore[i])} → ${mib(rssAfter[i])}`).join(', '),
    );
    for (let i = 0; i < workers.length; i++)
      assert.ok(rssAfter[i] - rssBefore[i] < RSS_GROWTH_BOUND, `worker ${workers[i]} grew past the bound`);
    assert.deepEqual(g.workerPids().sort(), workers, 'no worker died');
  });
});
