// IngressClass selection against the real API: which Ingresses this controller serves.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { waitFor } from '../../lib/wait.ts';
import { suite } from '../context.ts';
import { answers, createService, servedBy } from '../lib.ts';
import { CLASS, ingress, ingressClass } from '../objects.ts';

export function classesScenario(): void {
  describe('IngressClass selection', () => {
    let ns: string;
    const hostOf = (name: string) => `${name}.classes.test`;
    const cases: Array<{
      name: string;
      className: string | null;
      annotations: Record<string, string>;
      served: boolean;
    }> = [
      { name: 'by-class-name', className: CLASS, annotations: {}, served: true },
      {
        name: 'by-annotation',
        className: null,
        annotations: { 'kubernetes.io/ingress.class': CLASS },
        served: true,
      },
      { name: 'other-controller', className: 'other', annotations: {}, served: false },
      { name: 'unknown-class', className: 'no-such-class', annotations: {}, served: false },
      { name: 'no-class', className: null, annotations: {}, served: false },
    ];

    before(async () => {
      const { admin, backends, gatehouse } = suite();
      ns = await suite().newNamespace('classes');
      await admin.create(ingressClass('other', 'example.com/other-controller'));
      await createService(admin, ns, 'web', [backends[0].ip]);
      // Not-served cases first: once the last (served) one is served, the earlier ones were seen too.
      for (const c of [...cases].sort((a, b) => Number(a.served) - Number(b.served))) {
        const object = ingress(ns, c.name, hostOf(c.name), [{ path: '/', service: 'web' }], c);
        await admin.create(object);
      }
      await waitFor(() => servedBy(gatehouse, hostOf('by-annotation'), backends[0].name), {
        what: 'the last created Ingress to be served',
      });
    });

    for (const c of cases) {
      const rule = c.served
        ? `an Ingress selected ${c.name.replaceAll('-', ' ')} is served`
        : `an Ingress with ${c.name.replaceAll('-', ' ')} is not served (404) while no class is default`;
      test(rule, async () => {
        const { gatehouse, backends } = suite();
        const answer = await gatehouse.get(hostOf(c.name));
        if (c.served) assert.deepEqual([answer.status, answer.backend], [200, backends[0].name]);
        else assert.equal(answer.status, 404, answer.body);
      });
    }

    test('marking our IngressClass default serves class-less Ingresses, and unmarking stops it', async () => {
      const { admin, gatehouse, backends, measurements } = suite();
      const ours = ingressClass(CLASS, '');
      const setDefault = (value: string | null) =>
        admin.patch(ours, {
          metadata: { annotations: { 'ingressclass.kubernetes.io/is-default-class': value } },
        });
      await measurements.timeChange(
        'IngressClass made default',
        () => setDefault('true'),
        () => servedBy(gatehouse, hostOf('no-class'), backends[0].name),
      );
      // Another controller's class and an unknown class stay unserved even with a default.
      assert.equal((await gatehouse.get(hostOf('other-controller'))).status, 404);
      assert.equal((await gatehouse.get(hostOf('unknown-class'))).status, 404);
      await measurements.timeChange(
        'IngressClass default removed',
        () => setDefault(null),
        () => answers(gatehouse, hostOf('no-class'), 404),
      );
      assert.ok(await servedBy(gatehouse, hostOf('by-class-name'), backends[0].name));
    });
  });
}
