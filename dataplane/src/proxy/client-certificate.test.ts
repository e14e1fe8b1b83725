// nginx ssl_verify_client / ssl_verify_depth verdicts and the ssl-client-* header values
// (ngx_http_ssl_module: $ssl_client_verify is SUCCESS, FAILED:reason or NONE; $ssl_client_s_dn in
// RFC 2253 form), on fake peers: the real handshakes are in test/integration/client-certificates.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import {
  clientHeaders,
  compileClientCertificate,
  distinguishedName,
  subjectMatches,
  verifyClient,
} from './client-certificate.ts';

/** A chain leaf → intermediates → self-issued root, as getPeerCertificate(true) links it. */
function chain(intermediates: number): DetailedPeerCertificate {
  const root = { subject: { CN: 'root' }, raw: Buffer.from('r') } as unknown as DetailedPeerCertificate;
  root.issuerCertificate = root;
  let at = root;
  for (let i = 0; i < intermediates; i++) {
    at = {
      subject: { CN: `i${i}` },
      raw: Buffer.from('i'),
      issuerCertificate: at,
    } as DetailedPeerCertificate;
  }
  return { subject: { CN: 'leaf' }, raw: Buffer.from('l'), issuerCertificate: at } as DetailedPeerCertificate;
}

function peer(certificate: object, authorized: boolean, error?: string): TLSSocket {
  return {
    getPeerCertificate: () => certificate,
    authorized,
    authorizationError: error,
  } as unknown as TLSSocket;
}

describe('verifyClient', () => {
  it('no TLS, or no certificate sent: NONE', () => {
    assert.equal(verifyClient(undefined, 1).verify, 'NONE');
    assert.equal(verifyClient(peer({}, false), 1).verify, 'NONE');
  });

  it("OpenSSL's refusal is FAILED with its reason", () => {
    assert.equal(
      verifyClient(peer(chain(0), false, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), 1).verify,
      'FAILED:UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    );
  });

  it('ssl_verify_depth counts the intermediates between the client certificate and the CA', () => {
    assert.equal(verifyClient(peer(chain(0), true), 1).verify, 'SUCCESS');
    assert.equal(verifyClient(peer(chain(1), true), 1).verify, 'SUCCESS');
    assert.equal(verifyClient(peer(chain(2), true), 1).verify, 'FAILED:certificate chain too long');
    assert.equal(verifyClient(peer(chain(2), true), 2).verify, 'SUCCESS');
  });
});

describe('the ssl-client-* values', () => {
  it('DNs in RFC 2253 order, most specific first, with its special characters escaped', () => {
    assert.equal(
      distinguishedName({ C: 'DE', O: 'Acme, Inc.', CN: 'alice' }),
      'CN=alice,O=Acme\\, Inc.,C=DE',
    );
    assert.equal(distinguishedName({ OU: ['a', 'b'], CN: '#x' }), 'CN=\\#x,OU=b,OU=a');
    assert.equal(distinguishedName(undefined), '');
  });

  it('the certificate is sent only with pass-certificate-to-upstream, as URL-escaped PEM', () => {
    const verdict = { verify: 'SUCCESS', certificate: chain(0) };
    assert.deepEqual(
      clientHeaders(verdict, false).filter((_, i) => i % 2 === 0),
      ['ssl-client-verify', 'ssl-client-subject-dn', 'ssl-client-issuer-dn'],
    );
    const withCert = clientHeaders(verdict, true);
    assert.equal(withCert[6], 'ssl-client-cert');
    assert.match(withCert[7] ?? '', /^-----BEGIN%20CERTIFICATE-----%0A/);
  });
});

describe('auth-tls-match-cn', () => {
  it("is searched anywhere in the subject DN, as nginx's `!~`", () => {
    const auth = compileClientCertificate({
      caPem: 'x',
      verify: 'on',
      depth: 1,
      passCertificate: false,
      matchCN: 'CN=client',
    });
    assert.ok(auth?.matchCN);
    assert.equal(subjectMatches(auth.matchCN, 'O=Acme,CN=client.test'), true);
    assert.equal(subjectMatches(auth.matchCN, 'CN=other,O=Acme'), false);
  });

  it('a missing CA or a pattern RE2 refuses is broken: the stage answers 503', () => {
    assert.equal(compileClientCertificate({ verify: 'on', depth: 1, passCertificate: false })?.broken, true);
    assert.equal(
      compileClientCertificate({
        caPem: 'x',
        verify: 'on',
        depth: 1,
        passCertificate: false,
        matchCN: 'CN=(?=a)',
      })?.broken,
      true,
    );
  });
});
