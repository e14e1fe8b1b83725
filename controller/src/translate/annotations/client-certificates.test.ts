// ingress-nginx annotations.md "Client Certificate Authentication"; internal/ingress/annotations/
// authtls/main.go (auth-tls-secret `namespace/name` (k8s.ParseNameNS) and its ca.crt, else
// LocationDenied; verify-client on|off|optional|optional_no_ca, default on; verify-depth default 1,
// 0 is the default; pass-certificate-to-upstream default false; match-cn kept only with "CN=");
// nginx.tmpl's server block (ssl_verify_client per server, error_page 495 496, the first Ingress of
// the host sets it); test/e2e/annotations/authtls.go.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Secret } from '../../snapshot.ts';
import { ingress, reasons, rule, run, service } from '../testkit.ts';

const P = 'nginx.ingress.kubernetes.io';
const CA = readFileSync(new URL('testdata/client-ca.crt', import.meta.url), 'utf8');

function secret(name: string, data: Record<string, string>, namespace = 'default', type = 'Opaque'): Secret {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type, data: encoded };
}
const caSecret = secret('ca', { 'ca.crt': CA });

function translateWith(
  annotations: Record<string, string>,
  secrets: Secret[] = [caSecret],
  others: ReturnType<typeof ingress>[] = [],
) {
  const withPrefix = (a: Record<string, string>) =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [`${P}/${k}`, v]));
  const result = run({
    ingresses: [
      ingress(
        'app',
        { rules: [rule('app.example.com', ['/'])] },
        { annotations: withPrefix(annotations), created: '2020-01-01T00:00:00Z' },
      ),
      ...others,
    ],
    services: [service('web', [{ port: 80 }])],
    secrets,
  });
  const host = result.table.hosts.find((h) => h.host === 'app.example.com')!;
  return {
    result,
    host,
    closed: host.routes.every((r) => r.backends.length === 0 && r.filters.length === 0),
  };
}

