// Live updates: every change made through the API is served without a restart, and each change's
// propagation (API call -> first request that sees it) is measured.
import { before, describe, test } from 'node:test';
import { suite } from '../context.ts';
import type { KubeObject } from '../kube.ts';
import { answers, createService, servedBy } from '../lib.ts';
import { endpointSlice, httpPath, ingress } from '../objects.ts';

const ROUNDS = 5;

export function updatesScenario(): void {
  describe('live updates', () => {
    let ns: string;
    let slice: KubeObject;

    before(async () => {
      const { admin, backends } = suite();
      ns = await suite().newNamespace('updates');
      await createService(admin, ns, 'one', [backends[0].ip]);
      await createService(admin, ns, 'two', [backends[1].ip]);
      ({ slice } = await createService(admin, ns, 'moving', [backends[2].ip]));
    });

    const host = (i: number) => `app-${i}.updates.test`;

    test('an added Ingress is served', async () => {
      const { admin, backends, gatehouse, measurements } = suite();
      for (let i = 0; i < ROUNDS; i++) {
        await measurements.timeChange(
          'Ingress added',
          () => admin.create(ingress(ns, `app-${i}`, host(i), [{ path: '/', service: 'one' }])),
          () => servedBy(gatehouse, host(i), backends[0].name),
        );
      }
    });

    test("a changed Ingress backend is served by the new Service's endpoints", async () => {
      const { admin, backends, gatehouse, measurements } = suite();
      for (let i = 0; i < ROUNDS; i++) {
        const [to, backend] = i % 2 === 0 ? ['two', backends[1]] : ['one', backends[0]];
        await measurements.timeChange(
          'Ingress backend changed',
          () =>
            admin.patch(ingress(ns, 'app-0', '', []), {
              spec: { rules: [{ host: host(0), http: { paths: [httpPath({ path: '/', service: to })] } }] },
            }),
          () => servedBy(gatehouse, host(0), backend.name),
        );
      }
    });

    test('a path added to an Ingress is served while its other paths keep their backend', async () => {
      const { admin, backends, gatehouse, measurements } = suite();
      const paths = [
        httpPath({ path: '/', service: 'one' }),
        httpPath({ path: '/moving', service: 'moving' }),
      ];
      await measurements.timeChange(
        'Ingress path added',
        () =>
          admin.patch(ingress(ns, 'app-1', '', []), {
            spec: { rules: [{ host: host(1), http: { paths } }] },
          }),
        () => servedBy(gatehouse, host(1), backends[2].name, '/moving/x'),
      );
      if (!(await servedBy(gatehouse, host(1), backends[0].name, '/other')))
        throw new Error('/ lost its backend');
    });

    test('a changed EndpointSlice moves traffic to the new endpoint', async () => {
      const { admin, backends, gatehouse, measurements } = suite();
      for (const target of [backends[3], backends[2], backends[3]]) {
        await measurements.timeChange(
          'EndpointSlice address changed',
          () => admin.patch(slice, { endpoints: [{ addresses: [target.ip], conditions: { ready: true } }] }),
          () => servedBy(gatehouse, host(1), target.name, '/moving'),
        );
      }
    });

    test('an endpoint turning not-ready leaves no endpoint (503), and turning ready serves again', async () => {
      const { admin, backends, gatehouse, measurements } = suite();
      const ip = backends[3].ip;
      await measurements.timeChange(
        'EndpointSlice endpoint not ready',
        () => admin.patch(slice, { endpoints: [{ addresses: [ip], conditions: { ready: false } }] }),
        () => answers(gatehouse, host(1), 503, '/moving'),
      );
      await measurements.timeChange(
        'EndpointSlice endpoint ready',
        () => admin.patch(slice, { endpoints: [{ addresses: [ip], conditions: { ready: true } }] }),
        () => servedBy(gatehouse, host(1), backends[3].name, '/moving'),
      );
    });

    test('a second EndpointSlice of the same Service adds its endpoints', async () => {
      const { admin, backends, gatehouse, measurements } = suite();
      const extra = endpointSlice(ns, 'moving', [backends[1].ip], { name: 'moving-2' });
      await measurements.timeChange(
        'EndpointSlice added',
        () => admin.create(extra),
        async () => {
          // Both slices' endpoints answer within a few requests once the new slice is seen.
          const seen = new Set<string | undefined>();
          for (let i = 0; i < 12; i++) seen.add((await gatehouse.get(host(1), '/moving')).backend);
          return seen.has(backends[1].name) && seen.has(backends[3].name);
        },
      );
      await measurements.timeChange(
        'EndpointSlice deleted',
        () => admin.delete(extra),
        async () => {
          for (let i = 0; i < 12; i++)
            if (!(await servedBy(gatehouse, host(1), backends[3].name, '/moving'))) return false;
          return true;
        },
      );
    });

    test('a deleted Ingress is no longer served (404)', async () => {
      const { admin, gatehouse, measurements } = suite();
      for (let i = 0; i < ROUNDS; i++) {
        await measurements.timeChange(
          'Ingress deleted',
          () => admin.delete(ingress(ns, `app-${i}`, '', [])),
          () => answers(gatehouse, host(i), 404),
        );
      }
    });
  });
}
