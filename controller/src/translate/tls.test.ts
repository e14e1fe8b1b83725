import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IngressTLS, Secret } from '../snapshot.ts';
import { hostOf, ingress, PEM, reasons, rule, run, service, tlsSecret } from './testkit.ts';

const KEY = 'secret/default/example-tls';

/** One Ingress with rules for `hosts` and the given tls entries. */
function tlsRun(
  tls: IngressTLS[],
  secrets: Secret[],
  options: { now?: Date; defaultSslCertificate?: string } = {},
  hosts = ['example.com'],
) {
  return run(
    {
      ingresses: [ingress('app', { tls, rules: hosts.map((h) => rule(h, ['/'])) })],
      services: [service('web')],
      secrets,
    },
    options,
  );
}

describe('TLS from spec.tls Secrets', () => {
  it('a valid kubernetes.io/tls Secret gives its hosts the certificate with an HTTP→HTTPS redirect', () => {
    const result = tlsRun(
      [{ hosts: ['Example.com'], secretName: 'example-tls' }],
      [tlsSecret('example-tls')],
    );
    assert.deepEqual(hostOf(result, 'example.com').tls, { certificate: KEY, redirect: true });
    assert.deepEqual(result.table.certificates, {
      [KEY]: { certPem: PEM.exampleCert, keyPem: PEM.exampleKey, source: KEY },
    });
    assert.deepEqual(result.diagnostics, []);
  });

  it('a wildcard host is covered by a *.example.com certificate', () => {
    const result = tlsRun(
      [{ hosts: ['*.example.com'], secretName: 'example-tls' }],
      [tlsSecret('example-tls')],
      {},
      ['*.example.com'],
    );
    assert.deepEqual(hostOf(result, '*.example.com').tls, { certificate: KEY, redirect: true });
  });

  const refused: Array<[string, IngressTLS, Secret[], string]> = [
    [
      'a missing Secret is SecretNotFound; the host serves plain HTTP without redirect',
      { hosts: ['example.com'], secretName: 'example-tls' },
      [],
      'spec.tls[0].secretName SecretNotFound',
    ],
    [
      'a Secret in another namespace is never used',
      { hosts: ['example.com'], secretName: 'example-tls' },
      [tlsSecret('example-tls', { namespace: 'other' })],
      'spec.tls[0].secretName SecretNotFound',
    ],
    [
      'a namespace/name secretName is refused (cross-namespace reference)',
      { hosts: ['example.com'], secretName: 'other/example-tls' },
      [tlsSecret('example-tls', { namespace: 'other' })],
      'spec.tls[0].secretName InvalidSecretName',
    ],
    [
      'a Secret of another type is refused',
      { hosts: ['example.com'], secretName: 'example-tls' },
      [tlsSecret('example-tls', { type: 'Opaque' })],
      'spec.tls[0].secretName InvalidSecretType',
    ],
    [
      'a key that does not belong to the certificate is refused',
      { hosts: ['example.com'], secretName: 'example-tls' },
      [tlsSecret('example-tls', { key: PEM.otherKey })],
      'spec.tls[0].secretName CertificateKeyMismatch',
    ],
    [
      'a tls.crt that is not a PEM certificate is refused',
      { hosts: ['example.com'], secretName: 'example-tls' },
      [tlsSecret('example-tls', { cert: 'not a certificate' })],
      'spec.tls[0].secretName InvalidCertificate',
    ],
    [
      'a corrupt PEM certificate is refused',
      { hosts: ['example.com'], secretName: 'example-tls' },
      [tlsSecret('example-tls', { cert: PEM.exampleCert.replace(/[A-Za-z]{20}/, 'x') })],
      'spec.tls[0].secretName InvalidCertificate',
    ],
    [
      'a Secret without tls.key is refused',
      { hosts: ['example.com'], secretName: 'example-tls' },
      [{ ...tlsSecret('example-tls'), data: { 'tls.crt': Buffer.from(PEM.exampleCert).toString('base64') } }],
      'spec.tls[0].secretName InvalidCertificate',
    ],
    [
      'a certificate that does not cover the host is not used (TLSHostMismatch)',
      { hosts: ['shop.example.org'], secretName: 'example-tls' },
      [tlsSecret('example-tls')],
      'spec.tls[0].hosts[0] TLSHostMismatch',
    ],
    [
      'a *.example.com certificate does not cover two extra labels',
      { hosts: ['a.b.example.com'], secretName: 'example-tls' },
      [tlsSecret('example-tls')],
      'spec.tls[0].hosts[0] TLSHostMismatch',
    ],
  ];
  for (const [name, entry, secrets, reason] of refused) {
    it(name, () => {
      const host = entry.hosts?.[0] ?? 'example.com';
      const result = tlsRun([entry], secrets, {}, [host]);
      assert.equal(hostOf(result, host).tls, undefined);
      assert.deepEqual(result.table.certificates, {});
      assert.deepEqual(reasons(result), [`Ingress default/app ${reason}`]);
    });
  }

  it('an expired certificate is refused when `now` is given', () => {
    const result = tlsRun(
      [{ hosts: ['example.com'], secretName: 'example-tls' }],
      [tlsSecret('example-tls')],
      { now: new Date('2200-01-01T00:00:00Z') },
    );
    assert.deepEqual(reasons(result), ['Ingress default/app spec.tls[0].secretName CertificateExpired']);
    assert.equal(hostOf(result, 'example.com').tls, undefined);
  });

  it('a certificate not yet valid is refused when `now` is given', () => {
    const result = tlsRun(
      [{ hosts: ['example.com'], secretName: 'example-tls' }],
      [tlsSecret('example-tls')],
      { now: new Date('2000-01-01T00:00:00Z') },
    );
    assert.deepEqual(reasons(result), ['Ingress default/app spec.tls[0].secretName CertificateNotYetValid']);
  });

  it('validity dates are not checked without `now`', () => {
    const result = tlsRun(
      [{ hosts: ['example.com'], secretName: 'example-tls' }],
      [tlsSecret('example-tls')],
    );
    assert.deepEqual(result.diagnostics, []);
  });

  it("a tls entry without hosts applies to the Ingress's rule hosts its certificate covers", () => {
    const result = tlsRun([{ secretName: 'example-tls' }], [tlsSecret('example-tls')], {}, [
      'example.com',
      'a.example.com',
      'shop.example.org',
    ]);
    assert.deepEqual(hostOf(result, 'example.com').tls, { certificate: KEY, redirect: true });
    assert.deepEqual(hostOf(result, 'a.example.com').tls, { certificate: KEY, redirect: true });
    assert.equal(hostOf(result, 'shop.example.org').tls, undefined);
    assert.equal(result.table.defaultCertificate, undefined, 'it does not become the default certificate');
  });

  it('a tls host that no rule of the Ingress names creates no host entry and no certificate', () => {
    const result = tlsRun(
      [{ hosts: ['other.example.com'], secretName: 'example-tls' }],
      [tlsSecret('example-tls')],
    );
    assert.deepEqual(
      result.table.hosts.map((h) => h.host),
      ['example.com'],
    );
    assert.deepEqual(result.table.certificates, {});
  });

  it('an Ingress cannot set TLS for a host that only another Ingress routes', () => {
    const result = run({
      ingresses: [
        ingress('routes', { rules: [rule('example.com', ['/'])] }),
        ingress('claims-tls', {
          tls: [{ hosts: ['example.com'], secretName: 'example-tls' }],
          rules: [rule('x.example.com', ['/'])],
        }),
      ],
      services: [service('web')],
      secrets: [tlsSecret('example-tls')],
    });
    assert.equal(hostOf(result, 'example.com').tls, undefined);
  });

  it('--default-ssl-certificate becomes the default certificate', () => {
    const secret = tlsSecret('fallback-cert', {
      namespace: 'infra',
      cert: PEM.defaultCert,
      key: PEM.defaultKey,
    });
    const result = tlsRun([], [secret], { defaultSslCertificate: 'infra/fallback-cert' });
    assert.equal(result.table.defaultCertificate, 'secret/infra/fallback-cert');
    assert.equal(result.table.certificates['secret/infra/fallback-cert'].certPem, PEM.defaultCert);
    assert.equal(hostOf(result, 'example.com').tls, undefined, 'hosts that ask for no TLS get none');
  });

  it('a host whose Secret is unusable gets the default certificate without redirect', () => {
    const secret = tlsSecret('fallback-cert', {
      namespace: 'infra',
      cert: PEM.defaultCert,
      key: PEM.defaultKey,
    });
    const result = tlsRun([{ hosts: ['example.com'], secretName: 'missing' }], [secret], {
      defaultSslCertificate: 'infra/fallback-cert',
    });
    assert.deepEqual(hostOf(result, 'example.com').tls, {
      certificate: 'secret/infra/fallback-cert',
      redirect: false,
    });
    assert.deepEqual(reasons(result), ['Ingress default/app spec.tls[0].secretName SecretNotFound']);
  });

  it('a tls entry without secretName uses the default certificate, without diagnostic', () => {
    const secret = tlsSecret('fallback-cert', {
      namespace: 'infra',
      cert: PEM.defaultCert,
      key: PEM.defaultKey,
    });
    const result = tlsRun([{ hosts: ['example.com'] }], [secret], {
      defaultSslCertificate: 'infra/fallback-cert',
    });
    assert.deepEqual(hostOf(result, 'example.com').tls, {
      certificate: 'secret/infra/fallback-cert',
      redirect: false,
    });
    assert.deepEqual(result.diagnostics, []);
  });

  it('an unusable --default-ssl-certificate is a diagnostic on the flag', () => {
    const result = tlsRun([], [tlsSecret('bad', { namespace: 'infra', key: PEM.otherKey })], {
      defaultSslCertificate: 'infra/bad',
    });
    assert.deepEqual(reasons(result), ['Flag /--default-ssl-certificate - CertificateKeyMismatch']);
    assert.equal(result.table.defaultCertificate, undefined);
  });

  it('two Ingresses giving one host different certificates: the oldest wins, the other gets TLSConflict', () => {
    const second = tlsSecret('second-tls');
    const result = run({
      ingresses: [
        ingress(
          'young',
          {
            tls: [{ hosts: ['example.com'], secretName: 'second-tls' }],
            rules: [rule('example.com', ['/b'])],
          },
          { created: '2026-06-01T00:00:00Z' },
        ),
        ingress(
          'old',
          {
            tls: [{ hosts: ['example.com'], secretName: 'example-tls' }],
            rules: [rule('example.com', ['/a'])],
          },
          { created: '2026-05-01T00:00:00Z' },
        ),
      ],
      services: [service('web')],
      secrets: [tlsSecret('example-tls'), second],
    });
    assert.deepEqual(hostOf(result, 'example.com').tls, { certificate: KEY, redirect: true });
    assert.deepEqual(Object.keys(result.table.certificates), [KEY]);
    assert.deepEqual(reasons(result), ['Ingress default/young spec.tls[0].hosts[0] TLSConflict']);
  });

  it('a Secret name too long for a table certificate key is refused, not passed on', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}`;
    const result = tlsRun([{ hosts: ['example.com'], secretName: name }], [tlsSecret(name)]);
    assert.deepEqual(reasons(result), ['Ingress default/app spec.tls[0].secretName InvalidSecretName']);
  });

  it('a malformed --default-ssl-certificate is a diagnostic on the flag', () => {
    const result = tlsRun([], [], { defaultSslCertificate: 'Not_A_Namespace/x' });
    assert.deepEqual(reasons(result), ['Flag /--default-ssl-certificate - InvalidFlag']);
  });

  it('an invalid tls host is a diagnostic', () => {
    const result = tlsRun([{ hosts: ['bad host'], secretName: 'example-tls' }], [tlsSecret('example-tls')]);
    assert.deepEqual(reasons(result), ['Ingress default/app spec.tls[0].hosts[0] InvalidHost']);
  });
});
