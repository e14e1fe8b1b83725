import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createH2cServer, createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../table/types.ts';
import { originOf, PoolKeys, transportOf, UpstreamPools, type UpstreamTransport } from './pools.ts';
import { makeTestCerts, type TestCerts } from './test-certs.ts';

function backend(protocol: Backend['protocol'], tls?: Backend['tls']): Backend {
  return { namespace: 'ns', service: 's', protocol, endpoints: [], balancer: { type: 'RoundRobin' }, tls };
}

/** The pool keys of a table using `origin` over `transport`. */
function keysOf(origin: string, transport: UpstreamTransport): PoolKeys {
  const keys = new PoolKeys();
  keys.add(transport, [{ origin }]);
  return keys;
}

async function listen(server: {
  listen(port: number, host: string): unknown;
  address(): unknown;
}): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server as Server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Answers with the HTTP version it was spoken to in. */
function versionHandler(req: { httpVersion: string }, res: { end(body: string): void }): void {
  res.end(req.httpVersion);
}

describe('transports to HTTPS backends', () => {
  const certificates = {
    a: { certPem: 'cert-a', keyPem: 'key-a', source: 'secret/ns/a' },
    b: { certPem: 'cert-b', keyPem: 'key-a', source: 'secret/ns/b' },
  };
  const id = (tls: Backend['tls']) => transportOf(backend('HTTPS', tls), undefined, certificates).id;

  it('the client certificate is resolved from the table and its content tells pools apart', () => {
    const t = transportOf(
      backend('HTTPS', { verify: true, clientCertificate: 'a' }),
      undefined,
      certificates,
    );
    assert.equal(t.clientCertificate, certificates.a);
    assert.notEqual(
      id({ verify: true, clientCertificate: 'a' }),
      id({ verify: true, clientCertificate: 'b' }),
    );
    assert.notEqual(id({ verify: true, clientCertificate: 'a' }), id({ verify: true }));
  });

  it('TLS versions tell pools apart; plain HTTP ignores TLS settings', () => {
    assert.notEqual(id({ verify: false, minVersion: 'TLSv1.3' }), id({ verify: false }));
    const plain = transportOf(
      backend('HTTP', { verify: true, clientCertificate: 'a' }),
      undefined,
      certificates,
    );
    assert.equal(plain.clientCertificate, undefined);
  });
});

