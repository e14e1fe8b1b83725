import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostRoutes, RouteTable } from '../table/types.ts';
import { makeTestCerts } from '../upstream/test-certs.ts';
import { CertificateContexts } from './contexts.ts';

// Certificates from openssl: the primary's self-signed generator lives in controller/, which the
// data plane never imports.
function certificate(name: string, source: string) {
  const { certPem, keyPem } = makeTestCerts(name);
  return { certPem, keyPem, source };
}

const shop = certificate('shop.example.com', 'secret/a/shop');
const wild = certificate('*.example.org', 'secret/a/wild');
const fallback = certificate('gatehouse.invalid', 'default');

function host(name: string, certificate?: string): HostRoutes {
  return { host: name, routes: [], ...(certificate ? { tls: { certificate, redirect: true } } : {}) };
}

function table(extra: Partial<RouteTable> = {}): RouteTable {
  return {
    version: 1,
    hosts: [host('shop.example.com', 'shop'), host('*.example.org', 'wild'), host('plain.example.net')],
    backends: {},
    certificates: { shop, wild },
    ...extra,
  };
}

function store(t: RouteTable = table()): CertificateContexts {
  const contexts = new CertificateContexts();
  contexts.setFallback(fallback);
  assert.deepEqual(contexts.update(t), []);
  return contexts;
}

test('SNI lookup: exact host, then a one-label wildcard, then the default', () => {
  const contexts = store();
  const exact = contexts.select('shop.example.com');
  const wildcard = contexts.select('a.example.org');
  const fallbackContext = contexts.select(undefined);
  assert.ok(exact && wildcard && fallbackContext);
  assert.notEqual(exact, wildcard);
  const cases: Array<[string | undefined, unknown]> = [
    ['shop.example.com', exact],
    ['SHOP.EXAMPLE.COM.', exact],
    ['a.example.org', wildcard],
    ['b.example.org', wildcard],
    ['a.b.example.org', fallbackContext],
    ['example.org', fallbackContext],
    ['plain.example.net', fallbackContext],
    ['unknown.test', fallbackContext],
    ['', fallbackContext],
  ];
  for (const [name, expected] of cases) assert.equal(contexts.select(name), expected, String(name));
  assert.equal(contexts.defaultCertificate, fallback);
});

test("the table's default certificate replaces the fallback", () => {
  const contexts = store(table({ defaultCertificate: 'shop' }));
  assert.equal(contexts.select('unknown.test'), contexts.select('shop.example.com'));
  assert.equal(contexts.defaultCertificate?.certPem, shop.certPem);
});

test('an unchanged certificate keeps its context across tables; a changed one gets a new context', () => {
  const contexts = store();
  const before = contexts.select('shop.example.com');
  const wildBefore = contexts.select('a.example.org');
  contexts.update({ ...table(), certificates: { shop: { ...shop }, wild } });
  assert.equal(contexts.select('shop.example.com'), before, 'same content, same context');
  const renewed = certificate('shop.example.com', 'secret/a/shop');
  contexts.update({ ...table(), certificates: { shop: renewed, wild } });
  assert.notEqual(contexts.select('shop.example.com'), before);
  assert.equal(contexts.select('a.example.org'), wildBefore);
});

test('a certificate that does not load is reported and its host falls back to the default', () => {
  const contexts = new CertificateContexts();
  contexts.setFallback(fallback);
  const broken = { certPem: 'not a certificate', keyPem: shop.keyPem, source: 'secret/a/broken' };
  const problems = contexts.update({ ...table(), certificates: { shop: broken, wild } });
  assert.equal(problems.length, 1);
  assert.equal(problems[0].certificate, 'shop');
  assert.equal(contexts.select('shop.example.com'), contexts.select(undefined));
  assert.notEqual(contexts.select('a.example.org'), contexts.select(undefined));
});

test('with no certificate at all the SNI callback fails the handshake instead of throwing', () => {
  const contexts = new CertificateContexts();
  assert.deepEqual(contexts.update({ hosts: [], certificates: {} }), []);
  let failed: Error | null = null;
  contexts.sniCallback('any.test', (error) => {
    failed = error;
  });
  assert.ok(failed);
});

test('a host with its own ciphers gets its own context; a list OpenSSL refuses keeps the default one', () => {
  const shared = { certificate: 'shop', redirect: true };
  const t = table({
    hosts: [
      { host: 'shop.example.com', routes: [], tls: shared },
      { host: 'strict.example.com', routes: [], tls: { ...shared, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' } },
      { host: 'order.example.com', routes: [], tls: { ...shared, preferServerCiphers: false } },
      { host: 'broken.example.com', routes: [], tls: { ...shared, ciphers: 'NO-SUCH-CIPHER' } },
    ],
  });
  const contexts = new CertificateContexts();
  const problems = contexts.update(t);
  assert.equal(problems.length, 1);
  assert.match(problems[0].certificate, /broken\.example\.com/);
  assert.match(problems[0].message, /cipher/i);
  const plain = contexts.select('shop.example.com');
  assert.ok(plain);
  assert.notEqual(contexts.select('strict.example.com'), plain);
  assert.notEqual(contexts.select('order.example.com'), plain);
  assert.equal(contexts.select('broken.example.com'), plain);
});

test('a host with client certificates (auth-tls) gets its own context that asks for one; off and other hosts never ask', () => {
  const { caPem } = makeTestCerts('client-ca.test');
  const asking = { verify: 'on', depth: 1, passCertificate: false, caPem } as const;
  const contexts = store(
    table({
      hosts: [
        { ...host('shop.example.com', 'shop'), clientCertificate: asking },
        { ...host('*.example.org', 'wild'), clientCertificate: { ...asking, verify: 'off' } },
      ],
    }),
  );
  const own = contexts.ownCipherContext('shop.example.com');
  assert.ok(own !== undefined);
  assert.equal(contexts.asksClientCertificate(own), true);
  assert.equal(contexts.hasOwnCiphers, true);
  assert.equal(contexts.ownCipherContext('a.example.org'), undefined);
  const plain = contexts.select('a.example.org');
  assert.ok(plain !== undefined);
  assert.equal(contexts.asksClientCertificate(plain), false);
});
