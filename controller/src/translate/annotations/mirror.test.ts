// ingress-nginx annotations.md#mirror; internal/ingress/annotations/mirror/main.go (request body
// "on" unless "off", Host defaulting to the target's host name) and test/e2e/annotations/mirror.go.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ingress, ready, reasons, rule, run, service, slice } from '../testkit.ts';
import { parsed } from './testing.ts';

const P = 'nginx.ingress.kubernetes.io';
const field = (k: string) => `metadata.annotations["${P}/${k}"]`;

describe('mirror annotations: parsed (Ingress in namespace ns)', () => {
  const service = (
    name: string,
    port = 80,
    protocol = 'HTTP',
    hostname = `${name}.ns.svc.cluster.local`,
  ) => ({
    target: { kind: 'service', name },
    port,
    protocol,
    body: true,
    hostname,
  });
  const cases: Array<[string, Record<string, string>, unknown, string[]?]> = [
    ['absent', {}, undefined],
    [
      'a Service by its full cluster name, with $request_uri',
      { 'mirror-target': 'http://shadow.ns.svc.cluster.local$request_uri' },
      service('shadow'),
    ],
    [
      'a Service by name.namespace',
      { 'mirror-target': 'http://shadow.ns' },
      service('shadow', 80, 'HTTP', 'shadow.ns'),
    ],
    [
      'https on a port',
      { 'mirror-target': 'https://shadow.ns.svc:8443/$request_uri' },
      service('shadow', 8443, 'HTTPS', 'shadow.ns.svc'),
    ],
    [
      'another namespace is an external host',
      { 'mirror-target': 'https://shadow.other.svc.cluster.local' },
      {
        target: { kind: 'external', host: 'shadow.other.svc.cluster.local' },
        port: 443,
        protocol: 'HTTPS',
        body: true,
        hostname: 'shadow.other.svc.cluster.local',
      },
    ],
    [
      'mirror-host and mirror-request-body off',
      {
        'mirror-target': 'http://1.2.3.4$request_uri',
        'mirror-host': 'Test.Env.com',
        'mirror-request-body': 'off',
      },
      {
        target: { kind: 'external', host: '1.2.3.4' },
        port: 80,
        protocol: 'HTTP',
        body: false,
        hostname: 'test.env.com',
      },
    ],
    [
      'mirror-request-body invalid → on, reported',
      { 'mirror-target': 'http://shadow.ns', 'mirror-request-body': 'no' },
      service('shadow', 80, 'HTTP', 'shadow.ns'),
      [field('mirror-request-body')],
    ],
    [
      "mirror-host invalid → the target's host, reported",
      { 'mirror-target': 'http://shadow.ns', 'mirror-host': 'a b' },
      service('shadow', 80, 'HTTP', 'shadow.ns'),
      [field('mirror-host')],
    ],
    ['not a URL', { 'mirror-target': 'shadow.ns' }, undefined, [field('mirror-target')]],
    ['another scheme', { 'mirror-target': 'ftp://shadow.ns' }, undefined, [field('mirror-target')]],
    [
      'a target path is refused',
      { 'mirror-target': 'http://shadow.ns/copy' },
      undefined,
      [field('mirror-target')],
    ],
    [
      'another variable is refused',
      { 'mirror-target': 'http://shadow.ns$uri' },
      undefined,
      [field('mirror-target')],
    ],
    ['a query is refused', { 'mirror-target': 'http://shadow.ns/?a=1' }, undefined, [field('mirror-target')]],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      // testing.ts parses an Ingress of namespace "ns".
      assert.deepEqual(result.route.mirror, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

describe('mirror annotations: the copy reaches a backend', () => {
  const objects = (target: string) => ({
    ingresses: [
      ingress(
        'app',
        { rules: [rule('a.example', ['/'])] },
        { annotations: { [`${P}/mirror-target`]: target } },
      ),
    ],
    services: [service('web', [{ port: 80 }]), service('shadow', [{ port: 80, targetPort: 9090 }])],
    endpointSlices: [slice('shadow-1', 'shadow', [{ port: 9090 }], [ready('10.0.0.9')])],
  });

  test("a Service of the Ingress's namespace is mirrored to its endpoints, Host the target's name", () => {
    const result = run(objects('http://shadow.default.svc.cluster.local$request_uri'));
    const route = result.table.hosts[0].routes[0];
    assert.deepEqual(route.filters, [
      {
        type: 'RequestMirror',
        backend: 'default/shadow:80',
        body: true,
        hostname: 'shadow.default.svc.cluster.local',
      },
    ]);
    assert.deepEqual(result.table.backends['default/shadow:80']?.endpoints, [
      { address: '10.0.0.9', port: 9090 },
    ]);
    assert.deepEqual(reasons(result), []);
  });

  test('another host is refused without --enable-external-name-services: no mirror, a diagnostic', () => {
    const result = run(objects('http://shadow.other'));
    assert.deepEqual(result.table.hosts[0].routes[0].filters, []);
    assert.deepEqual(reasons(result), [`Ingress default/app ${field('mirror-target')} ExternalNameDisabled`]);
  });

  test('another host with --enable-external-name-services is an external backend (guarded connects)', () => {
    const result = run(objects('https://mirror.example.net:8443'), { enableExternalNameServices: true });
    const filter = result.table.hosts[0].routes[0].filters[0];
    assert.equal(filter?.type, 'RequestMirror');
    const backend = filter?.type === 'RequestMirror' ? result.table.backends[filter.backend] : undefined;
    assert.deepEqual(backend, {
      namespace: 'default',
      service: 'mirror.example.net',
      protocol: 'HTTPS',
      endpoints: [{ address: 'mirror.example.net', port: 8443 }],
      balancer: { type: 'RoundRobin' },
      external: true,
    });
  });

  test('a missing Service is reported and nothing is mirrored', () => {
    const result = run(objects('http://gone.default'));
    assert.deepEqual(result.table.hosts[0].routes[0].filters, []);
    assert.deepEqual(reasons(result), [`Ingress default/app ${field('mirror-target')} ServiceNotFound`]);
  });
});
