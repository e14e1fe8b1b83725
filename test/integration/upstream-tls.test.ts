// HTTPS upstreams through a real worker: TLS to the pod with SNI, verified against the CA of
// Backend.tls.caPem; a certificate the CA did not sign, or a name it does not carry, is a 502.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { Backend } from '../../dataplane/src/table/types.ts';
import { makeTestCerts, type TestCerts } from '../../dataplane/src/upstream/test-certs.ts';
import { localBackend, oneRouteTable, startTableWorker, type TableWorker } from './table-worker.ts';

describe('HTTPS upstreams', () => {
  let certs: TestCerts;
  let pod: Server;
  let port: number;
  let w: TableWorker;
  const seen: Array<{ sni: string | false; version: string }> = [];

  before(async () => {
    certs = makeTestCerts('backend.test');
    pod = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      const socket = req.socket as typeof req.socket & { servername?: string | false };
      seen.push({ sni: socket.servername ?? false, version: req.httpVersion });
      res.end('secure');
    });
    pod.listen(0, '127.0.0.1');
    await once(pod, 'listening');
    port = (pod.address() as AddressInfo).port;
    w = await startTableWorker(oneRouteTable(localBackend([port], { protocol: 'HTTPS' })));
  });

  after(async () => {
    await w?.stop();
    pod?.close();
  });

  async function via(tls: Backend['tls']): Promise<{ status: number; body: string }> {
    await w.apply(oneRouteTable(localBackend([port], { protocol: 'HTTPS', tls })));
    const res = await request(w.url('/'), { headers: { host: 'app.test' } });
    return { status: res.statusCode, body: await res.body.text() };
  }

  it('verified against the right CA, with SNI, the request goes through over HTTP/1.1', async () => {
    seen.length = 0;
    assert.deepEqual(await via({ serverName: 'backend.test', caPem: certs.caPem, verify: true }), {
      status: 200,
      body: 'secure',
    });
    assert.deepEqual(seen, [{ sni: 'backend.test', version: '1.1' }]);
  });

  it('verified against a CA that did not sign the certificate: 502, and the pod sees no request', async () => {
    seen.length = 0;
    const r = await via({ serverName: 'backend.test', caPem: certs.otherCaPem, verify: true });
    assert.equal(r.status, 502);
    assert.equal(seen.length, 0);
  });

  it('a server name the certificate does not carry: 502', async () => {
    assert.equal((await via({ serverName: 'other.test', caPem: certs.caPem, verify: true })).status, 502);
  });

  it('requests for different hosts share the TLS connections to the pod (SNI is not taken from Host)', async () => {
    const table = oneRouteTable(
      localBackend([port], {
        protocol: 'HTTPS',
        tls: { serverName: 'backend.test', caPem: certs.caPem, verify: true },
      }),
    );
    table.hosts.push({ ...table.hosts[0], host: 'other.test' });
    await w.apply(table);
    let handshakes = 0;
    const count = (): void => {
      handshakes++;
    };
    pod.on('secureConnection', count);
    seen.length = 0;
    for (let i = 0; i < 6; i++) {
      const res = await request(w.url('/'), { headers: { host: i % 2 ? 'other.test' : 'app.test' } });
      assert.equal(res.statusCode, 200);
      await res.body.text();
    }
    pod.off('secureConnection', count);
    assert.ok(handshakes <= 1, `${handshakes} TLS handshakes for 6 sequential requests`);
    assert.ok(seen.every((s) => s.sni === 'backend.test'));
  });

  it('without verification (nginx proxy_ssl_verify off) any certificate is accepted', async () => {
    assert.equal((await via({ verify: false })).status, 200);
    assert.equal((await via(undefined)).status, 200);
  });
});
