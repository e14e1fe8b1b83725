import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySnapshot, type Ingress, type Snapshot } from '../snapshot.ts';
import { type IngressStatusApi, IngressStatusWriter } from './status-writer.ts';

function ingress(name: string, ips: string[] = []): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'team', resourceVersion: '1' },
    spec: {},
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  };
}

function fakeApi(objects: Map<string, Ingress>, failOn = new Set<string>()) {
  const writes: Array<{ name: string; ips: string[] }> = [];
  const api: IngressStatusApi = {
    get: async (_ns, name) => structuredClone(objects.get(name)!),
    replaceStatus: async (ing) => {
      if (failOn.has(ing.metadata.name)) throw new Error('409 conflict');
      writes.push({
        name: ing.metadata.name,
        ips: (ing.status?.loadBalancer?.ingress ?? []).map((e) => e.ip ?? ''),
      });
      objects.set(ing.metadata.name, ing);
    },
  };
  return { api, writes };
}

function snapshotOf(objects: Map<string, Ingress>): Snapshot {
  return { ...emptySnapshot(), ingresses: [...objects.values()] };
}

describe('Ingress status writer', () => {
  it('writes the published address only to handled Ingresses whose status differs', async () => {
    const objects = new Map([
      ['a', ingress('a')],
      ['b', ingress('b', ['203.0.113.1'])],
      ['other', ingress('other')],
    ]);
    const { api, writes } = fakeApi(objects);
    const w = new IngressStatusWriter({ api, publish: { publishAddress: '203.0.113.1' } });
    const failed = await w.sync(snapshotOf(objects), [
      { namespace: 'team', name: 'a' },
      { namespace: 'team', name: 'b' },
    ]);
    assert.equal(failed, 0);
    assert.deepEqual(writes, [{ name: 'a', ips: ['203.0.113.1'] }]);
  });

  it('clears the status of an Ingress that leaves the class', async () => {
    const objects = new Map([['a', ingress('a')]]);
    const { api, writes } = fakeApi(objects);
    const w = new IngressStatusWriter({ api, publish: { publishAddress: '203.0.113.1' } });
    await w.sync(snapshotOf(objects), [{ namespace: 'team', name: 'a' }]);
    await w.sync(snapshotOf(objects), []);
    assert.deepEqual(writes, [
      { name: 'a', ips: ['203.0.113.1'] },
      { name: 'a', ips: [] },
    ]);
  });

  it('leaves statuses alone while the publish Service is unknown, and reports it', async () => {
    const objects = new Map([['a', ingress('a', ['198.51.100.7'])]]);
    const { api, writes } = fakeApi(objects);
    const reasons: string[] = [];
    const w = new IngressStatusWriter({
      api,
      publish: { publishService: 'ingress/gatehouse' },
      onDiagnostics: (d) => reasons.push(...d.map((x) => x.reason)),
    });
    await w.sync(snapshotOf(objects), [{ namespace: 'team', name: 'a' }]);
    assert.deepEqual(writes, []);
    assert.deepEqual(reasons, ['PublishServiceNotFound']);
  });

  it('counts failed writes so the caller retries, and the others still go through', async () => {
    const objects = new Map([
      ['a', ingress('a')],
      ['b', ingress('b')],
    ]);
    const { api, writes } = fakeApi(objects, new Set(['a']));
    const w = new IngressStatusWriter({ api, publish: { publishAddress: 'lb.example.com' } });
    const failed = await w.sync(snapshotOf(objects), [
      { namespace: 'team', name: 'a' },
      { namespace: 'team', name: 'b' },
    ]);
    assert.equal(failed, 1);
    assert.deepEqual(
      writes.map((x) => x.name),
      ['b'],
    );
  });
});
