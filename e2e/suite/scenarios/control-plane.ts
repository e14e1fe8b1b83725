// Control-plane faults short of an outage, through a proxy between one replica and the apiserver
// (e2e/lib/api-proxy.ts): watches that stall without a byte, then are cut, and a storm of 410 Gone
// on every watch. A steady client through that replica sees no failure, and changes made during
// and after each fault converge.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiProxy, startApiProxy } from '../../lib/api-proxy.ts';
import { waitFor } from '../../lib/wait.ts';
import { suite } from '../context.ts';
import { type Gatehouse, startGatehouse } from '../gatehouse.ts';
import type { KubeObject } from '../kube.ts';
import { createService, servedBy, steadyClient } from '../lib.ts';
import { ingress } from '../objects.ts';

/** How long each fault lasts, by the clock: the fault itself is the scenario. */
const FAULT_MS = 15_000;

async function hold(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(1, Math.min(500, until - performance.now()))),
    );
  }
}

export function controlPlaneScenario(): void {
  describe('control-plane faults: stalled watches, 410 storms', () => {
    let ns: string;
    let slice: KubeObject;
    let proxy: ApiProxy;
    let g: Gatehouse;
    const host = 'steady.cp.test';

    before(async () => {
      const s = suite();
      const { admin, backends } = s;
      proxy = await startApiProxy(s.cluster);
      g = await startGatehouse(s.cluster, {
        name: 'replica-cp',
        publishAddress: '198.51.100.30',
        kubeconfig: proxy.kubeconfig,
      });
      s.replicas.push(g);
      s.measurements.startup.push({ what: 'replica-cp (through the fault proxy)', ms: g.startupMs });
      ns = await s.newNamespace('cp');
      ({ slice } = await createService(admin, ns, 'web', [backends[0].ip]));
      await createService(admin, ns, 'other', [backends[1].ip]);
      await admin.create(ingress(ns, 'steady', host, [{ path: '/', service: 'web' }]));
      await waitFor(() => servedBy(g, host, backends[0].name), { what: 'the steady Ingress via the proxy' });
      assert.ok(proxy.watches.passed > 0, 'the replica watches through the proxy');
    });

    after(async () => {
      // Later scenarios (1 000 Ingresses) need neither this replica nor the proxy.
      await g?.stop();
      await proxy?.close();
    });

    /** Applies `changes` during the fault, ends it, and waits until each `served` check holds. */
    async function underFault(
      fault: 'stall' | 'gone',
      label: string,
      changes: () => Promise<unknown>,
      served: Record<string, () => Promise<boolean>>,
      expected: string[],
    ) {
      const s = suite();
      const client = steadyClient(g, host, expected);
      try {
        const before = client.ok();
        proxy.fault(fault);
        await changes();
        await hold(FAULT_MS);
        assert.ok(client.ok() > before + 50, `only ${client.ok() - before} requests during the ${label}`);
        proxy.fault('none');
        const endedAt = performance.now();
        await Promise.all(
          Object.entries(served).map(async ([what, check]) => {
            await waitFor(check, {
              what: `${what} to be served after the ${label}`,
              timeoutMs: 60_000,
              intervalMs: 20,
            });
            s.measurements.other.push({
              what: `after the ${label} ended: ${what}`,
              ms: performance.now() - endedAt,
            });
          }),
        );
      } finally {
        proxy.fault('none');
        await client.stop();
      }
      s.measurements.note(`${label}: ${client.ok()} requests served, ${client.failures.length} failed`);
      assert.deepEqual(client.failures.slice(0, 10), [], `${client.failures.length} failed requests`);
    }

    test('watches stalled for 15 s, then cut: no failed request, and changes made meanwhile and after converge', async () => {
      const { admin, backends } = suite();
      const stalledBefore = proxy.watches.stalled;
      await underFault(
        'stall',
        'watch stall',
        () =>
          Promise.all([
            admin.patch(slice, { endpoints: [{ addresses: [backends[2].ip], conditions: { ready: true } }] }),
            admin.create(
              ingress(ns, 'during-stall', 'during-stall.cp.test', [{ path: '/', service: 'other' }]),
            ),
          ]),
        {
          'an EndpointSlice changed during the stall': () => servedBy(g, host, backends[2].name, '/steady'),
          'an Ingress created during the stall': () => servedBy(g, 'during-stall.cp.test', backends[1].name),
        },
        [backends[0].name, backends[2].name],
      );
      assert.ok(proxy.watches.stalled > stalledBefore, 'the proxy stalled no watch');
      await admin.create(
        ingress(ns, 'after-stall', 'after-stall.cp.test', [{ path: '/', service: 'other' }]),
      );
      await waitFor(() => servedBy(g, 'after-stall.cp.test', backends[1].name), {
        what: 'an Ingress created after the stall',
        timeoutMs: 30_000,
      });
    });

    test('every watch answered 410 Gone for 15 s: no failed request, and changes made meanwhile and after converge', async () => {
      const { admin, backends } = suite();
      const goneBefore = proxy.watches.gone;
      await underFault(
        'gone',
        '410 storm',
        () =>
          Promise.all([
            admin.patch(slice, { endpoints: [{ addresses: [backends[0].ip], conditions: { ready: true } }] }),
            admin.create(
              ingress(ns, 'during-gone', 'during-gone.cp.test', [{ path: '/', service: 'other' }]),
            ),
          ]),
        {
          'an EndpointSlice changed during the storm': () => servedBy(g, host, backends[0].name, '/steady'),
          'an Ingress created during the storm': () => servedBy(g, 'during-gone.cp.test', backends[1].name),
        },
        [backends[0].name, backends[2].name],
      );
      // Every kind's watch reconnected into the storm at least once, and was refused each time.
      assert.ok(
        proxy.watches.gone - goneBefore >= 2,
        `only ${proxy.watches.gone - goneBefore} watches got 410`,
      );
      suite().measurements.note(`410 storm: ${proxy.watches.gone - goneBefore} watches answered 410 Gone`);
      await admin.create(ingress(ns, 'after-gone', 'after-gone.cp.test', [{ path: '/', service: 'other' }]));
      await waitFor(() => servedBy(g, 'after-gone.cp.test', backends[1].name), {
        what: 'an Ingress created after the storm',
        timeoutMs: 30_000,
      });
      await waitFor(async () => (await g.admin('/healthz')) === 200, {
        what: '/healthz 200 after the storm',
        timeoutMs: 30_000,
      });
    });
  });
}
