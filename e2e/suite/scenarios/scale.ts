// 1 000 Ingresses created at once (20 API calls in flight) are all served, each by the right backend;
// the time from the first create to the last Ingress served is reported.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { waitFor } from '../../lib/wait.ts';
import { suite } from '../context.ts';
import { createService, inParallel, servedBy } from '../lib.ts';
import { ingress } from '../objects.ts';

const COUNT = 1_000;
const IN_FLIGHT = 20;

export function scaleScenario(): void {
  describe(`${COUNT} Ingresses`, () => {
    let ns: string;
    const services = 4;
    const host = (i: number) => `i-${i}.scale.test`;
    const backendOf = (i: number) => suite().backends[i % services].name;

    before(async () => {
      const { admin, backends } = suite();
      ns = await suite().newNamespace('scale');
      for (let i = 0; i < services; i++) await createService(admin, ns, `svc-${i}`, [backends[i].ip]);
    });

    test(`${COUNT} Ingresses created concurrently are all served by their backends`, {
      timeout: 240_000,
    }, async () => {
      const { admin, gatehouse, measurements } = suite();
      const indexes = Array.from({ length: COUNT }, (_, i) => i);
      const started = performance.now();
      await inParallel(indexes, IN_FLIGHT, (i) =>
        admin.create(ingress(ns, `i-${i}`, host(i), [{ path: '/', service: `svc-${i % services}` }])),
      );
      const created = performance.now() - started;
      // A sample first (the last created and a spread of others), so the full sweeps start near the end.
      const sample = [COUNT - 1, ...indexes.filter((i) => i % 97 === 0)];
      await waitFor(
        async () =>
          (await inParallel(sample, IN_FLIGHT, (i) => servedBy(gatehouse, host(i), backendOf(i)))).every(
            Boolean,
          ),
        { what: 'a sample of the Ingresses to be served', timeoutMs: 180_000, intervalMs: 50 },
      );
      // Then every one: sweep the ones not yet seen until none is left.
      let pending = indexes;
      await waitFor(
        async () => {
          const served = await inParallel(pending, IN_FLIGHT, (i) =>
            servedBy(gatehouse, host(i), backendOf(i)),
          );
          pending = pending.filter((_, k) => !served[k]);
          return pending.length === 0;
        },
        { what: `all ${COUNT} Ingresses to be served`, timeoutMs: 120_000, intervalMs: 50 },
      ).catch((error: Error) => {
        throw new Error(`${error.message}; ${pending.length} still not served, e.g. ${host(pending[0])}`);
      });
      const allServed = performance.now() - started;
      measurements.other.push({
        what: `create ${COUNT} Ingresses (${IN_FLIGHT} API calls in flight)`,
        ms: created,
      });
      measurements.other.push({
        what: `serve ${COUNT} Ingresses (first create -> all served)`,
        ms: allServed,
      });
      // Nothing else broke on the way: a host that never existed is still 404.
      assert.equal((await gatehouse.get('none.scale.test')).status, 404);
      assert.equal(await gatehouse.admin('/readyz'), 200);
    });
  });
}
