// HTTP/2 conformance judged by h2spec, with nginx as the yardstick: both run on this machine with
// the same self-signed certificate in front of the same backend, and Gatehouse must fail no h2spec
// case that nginx passes. h2spec dials 127.0.0.1 (it has no SNI flag), so Gatehouse answers with
// its default certificate (--default-ssl-certificate) and routes `:authority 127.0.0.1:PORT`
// through a host-less Ingress rule. A bare node:http2 server runs beside them, to show what
// Gatehouse's frame guard adds to Node's HTTP/2 stack (nghttp2 inside Node).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { selfSignedCertificate } from '../../controller/src/tls/self-signed.ts';
import {
  type Backend,
  freePort,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  root,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
} from '../integration/harness.ts';
import { tlsSecret } from '../integration/tls-objects.ts';

type Outcome = 'passed' | 'failed' | 'skipped';

/** h2spec's JUnit report → outcome per case, keyed `section/index description` (e.g. `http2/5.1/3 …`). */
export function parseJUnit(xml: string): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  const seen = new Map<string, number>();
  const testcase = /<testcase package="([^"]*)" classname="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(testcase)) {
    const [, section, description, body = ''] = m;
    const index = (seen.get(section) ?? 0) + 1;
    seen.set(section, index);
    const outcome: Outcome = /<(failure|error)\b/.test(body)
      ? 'failed'
      : /<skipped\b/.test(body)
        ? 'skipped'
        : 'passed';
    outcomes.set(`${section}/${index} ${xmlText(description)}`, outcome);
  }
  return outcomes;
}

function xmlText(text: string): string {
  return text
    .replaceAll('&#34;', '"')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function tools(): { h2spec: string; nginx: string } {
  const out = execFileSync(join(root, 'scripts/install-h2spec.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const get = (name: string) => {
    const line = out.split('\n').find((l) => l.startsWith(`${name}=`));
    if (line === undefined) throw new Error(`install-h2spec.sh printed no ${name}=`);
    return line.slice(name.length + 1);
  };
  return { h2spec: get('H2SPEC'), nginx: get('NGINX') };
}

async function runH2spec(binary: string, port: number, report: string): Promise<Map<string, Outcome>> {
  const child = spawn(
    binary,
    ['-tls', '-insecure', '-host', '127.0.0.1', '-port', String(port), '-junit-report', report],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  // Exit 1 means "some cases failed", which the comparison judges; anything else is a broken run.
  if (code !== 0 && code !== 1) throw new Error(`h2spec exited ${code}: ${stderr}`);
  return parseJUnit(readFileSync(report, 'utf8'));
}

function nginxConfig(dir: string, port: number, upstream: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${dir}/tls.crt;
    ssl_certificate_key ${dir}/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://127.0.0.1:${upstream}; }
  }
}
`;
}

describe('HTTP/2 conformance (h2spec)', () => {
  const manifests = new ManifestDir();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-h2spec-'));
  let backend: Backend;
  let g: Gatehouse;
  let nginx: ChildProcess | undefined;
  let nginxPort = 0;
  let bin: { h2spec: string; nginx: string };
  let bare: Http2SecureServer;
  let results: Promise<Record<'gatehouse' | 'nginx' | 'node', Map<string, Outcome>>>;

  before(async () => {
    bin = tools();
    backend = await startBackend('h2spec');
    const certificate = selfSignedCertificate({ dnsNames: ['localhost'] });
    writeFileSync(join(dir, 'tls.crt'), certificate.certPem);
    writeFileSync(join(dir, 'tls.key'), certificate.keyPem);

    manifests.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('h2spec', 'web', [backend]),
      tlsSecret('h2spec', 'default-cert', certificate),
      ingress('h2spec', 'web', [{ paths: [{ path: '/', service: 'web' }] }]),
    ]);
    g = await startGatehouse(manifests.dir, {
      workers: 1,
      args: ['--default-ssl-certificate', 'h2spec/default-cert', '--log-level', 'warn'],
    });
    await g.waitReady();

    nginxPort = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, nginxPort, backend.port));
    let output = '';
    nginx = spawn(bin.nginx, ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    nginx.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    bare = createSecureServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    bare.on('sessionError', () => {});
    bare.listen(0, '127.0.0.1');
    await once(bare, 'listening');
    await waitFor(`nginx listening on ${nginxPort}`, async () => {
      if (nginx?.exitCode !== null) throw new Error(`nginx exited: ${output}`);
      const r = await fetch(`http://127.0.0.1:${nginxPort}/`).catch(() => undefined);
      // A plain-HTTP request to a TLS port gets nginx's 400: the port is up.
      return r?.status === 400;
    });
  });

  after(async () => {
    if (nginx?.pid !== undefined && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await once(nginx, 'exit');
    }
    bare?.close();
    await g?.stop();
    await backend?.close();
    manifests.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The three runs, concurrently (h2spec mostly waits on its 2 s timeouts), once for both tests. */
  function run() {
    results ??= Promise.all([
      runH2spec(bin.h2spec, g.httpsPort, join(dir, 'gatehouse.xml')),
      runH2spec(bin.h2spec, nginxPort, join(dir, 'nginx.xml')),
      runH2spec(bin.h2spec, (bare.address() as { port: number }).port, join(dir, 'node.xml')),
    ]).then(([gatehouse, nginx, node]) => ({ gatehouse, nginx, node }));
    return results;
  }

  test('Gatehouse fails no h2spec case that nginx passes', async (t) => {
    const { gatehouse, nginx, node } = await run();
    const count = (m: Map<string, Outcome>, o: Outcome) => [...m.values()].filter((v) => v === o).length;
    for (const [name, m] of Object.entries({ gatehouse, nginx, node })) {
      t.diagnostic(
        `${name}: ${count(m, 'passed')} passed, ${count(m, 'failed')} failed, ${count(m, 'skipped')} skipped`,
      );
    }
    for (const k of [...nginx.keys()].filter((k) => gatehouse.get(k) !== nginx.get(k))) {
      t.diagnostic(`${k}: gatehouse ${gatehouse.get(k)}, nginx ${nginx.get(k)}, node:http2 ${node.get(k)}`);
    }
    assert.ok(nginx.size > 100, `h2spec ran against nginx (${nginx.size} cases)`);
    assert.deepEqual(
      [...gatehouse.keys()].sort(),
      [...nginx.keys()].sort(),
      'both runs cover the same cases',
    );
    const behind = [...nginx]
      .filter(([k, o]) => o === 'passed' && gatehouse.get(k) !== 'passed')
      .map(([k]) => k);
    // The bare node:http2 server shows what Gatehouse's frame guard (dataplane/src/http2/) adds.
    const guarded = [...node]
      .filter(([k, o]) => o === 'failed' && gatehouse.get(k) === 'passed')
      .map(([k]) => k);
    t.diagnostic(`passed by Gatehouse where a bare node:http2 server fails: ${guarded.join(', ') || 'none'}`);
    assert.deepEqual(behind, [], 'cases nginx passes but Gatehouse does not');
  });
});