describe('upstream pools', () => {
  let certs: TestCerts;
  before(() => {
    certs = makeTestCerts();
  });

  it('one origin gets a pool per protocol, TLS setting and connect timeout', () => {
    const pools = new UpstreamPools();
    const origin = 'http://10.0.0.1:80';
    const tlsOrigin = 'https://10.0.0.1:80';
    const distinct = new Set([
      pools.get(origin, transportOf(backend('HTTP'))),
      pools.get(origin, transportOf(backend('H2C'))),
      pools.get(origin, transportOf(backend('HTTP'), 250)),
      pools.get(tlsOrigin, transportOf(backend('HTTPS', { verify: true, caPem: 'a' }))),
      pools.get(tlsOrigin, transportOf(backend('HTTPS', { verify: true, caPem: 'b' }))),
      pools.get(tlsOrigin, transportOf(backend('H2', { verify: true, caPem: 'b' }))),
    ]);
    assert.equal(distinct.size, 6);
    assert.equal(pools.size, 6);
    assert.equal(originOf('fd00::1', 8080, 'H2'), 'https://[fd00::1]:8080');
    pools.closeAll();
  });

  it('the same origin and transport reuse one pool across tables', () => {
    const pools = new UpstreamPools();
    const t = transportOf(backend('HTTP'));
    assert.equal(
      pools.get('http://127.0.0.1:1', t),
      pools.get('http://127.0.0.1:1', transportOf(backend('HTTP'))),
    );
    assert.notEqual(
      pools.get('http://127.0.0.1:1', t),
      pools.get('http://127.0.0.1:1', transportOf(backend('H2C'))),
    );
    pools.closeAll();
  });

  it('a pool whose endpoint left the table finishes its in-flight request, then takes no new ones', async () => {
    let release: (() => void) | undefined;
    const server = createHttpServer((_req, res) => {
      release = () => res.end('finished');
    });
    const port = await listen(server);
    const pools = new UpstreamPools();
    const origin = `http://127.0.0.1:${port}`;
    const transport = transportOf(backend('HTTP'));
    const pool = pools.get(origin, transport);
    const inFlight = pool.request({ path: '/', method: 'GET' });
    while (release === undefined) await new Promise((r) => setImmediate(r));
    pools.retainOnly(new PoolKeys());
    assert.equal(pools.size, 0);
    release();
    const res = await inFlight;
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'finished');
    await assert.rejects(pool.request({ path: '/', method: 'GET' }), { code: 'UND_ERR_CLOSED' });
    server.close();
  });

  it('retainOnly keeps the pools (and the health) of origins still in use', () => {
    const pools = new UpstreamPools();
    const t = transportOf(backend('HTTP'));
    const kept = pools.get('http://127.0.0.1:1', t);
    pools.get('http://127.0.0.1:2', t);
    const health = pools.health('http://127.0.0.1:1');
    health.ejections = 2;
    pools.retainOnly(keysOf('http://127.0.0.1:1', t));
    assert.equal(pools.size, 1);
    assert.equal(pools.get('http://127.0.0.1:1', t), kept);
    assert.equal(pools.health('http://127.0.0.1:1').ejections, 2);
    assert.equal(pools.health('http://127.0.0.1:2').ejections, 0);
    pools.closeAll();
  });

  it('an endpoint of the table with no pool yet keeps its health across a swap', () => {
    const pools = new UpstreamPools();
    const t = transportOf(backend('HTTP'));
    pools.health('http://127.0.0.1:3').ejections = 1;
    pools.retainOnly(keysOf('http://127.0.0.1:3', t));
    assert.equal(pools.size, 0, 'no pool was created by the swap');
    assert.equal(pools.health('http://127.0.0.1:3').ejections, 1);
  });

  describe('protocols', () => {
    const servers: Array<{ close(): void }> = [];
    const pools = new UpstreamPools();
    after(async () => {
      await pools.closeAll();
      for (const s of servers) s.close();
    });

    async function ask(origin: string, b: Backend): Promise<{ status: number; body: string }> {
      const res = await pools.get(origin, transportOf(b)).request({ path: '/', method: 'GET' });
      return { status: res.statusCode, body: await res.body.text() };
    }

    it('H2C speaks cleartext HTTP/2 to the pod (prior knowledge)', async () => {
      const server = createH2cServer(versionHandler);
      servers.push(server);
      const port = await listen(server);
      assert.deepEqual(await ask(`http://127.0.0.1:${port}`, backend('H2C')), { status: 200, body: '2.0' });
    });

    it('H2 negotiates HTTP/2 over TLS; HTTPS stays HTTP/1.1 even when the pod offers h2', async () => {
      const server = createSecureServer(
        { cert: certs.certPem, key: certs.keyPem, allowHTTP1: true },
        versionHandler,
      );
      servers.push(server);
      const origin = `https://127.0.0.1:${await listen(server)}`;
      const tls = { serverName: 'backend.test', caPem: certs.caPem, verify: true };
      assert.deepEqual(await ask(origin, backend('H2', tls)), { status: 200, body: '2.0' });
      assert.deepEqual(await ask(origin, backend('HTTPS', tls)), { status: 200, body: '1.1' });
    });

    it('verification against the wrong CA fails the TLS handshake; no verification accepts any certificate', async () => {
      const server = createSecureServer(
        { cert: certs.certPem, key: certs.keyPem, allowHTTP1: true },
        versionHandler,
      );
      servers.push(server);
      const origin = `https://127.0.0.1:${await listen(server)}`;
      await assert.rejects(
        ask(origin, backend('HTTPS', { serverName: 'backend.test', caPem: certs.otherCaPem, verify: true })),
        (error: Error & { code?: string }) => /CERT|SIGNATURE|ISSUER/.test(error.code ?? ''),
      );
      assert.equal((await ask(origin, backend('HTTPS', { verify: false }))).status, 200);
    });
  });
});
