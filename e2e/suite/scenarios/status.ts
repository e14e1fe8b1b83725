// What Gatehouse writes back to the API: Ingress status with --publish-address, and Warning Events
// for Ingresses it cannot serve, while the valid ones keep serving.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { waitFor } from '../../lib/wait.ts';
import { suite } from '../context.ts';
import type { KubeObject } from '../kube.ts';
import { answers, createService, eventsAbout, loadBalancerOf, servedBy } from '../lib.ts';
import { ingress } from '../objects.ts';

export function statusScenario(): void {
  describe('Ingress status and Events', () => {
    let ns: string;
    let valid: KubeObject;
    const validHost = 'valid.status.test';

    before(async () => {
      const { admin, backends, gatehouse } = suite();
      ns = await suite().newNamespace('status');
      await createService(admin, ns, 'web', [backends[0].ip]);
      valid = await admin.create(ingress(ns, 'valid', validHost, [{ path: '/', service: 'web' }]));
      await waitFor(() => servedBy(gatehouse, validHost, backends[0].name), { what: 'the valid Ingress' });
    });

    test('a served Ingress gets status.loadBalancer.ingress from --publish-address', async () => {
      const { admin, gatehouse } = suite();
      const lb = await waitFor(
        async () => {
          const current = await loadBalancerOf(admin, valid);
          return current.length > 0 && current;
        },
        { what: 'the Ingress status to be written' },
      );
      assert.deepEqual(lb, [{ ip: gatehouse.publishAddress }]);
    });

    test("another controller's Ingress gets no status from us", async () => {
      const { admin, backends, gatehouse } = suite();
      const foreign = await admin.create(
        ingress(ns, 'foreign', 'foreign.status.test', [{ path: '/', service: 'web' }], {
          className: 'other',
        }),
      );
      // Created after it, ours proves the foreign one went through a leader pass when ours has status.
      const marker = await admin.create(
        ingress(ns, 'marker', 'marker.status.test', [{ path: '/', service: 'web' }]),
      );
      await waitFor(() => servedBy(gatehouse, 'marker.status.test', backends[0].name), {
        what: 'marker served',
      });
      await waitFor(async () => (await loadBalancerOf(admin, marker)).length > 0, { what: 'marker status' });
      assert.deepEqual(await loadBalancerOf(admin, foreign), []);
    });

    test('an invalid Ingress gets a Warning Event naming the problem while a valid one keeps serving', async () => {
      const { admin, backends, gatehouse } = suite();
      // The API accepts any absolute ImplementationSpecific path; a space is not a URL path character.
      const bad = ingress(ns, 'bad-path', 'bad.status.test', [
        { path: '/bad path', pathType: 'ImplementationSpecific', service: 'web' },
      ]);
      await admin.create(bad);
      const events = await waitFor(
        async () => {
          const found = (await eventsAbout(admin, ns, 'Ingress', 'bad-path')).filter(
            (e) => e.type === 'Warning',
          );
          return found.length > 0 && found;
        },
        { what: 'a Warning Event about Ingress bad-path' },
      );
      assert.equal(events[0].reason, 'InvalidPath');
      assert.match(events[0].note, /bad path/);
      assert.equal(events[0].reportingController, 'gatehouse.dev/ingress-controller');
      assert.ok(await servedBy(gatehouse, validHost, backends[0].name), 'the valid Ingress still served');
      assert.equal((await gatehouse.get('bad.status.test', '/bad%20path')).status, 404);
    });

    test('an Ingress naming a missing Service answers 503 and gets a ServiceNotFound Warning', async () => {
      const { admin, gatehouse } = suite();
      await admin.create(
        ingress(ns, 'dangling', 'dangling.status.test', [{ path: '/', service: 'nowhere' }]),
      );
      await waitFor(() => answers(gatehouse, 'dangling.status.test', 503), {
        what: '503 for the missing Service',
      });
      const events = await waitFor(
        async () => {
          const found = (await eventsAbout(admin, ns, 'Ingress', 'dangling')).filter(
            (e) => e.type === 'Warning',
          );
          return found.length > 0 && found;
        },
        { what: 'a Warning Event about Ingress dangling' },
      );
      assert.equal(events[0].reason, 'ServiceNotFound');
      assert.match(events[0].note, /nowhere/);
    });
  });
}
