// The worker's heap settle (dataplane/src/heap-settle.ts) stops the event loop for a full GC, so
// it must wait for a worker that serves no requests: a table applied under load is settled only
// once the load stops. Forced GCs are seen in the worker's own --trace-gc output ("testing").
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { IDLE_CHECK_MS, SETTLE_QUIET_MS } from '../../dataplane/src/heap-settle.ts';
import { type Backend, startBackend, waitFor } from './harness.ts';
import { type BareWorker, prefixRoute, startWorker, tableOf } from './worker-harness.ts';

/** One forced, memory-reducing GC is two of these lines; V8's own GCs give other reasons. */
const forcedGcs = (output: string) => output.match(/Mark-Compact \(reduce\).* testing;/g)?.length ?? 0;

describe('heap settle under load', () => {
  let backend: Backend;
  let worker: BareWorker;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  before(async () => {
    backend = await startBackend('web');
    worker = await startWorker(tableOf(1, [prefixRoute('all', '/', 'web')], { web: backend.port }), {}, [
      '--trace-gc',
    ]);
  });

  after(async () => {
    agent.destroy();
    await worker?.stop();
    await backend?.close();
  });

  const get = () =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: worker.httpPort, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });

  it('a table applied while requests flow is settled only once they stop', async () => {
    // The first table, applied before any request, is settled as soon as the worker is idle.
    await waitFor('the first settle', () => forcedGcs(worker.output()) > 0, 15_000);

    let serving = true;
    let served = 0;
    const load = (async () => {
      while (serving) {
        assert.equal(await get(), 200);
        served++;
        // A light load: about 50 requests a second.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let before = 0;
    try {
      await waitFor('requests flowing', () => served > 10);
      // Counted once requests flow: every line of the first settle (its GCs run back to back) is out.
      before = forcedGcs(worker.output());
      await worker.push(tableOf(2, [prefixRoute('all', '/', 'web')], { web: backend.port, spare: 1 }));
      // Several chances to settle pass while the load goes on; none is taken.
      const until = served + Math.ceil((3 * SETTLE_QUIET_MS + 2 * IDLE_CHECK_MS) / 20);
      await waitFor('requests served past the settle delay', () => served >= until, 30_000);
      assert.equal(forcedGcs(worker.output()), before, 'no forced GC while requests flow');
    } finally {
      serving = false;
      await load;
    }
    await waitFor('a settle once requests stop', () => forcedGcs(worker.output()) > before, 15_000);
  });
});
