// Test certificates made with openssl at test time in a temp dir: a CA, a server certificate it
// signed (for `backend.test` and 127.0.0.1), and an unrelated CA to fail verification with.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  caPem: string;
  otherCaPem: string;
  certPem: string;
  keyPem: string;
}

export function makeTestCerts(serverName = 'backend.test'): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-certs-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=Gatehouse test CA',
    );
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'other.key',
      '-out',
      'other.crt',
      '-days',
      '2',
      '-subj',
      '/CN=Other CA',
    );
    ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${serverName}`);
    writeFileSync(join(dir, 'ext'), `subjectAltName=DNS:${serverName},IP:127.0.0.1\n`);
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'ext',
    );
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return {
      caPem: read('ca.crt'),
      otherCaPem: read('other.crt'),
      certPem: read('server.crt'),
      keyPem: read('server.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
