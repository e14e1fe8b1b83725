// TLS from a kubernetes.io/tls Secret: the HTTPS listener presents the Secret's certificate for the
// Ingress's host (by SNI), a rotated Secret is presented without a restart, and a Secret created
// after its Ingress is picked up. Secrets nothing of ours references sit beside them: the access
// scenario checks in the audit log that the replicas never asked for them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { waitFor } from '../../lib/wait.ts';
import { suite } from '../context.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { createService } from '../lib.ts';
import { ingress, tlsSecret } from '../objects.ts';

interface Pem {
  cert: string;
  key: string;
}

/** A CA and leaf certificates for `host`, made by openssl in a temporary directory. */
function makeCertificates(host: string, leaves: number): { ca: string; leaves: Pem[] } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-tls-'));
  const ossl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ossl(
      'req',
      '-x509',
      ...ec,
      '-days',
      '2',
      '-subj',
      '/CN=gatehouse-e2e-tls-ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    );
    writeFileSync(
      join(dir, 'leaf.ext'),
      `basicConstraints=CA:FALSE\nsubjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`,
    );
    const made: Pem[] = [];
    for (let i = 0; i < leaves; i++) {
      ossl('req', ...ec, '-subj', `/CN=${host}`, '-keyout', `${i}.key`, '-out', `${i}.csr`);
      ossl(
        'x509',
        '-req',
        '-in',
        `${i}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        'leaf.ext',
        '-out',
        `${i}.crt`,
      );
      made.push({
        cert: readFileSync(join(dir, `${i}.crt`), 'utf8'),
        key: readFileSync(join(dir, `${i}.key`), 'utf8'),
      });
    }
    return { ca: readFileSync(join(dir, 'ca.crt'), 'utf8'), leaves: made };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GET https://host/ through Gatehouse's HTTPS port with SNI, verifying against `ca`. */
function httpsGet(
  g: Gatehouse,
  host: string,
  ca: string,
): Promise<{ status: number; fingerprint: string; backend: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: g.httpsPort,
        path: '/',
        servername: host,
        ca,
        headers: { host },
        agent: false,
        timeout: 5000,
      },
      (res) => {
        const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => {
          let backend = '';
          try {
            backend = (JSON.parse(body) as { backend: string }).backend;
          } catch {}
          resolve({ status: res.statusCode ?? 0, fingerprint, backend });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * TLS Secrets no Ingress of ours references — one unreferenced, one referenced only by an Ingress of
 * another class — and an Opaque one: their names must never appear in a request of the replicas.
 */
export const UNREFERENCED_SECRETS = ['idle-cert', 'their-cert', 'db-password'];

export function tlsScenario(): void {
  describe('TLS from a Secret', () => {
    const host = 'secure.tls.test';
    let ns: string;
    let pki: ReturnType<typeof makeCertificates>;
    const fingerprint = (pem: Pem) => new X509Certificate(pem.cert).fingerprint256;

    before(async () => {
      const { admin, backends } = suite();
      pki = makeCertificates(host, 2);
      ns = await suite().newNamespace('tls');
      await createService(admin, ns, 'web', [backends[0].ip]);
      await admin.create(tlsSecret(ns, 'site-cert', pki.leaves[0].cert, pki.leaves[0].key));
      const [idle, theirs] = UNREFERENCED_SECRETS;
      await admin.create(tlsSecret(ns, idle, pki.leaves[1].cert, pki.leaves[1].key));
      await admin.create(tlsSecret(ns, theirs, pki.leaves[1].cert, pki.leaves[1].key));
      await admin.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: UNREFERENCED_SECRETS[2], namespace: ns },
        type: 'Opaque',
        data: { password: Buffer.from('hunter2').toString('base64') },
      });
      await admin.create(
        ingress(ns, 'theirs', 'theirs.tls.test', [{ path: '/', service: 'web' }], {
          className: 'someone-else',
          tls: [{ hosts: ['theirs.tls.test'], secretName: theirs }],
        }),
      );
      await admin.create(
        ingress(ns, 'secure', host, [{ path: '/', service: 'web' }], {
          tls: [{ hosts: [host], secretName: 'site-cert' }],
        }),
      );
    });

    test("the HTTPS listener presents the Secret's certificate for the Ingress host and proxies the request", async () => {
      const { gatehouse, backends } = suite();
      const answer = await waitFor(
        async () => {
          const a = await httpsGet(gatehouse, host, pki.ca);
          return a.fingerprint === fingerprint(pki.leaves[0]) && a;
        },
        { what: `the certificate of Secret site-cert on https://${host}`, timeoutMs: 20_000 },
      );
      assert.deepEqual([answer.status, answer.backend], [200, backends[0].name]);
    });

    test('a rotated Secret is presented to new connections without a restart', async () => {
      const { admin, gatehouse, measurements } = suite();
      const next = pki.leaves[1];
      await measurements.timeChange(
        'TLS Secret rotated',
        () =>
          admin.patch(tlsSecret(ns, 'site-cert', '', ''), tlsSecret(ns, 'site-cert', next.cert, next.key)),
        async () => (await httpsGet(gatehouse, host, pki.ca)).fingerprint === fingerprint(next),
      );
      const answer = await httpsGet(gatehouse, host, pki.ca);
      assert.equal(answer.status, 200);
    });

    test('a Secret created after the Ingress that names it is presented once it exists', async () => {
      const { admin, gatehouse } = suite();
      const late = 'late.tls.test';
      const latePki = makeCertificates(late, 1);
      await admin.create(
        ingress(ns, 'late', late, [{ path: '/', service: 'web' }], {
          tls: [{ hosts: [late], secretName: 'late-cert' }],
        }),
      );
      // Served meanwhile with the fallback certificate: not the one the Ingress asks for.
      await waitFor(async () => (await gatehouse.get(late)).status === 200, {
        what: `http://${late} routed`,
        timeoutMs: 20_000,
      });
      const leaf = latePki.leaves[0];
      await admin.create(tlsSecret(ns, 'late-cert', leaf.cert, leaf.key));
      await waitFor(
        async () => (await httpsGet(gatehouse, late, latePki.ca)).fingerprint === fingerprint(leaf),
        { what: `the certificate of Secret late-cert on https://${late}`, timeoutMs: 20_000 },
      );
    });
  });
}