describe('auth-tls-* through translation', () => {
  test('auth-tls-secret alone: verify on, depth 1, no certificate upstream, the CA from ca.crt', () => {
    const { result, host } = translateWith({ 'auth-tls-secret': 'default/ca' });
    assert.deepEqual(reasons(result), []);
    assert.deepEqual(host.clientCertificate, { verify: 'on', depth: 1, passCertificate: false, caPem: CA });
  });

  test('every setting as written', () => {
    const { result, host } = translateWith({
      'auth-tls-secret': 'default/ca',
      'auth-tls-verify-client': 'optional_no_ca',
      'auth-tls-verify-depth': '3',
      'auth-tls-error-page': 'https://errors.example/cert',
      'auth-tls-pass-certificate-to-upstream': 'true',
      'auth-tls-match-cn': 'CN=(alice|bob)',
    });
    assert.deepEqual(reasons(result), []);
    assert.deepEqual(host.clientCertificate, {
      verify: 'optional_no_ca',
      depth: 3,
      passCertificate: true,
      errorPage: 'https://errors.example/cert',
      matchCN: 'CN=(alice|bob)',
      caPem: CA,
    });
  });

  test('a kubernetes.io/tls Secret with ca.crt serves as well (resolver GetAuthCertificate reads any type)', () => {
    const tls = secret('ca', { 'ca.crt': CA, 'tls.crt': CA, 'tls.key': 'x' }, 'default', 'kubernetes.io/tls');
    assert.equal(translateWith({ 'auth-tls-secret': 'default/ca' }, [tls]).host.clientCertificate?.caPem, CA);
  });

  test('invalid values fall back to the defaults with a Warning: verify-client on, depth 1; depth 0 is the default silently', () => {
    const { result, host } = translateWith({
      'auth-tls-secret': 'default/ca',
      'auth-tls-verify-client': 'sometimes',
      'auth-tls-verify-depth': 'deep',
      'auth-tls-error-page': '/local/path',
      'auth-tls-match-cn': 'alice',
    });
    assert.equal(host.clientCertificate?.verify, 'on');
    assert.equal(host.clientCertificate?.depth, 1);
    assert.equal(host.clientCertificate?.errorPage, undefined);
    assert.equal(host.clientCertificate?.matchCN, undefined);
    assert.deepEqual(
      reasons(result).map((r) => r.split(' ').at(-1)),
      ['InvalidAnnotation', 'InvalidAnnotation', 'InvalidAnnotation', 'InvalidAnnotation'],
    );
    assert.equal(
      translateWith({ 'auth-tls-secret': 'default/ca', 'auth-tls-verify-depth': '0' }).host.clientCertificate
        ?.depth,
      1,
    );
  });

  test('off is kept: no certificate is asked for, the ssl-client-* headers still say NONE', () => {
    assert.equal(
      translateWith({ 'auth-tls-secret': 'default/ca', 'auth-tls-verify-client': 'off' }).host
        .clientCertificate?.verify,
      'off',
    );
  });

  const closedCases: Array<[string, Record<string, string>, Secret[], string]> = [
    [
      'a bare name (ParseNameNS needs namespace/name)',
      { 'auth-tls-secret': 'ca' },
      [caSecret],
      'InvalidAccessAnnotation',
    ],
    [
      'another namespace',
      { 'auth-tls-secret': 'other/ca' },
      [secret('ca', { 'ca.crt': CA }, 'other')],
      'InvalidAccessAnnotation',
    ],
    [
      'a match-cn RE2 refuses',
      { 'auth-tls-secret': 'default/ca', 'auth-tls-match-cn': 'CN=(?=x)' },
      [caSecret],
      'InvalidAccessAnnotation',
    ],
    ['a missing Secret', { 'auth-tls-secret': 'default/ca' }, [], 'InvalidAuthTlsSecret'],
    [
      'a Secret without ca.crt',
      { 'auth-tls-secret': 'default/ca' },
      [secret('ca', { other: CA })],
      'InvalidAuthTlsSecret',
    ],
    [
      'a ca.crt that is no certificate',
      { 'auth-tls-secret': 'default/ca' },
      [secret('ca', { 'ca.crt': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' })],
      'InvalidAuthTlsSecret',
    ],
  ];
  for (const [name, annotations, secrets, reason] of closedCases) {
    test(`${name}: the Ingress answers 503 (LocationDenied), never open`, () => {
      const { result, closed } = translateWith(annotations, secrets);
      assert.equal(closed, true);
      assert.ok(
        reasons(result).some((r) => r.endsWith(reason)),
        reasons(result).join('\n'),
      );
    });
  }

  test('a CA that cannot be read leaves the host asking without a CA: every request of the host answers 503', () => {
    const { host } = translateWith({ 'auth-tls-secret': 'default/ca' }, []);
    assert.deepEqual(host.clientCertificate, { verify: 'on', depth: 1, passCertificate: false });
  });

  test("per host, as nginx.tmpl's server block: the oldest Ingress of the host sets it for every route of the host", () => {
    const younger = ingress(
      'younger',
      { rules: [rule('app.example.com', ['/other'])] },
      {
        created: '2021-01-01T00:00:00Z',
        annotations: { [`${P}/auth-tls-secret`]: 'default/ca', [`${P}/auth-tls-verify-client`]: 'optional' },
      },
    );
    const plain = ingress(
      'plain',
      { rules: [rule('app.example.com', ['/plain'])] },
      { created: '2022-01-01T00:00:00Z' },
    );
    const { host } = translateWith(
      { 'auth-tls-secret': 'default/ca', 'auth-tls-verify-depth': '2' },
      [caSecret],
      [younger, plain],
    );
    assert.equal(host.clientCertificate?.verify, 'on');
    assert.equal(host.clientCertificate?.depth, 2);
  });
});
