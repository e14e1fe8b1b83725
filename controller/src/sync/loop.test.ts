import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteTable } from '../../../dataplane/src/table/types.ts';
import { type Diagnostic, emptySnapshot, type Snapshot } from '../snapshot.ts';
import { SyncLoop } from './loop.ts';

const options = { ingressClass: 'gatehouse', controllerName: 'gatehouse.dev/ingress-controller' };

function snapshotWithIngress(path: string): Snapshot {
  const s = emptySnapshot();
  s.ingressClasses.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'gatehouse' },
    spec: { controller: options.controllerName },
  });
  s.ingresses.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'team' },
    spec: {
      ingressClassName: 'gatehouse',
      rules: [
        {
          host: 'a.example.com',
          http: {
            paths: [
              { path, pathType: 'Prefix', backend: { service: { name: 'missing', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  });
  return s;
}

function loopOver(state: { snapshot: Snapshot }) {
  const pushed: RouteTable[] = [];
  const fresh: Diagnostic[][] = [];
  const loop = new SyncLoop({
    snapshot: () => state.snapshot,
    translateOptions: () => options,
    push: (t) => pushed.push(t),
    onDiagnostics: (f) => fresh.push(f),
  });
  return { loop, pushed, fresh };
}

describe('sync loop', () => {
  it('pushes a new version only when the translated table changes', () => {
    const state = { snapshot: snapshotWithIngress('/a') };
    const { loop, pushed } = loopOver(state);
    assert.equal(loop.syncNow(), true);
    assert.equal(loop.syncNow(), false, 'same objects, same table: nothing pushed');
    state.snapshot = snapshotWithIngress('/b');
    assert.equal(loop.syncNow(), true);
    assert.deepEqual(
      pushed.map((t) => t.version),
      [1, 2],
    );
    assert.equal(pushed[1].hosts[0].routes[0].match.path.value, '/b');
  });

  it('reports a diagnostic once, not on every pass', () => {
    const state = { snapshot: snapshotWithIngress('/a') };
    const { loop, fresh } = loopOver(state);
    loop.syncNow();
    loop.syncNow();
    assert.ok(
      fresh[0].some((d) => d.reason === 'ServiceNotFound'),
      JSON.stringify(fresh[0]),
    );
    assert.deepEqual(fresh[1], []);
  });

  it('coalesces a burst of changes into one translation', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const state = { snapshot: snapshotWithIngress('/a') };
    const { loop, pushed } = loopOver(state);
    for (let i = 0; i < 5; i++) {
      loop.schedule();
      t.mock.timers.tick(10);
    }
    assert.equal(pushed.length, 0);
    t.mock.timers.tick(50);
    assert.equal(pushed.length, 1);
  });
});
