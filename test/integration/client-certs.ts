// Certificates for client-certificate tests, made with openssl at test time: a client CA and a
// client certificate it signed, a client certificate of an unrelated CA, and one server
// certificate naming every test host.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClientCerts {
  /** The CA auth-tls-secret names. */
  caPem: string;
  /** Signed by caPem: CN=client.test, O=Gatehouse Test. */
  client: { certPem: string; keyPem: string };
  /** Same subject, signed by another CA. */
  stranger: { certPem: string; keyPem: string };
  /** For the HTTPS listener: every name in `hosts`. */
  server: { certPem: string; keyPem: string };
}

export function makeClientCerts(hosts: string[]): ClientCerts {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-client-certs-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const ca = (name: string, subject: string) =>
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      subject,
    );
  const signed = (name: string, by: string, subject: string, ext: string) => {
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${by}.crt`,
      '-CAkey',
      `${by}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  try {
    ca('ca', '/CN=Gatehouse client CA');
    ca('other', '/CN=Other client CA');
    const clientExt = 'extendedKeyUsage=clientAuth\n';
    signed('client', 'ca', '/O=Gatehouse Test/CN=client.test', clientExt);
    signed('stranger', 'other', '/O=Gatehouse Test/CN=client.test', clientExt);
    signed(
      'server',
      'other',
      '/CN=server.test',
      `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}\n`,
    );
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    const pair = (name: string) => ({ certPem: read(`${name}.crt`), keyPem: read(`${name}.key`) });
    return {
      caPem: read('ca.crt'),
      client: pair('client'),
      stranger: pair('stranger'),
      server: pair('server'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
