// ingress-nginx annotations.md#backend-certificate-authentication, #service-upstream,
// #proxy-http-version, #connection-proxy-header, #enable-access-log; parsers in
// internal/ingress/annotations/{proxyssl,serviceupstream,proxy,connection,log}/main.go and
// test/e2e/annotations/proxyssl.go (the Secret holds tls.crt, tls.key and ca.crt).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Secret } from '../../snapshot.ts';
import { ingress, PEM, ready, reasons, rule, run, service, slice, tlsSecret } from '../testkit.ts';
import { parsed } from './testing.ts';

type Case = [name: string, values: Record<string, string>, expected: unknown, invalid?: string[]];
const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;

describe('proxy-ssl-* parsing (proxyssl/main.go)', () => {
  const cases: Case[] = [
    ['absent', {}, undefined],
    [
      'secret of the own namespace',
      { 'proxy-ssl-secret': 'ns/ca' },
      { tls: { verify: false }, secret: { namespace: 'ns', name: 'ca' } },
    ],
    [
      'secret of another namespace is denied',
      { 'proxy-ssl-secret': 'other/ca' },
      { tls: { verify: false }, denied: 'cross' },
    ],
    [
      'a bare name is denied (ParseNameNS)',
      { 'proxy-ssl-secret': 'ca' },
      { tls: { verify: false }, denied: 'form' },
    ],
    ['verify on', { 'proxy-ssl-verify': 'on' }, { tls: { verify: true } }],
    ['verify off', { 'proxy-ssl-verify': 'off' }, undefined],
    ['verify invalid → off', { 'proxy-ssl-verify': 'yes' }, undefined, [field('proxy-ssl-verify')]],
    [
      'name is SNI and verify name',
      { 'proxy-ssl-name': 'Web.Internal' },
      { tls: { verify: false, serverName: 'web.internal' } },
    ],
    ['name invalid', { 'proxy-ssl-name': 'a b' }, undefined, [field('proxy-ssl-name')]],
    [
      'protocols 1.2 only',
      { 'proxy-ssl-protocols': 'TLSv1.2' },
      { tls: { verify: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } },
    ],
    [
      'protocols 1.3 only',
      { 'proxy-ssl-protocols': 'TLSv1.3' },
      { tls: { verify: false, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } },
    ],
    [
      'protocols both, any order',
      { 'proxy-ssl-protocols': 'TLSv1.3 TLSv1.2' },
      { tls: { verify: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' } },
    ],
    [
      'protocols TLSv1.1 refused',
      { 'proxy-ssl-protocols': 'TLSv1.1' },
      undefined,
      [field('proxy-ssl-protocols')],
    ],
    [
      'verify depth validated',
      { 'proxy-ssl-verify-depth': 'x' },
      undefined,
      [field('proxy-ssl-verify-depth')],
    ],
    [
      'server-name validated',
      { 'proxy-ssl-server-name': 'maybe' },
      undefined,
      [field('proxy-ssl-server-name')],
    ],
    ['ciphers validated', { 'proxy-ssl-ciphers': 'A B' }, undefined, [field('proxy-ssl-ciphers')]],
    ['ciphers accepted', { 'proxy-ssl-ciphers': 'HIGH:!aNULL' }, undefined],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      const request = result.proxySsl;
      const shown =
        request?.denied === undefined
          ? request
          : { ...request, denied: request.denied.includes('another namespace') ? 'cross' : 'form' };
      assert.deepEqual(shown, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

describe('service-upstream, proxy-http-version, connection-proxy-header, enable-access-log', () => {
  const cases: Case[] = [
    ['service-upstream true', { 'service-upstream': 'true' }, { serviceUpstream: true }],
    ['service-upstream false', { 'service-upstream': 'false' }, {}],
    ['service-upstream invalid', { 'service-upstream': 'yes' }, {}, [field('service-upstream')]],
    ['proxy-http-version 1.0 validated only', { 'proxy-http-version': '1.0' }, {}],
    ['proxy-http-version 2 invalid', { 'proxy-http-version': '2' }, {}, [field('proxy-http-version')]],
    ['connection-proxy-header close validated only', { 'connection-proxy-header': 'close' }, {}],
    [
      'connection-proxy-header other invalid',
      { 'connection-proxy-header': 'upgrade' },
      {},
      [field('connection-proxy-header')],
    ],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.deepEqual(result.backend, expected);
      assert.deepEqual(got, invalid);
    });
  }
  const logs: Case[] = [
    ['access log default', {}, undefined],
    ['enable-access-log false', { 'enable-access-log': 'false' }, false],
    ['enable-access-log true', { 'enable-access-log': 'true' }, undefined],
    ['enable-access-log invalid', { 'enable-access-log': 'no' }, undefined, [field('enable-access-log')]],
  ];
  for (const [name, values, expected, invalid = []] of logs) {
    test(name, () => {
      const { result, invalid: got } = parsed(values);
      assert.equal(result.route.accessLog, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

const CA_SECRET = (name: string, ca?: string, namespace = 'default'): Secret => {
  const secret = tlsSecret(name, { namespace });
  if (ca !== undefined) secret.data = { ...secret.data, 'ca.crt': Buffer.from(ca).toString('base64') };
  return secret;
};

function httpsIngress(annotations: Record<string, string>) {
  return ingress(
    'app',
    { rules: [rule('app.example.com', ['/'], 'web', 443)] },
    {
      annotations: {
        'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
        ...Object.fromEntries(
          Object.entries(annotations).map(([k, v]) => [`nginx.ingress.kubernetes.io/${k}`, v]),
        ),
      },
    },
  );
}
const web = service('web', [{ name: 'https', port: 443 }]);
const slices = [slice('web-1', 'web', [{ name: 'https', port: 8443 }], [ready('10.0.0.1')])];

describe('proxy-ssl-secret through translation', () => {
  test('ca.crt verifies the backend; tls.crt/tls.key are the client certificate in the table', () => {
    const result = run({
      ingresses: [
        httpsIngress({
          'proxy-ssl-secret': 'default/upstream-ca',
          'proxy-ssl-verify': 'on',
          'proxy-ssl-name': 'web.internal',
        }),
      ],
      services: [web],
      endpointSlices: slices,
      secrets: [CA_SECRET('upstream-ca', PEM.defaultCert)],
    });
    assert.deepEqual(reasons(result), []);
    const [backend] = Object.values(result.table.backends);
    assert.deepEqual(backend?.tls, {
      verify: true,
      serverName: 'web.internal',
      caPem: PEM.defaultCert,
      clientCertificate: 'secret/default/upstream-ca',
    });
    assert.equal(result.table.certificates['secret/default/upstream-ca']?.certPem, PEM.exampleCert);
    assert.equal(result.table.hosts[0]?.routes[0]?.backends.length, 1);
  });

  const denied: Array<[string, Record<string, string>, Secret[]]> = [
    ['a missing Secret', { 'proxy-ssl-secret': 'default/absent', 'proxy-ssl-verify': 'on' }, []],
    [
      'another namespace',
      { 'proxy-ssl-secret': 'other/upstream-ca' },
      [CA_SECRET('upstream-ca', PEM.defaultCert, 'other')],
    ],
    [
      'a ca.crt that is no certificate',
      { 'proxy-ssl-secret': 'default/upstream-ca' },
      [CA_SECRET('upstream-ca', 'junk')],
    ],
    [
      'an Opaque Secret',
      { 'proxy-ssl-secret': 'default/upstream-ca' },
      [{ ...CA_SECRET('upstream-ca', PEM.defaultCert), type: 'Opaque' }],
    ],
  ];
  for (const [name, annotations, secrets] of denied) {
    test(`${name}: the routes answer 503 with a diagnostic, never unverified`, () => {
      const result = run({
        ingresses: [httpsIngress(annotations)],
        services: [web],
        endpointSlices: slices,
        secrets,
      });
      assert.ok(
        reasons(result).includes(`Ingress default/app ${field('proxy-ssl-secret')} InvalidProxySsl`),
        reasons(result).join('\n'),
      );
      assert.deepEqual(result.table.hosts[0]?.routes[0]?.backends, []);
      assert.deepEqual(Object.keys(result.table.certificates), []);
    });
  }

  test('verify on without a Secret verifies against the system roots', () => {
    const result = run({
      ingresses: [httpsIngress({ 'proxy-ssl-verify': 'on' })],
      services: [web],
      endpointSlices: slices,
    });
    assert.deepEqual(Object.values(result.table.backends)[0]?.tls, { verify: true });
  });
});

describe('service-upstream through translation', () => {
  const withIp = { ...web, spec: { ...web.spec, clusterIP: '10.96.0.10' } };
  test('true: one endpoint, the ClusterIP and the Service port', () => {
    const result = run({
      ingresses: [httpsIngress({ 'service-upstream': 'true' })],
      services: [withIp],
      endpointSlices: slices,
    });
    assert.deepEqual(Object.values(result.table.backends)[0]?.endpoints, [
      { address: '10.96.0.10', port: 443 },
    ]);
  });
  test('headless (clusterIP None): the endpoints, as ingress-nginx falls back', () => {
    const result = run({
      ingresses: [httpsIngress({ 'service-upstream': 'true' })],
      services: [{ ...web, spec: { ...web.spec, clusterIP: 'None' } }],
      endpointSlices: slices,
    });
    assert.deepEqual(Object.values(result.table.backends)[0]?.endpoints, [
      { address: '10.0.0.1', port: 8443 },
    ]);
  });
  test('absent: the endpoints', () => {
    const result = run({ ingresses: [httpsIngress({})], services: [withIp], endpointSlices: slices });
    assert.deepEqual(Object.values(result.table.backends)[0]?.endpoints, [
      { address: '10.0.0.1', port: 8443 },
    ]);
  });
});

describe('enable-access-log through translation', () => {
  test('"false" marks the routes', () => {
    const result = run({
      ingresses: [httpsIngress({ 'enable-access-log': 'false' })],
      services: [web],
      endpointSlices: slices,
    });
    assert.equal(result.table.hosts[0]?.routes[0]?.accessLog, false);
  });
});
