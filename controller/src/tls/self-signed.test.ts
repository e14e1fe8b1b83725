import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createSecureContext } from 'node:tls';
import { DEFAULT_CERTIFICATE_NAME, selfSignedCertificate, serialNumber } from './self-signed.ts';

test('the default certificate names gatehouse.invalid, is signed by its own key and holds its key', () => {
  const { certPem, keyPem } = selfSignedCertificate();
  const x509 = new X509Certificate(certPem);
  assert.equal(x509.subjectAltName, `DNS:${DEFAULT_CERTIFICATE_NAME}`);
  assert.match(x509.subject, /CN=gatehouse\.invalid/);
  assert.equal(x509.subject, x509.issuer);
  assert.equal(x509.verify(x509.publicKey), true);
  assert.equal(x509.checkPrivateKey(createPrivateKey(keyPem)), true);
  assert.equal(x509.ca, false);
  assert.deepEqual(x509.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.doesNotThrow(() => createSecureContext({ cert: certPem, key: keyPem }));
});

test('validity runs from an hour before `now` for validDays; dates past 2049 use GeneralizedTime', () => {
  const cases: Array<[string, number]> = [
    ['2026-11-25T08:00:00Z', 365],
    ['2049-12-31T12:00:00Z', 2],
  ];
  for (const [now, days] of cases) {
    const x509 = new X509Certificate(selfSignedCertificate({ now: new Date(now), validDays: days }).certPem);
    assert.equal(x509.validFromDate.getTime(), new Date(now).getTime() - 3_600_000, now);
    assert.equal(x509.validToDate.getTime(), new Date(now).getTime() + days * 86_400_000, now);
  }
});

test('a serial is positive and minimal DER whatever the random bytes', () => {
  for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
    const serial = serialNumber(Buffer.from([first, 0x00, 0x12]));
    assert.ok(serial[0] >= 1 && serial[0] <= 0x7f, `first byte ${first} -> ${serial[0]}`);
    assert.equal(serial.length, 3);
  }
});

test('every DNS name given is a subjectAltName, wildcards included; serials differ', () => {
  const a = new X509Certificate(
    selfSignedCertificate({ dnsNames: ['shop.example.com', '*.example.org'] }).certPem,
  );
  const b = new X509Certificate(selfSignedCertificate({ dnsNames: ['shop.example.com'] }).certPem);
  assert.equal(a.subjectAltName, 'DNS:shop.example.com, DNS:*.example.org');
  assert.equal(a.checkHost('x.example.org'), '*.example.org');
  assert.notEqual(a.serialNumber, b.serialNumber);
});
