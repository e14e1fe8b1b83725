import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { stripEndpointSlice, stripIngress, stripIngressClass, stripSecret, stripService } from './strip.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8'));

const cases = [
  { kind: 'Ingress', strip: stripIngress, file: 'ingress' },
  { kind: 'IngressClass', strip: stripIngressClass, file: 'ingressclass' },
  { kind: 'Service', strip: stripService, file: 'service' },
  { kind: 'EndpointSlice', strip: stripEndpointSlice, file: 'endpointslice' },
  { kind: 'Secret', strip: stripSecret, file: 'secret-tls' },
];

for (const { kind, strip, file } of cases) {
  test(`${kind} keeps only the typed fields: managedFields, last-applied, unknown fields and foreign status dropped`, () => {
    assert.deepEqual(strip(fixture(`${file}.json`)), fixture(`${file}.stripped.json`));
  });
}

test('list items without apiVersion/kind get them from the kind being listed', () => {
  const item = { metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } };
  assert.deepEqual(stripService(item), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { ports: [{ port: 80 }] },
  });
});

test('a Secret of any type but kubernetes.io/tls is not kept at all', () => {
  for (const type of ['Opaque', 'kubernetes.io/service-account-token', undefined]) {
    const s = { metadata: { name: 's', namespace: 'default' }, type, data: { 'tls.crt': 'eA==' } };
    assert.equal(stripSecret(s), undefined, String(type));
  }
});

test('an Opaque Secret, where the reference takes one (auth-secret), keeps every string key; no other type', () => {
  const s = {
    metadata: { name: 's', namespace: 'default' },
    type: 'Opaque',
    data: { auth: 'eA==', bob: 'eQ==', odd: 1 },
  };
  const token = { ...s, type: 'kubernetes.io/service-account-token' };
  assert.equal(stripSecret(token, true), undefined);
  assert.deepEqual(stripSecret(s, true), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'default' },
    type: 'Opaque',
    data: { auth: 'eA==', bob: 'eQ==' },
  });
});

test('values of the wrong shape are dropped rather than thrown on', () => {
  const cases: unknown[] = [null, 42, 'x', [], {}, { metadata: {} }, { metadata: { name: 7 } }];
  for (const c of cases) assert.equal(stripIngress(c), undefined, JSON.stringify(c));
  const odd = {
    metadata: { name: 'a', labels: { ok: 'yes', bad: 1 } },
    spec: { rules: 'nope', tls: [null, { hosts: 'h' }] },
  };
  assert.deepEqual(stripIngress(odd), {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'a', labels: { ok: 'yes' } },
    spec: { tls: [{}] },
  });
});
