import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createH2cServer, createSecureServer } from 'node:http2';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { upstreamErrorReason as metricReason } from '../metrics/labels.ts';
import { statusForUpstreamError } from '../proxy/exchange.ts';
import type { Backend } from '../table/types.ts';
import { REFUSED_ADDRESS, RefusedAddressError, type RefusedClass } from './address-guard.ts';
import { upstreamErrorReason } from './errors.ts';
import { type AddressPolicy, guardedLookup } from './guarded-connect.ts';
import { transportOf, UpstreamPools } from './pools.ts';
import { makeTestCerts } from './test-certs.ts';

function backend(protocol: Backend['protocol'], external: boolean, tls?: Backend['tls']): Backend {
  return {
    namespace: 'ns',
    service: 'ext',
    protocol,
    endpoints: [],
    balancer: { type: 'RoundRobin' },
    ...(external ? { external: true } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** A policy refusing exactly `refused`, recording what it was asked and what it reported. */
function policy(refused: Record<string, RefusedClass> = {}) {
  const asked: string[] = [];
  const reported: RefusedAddressError[] = [];
  const p: AddressPolicy & { asked: string[]; reported: RefusedAddressError[] } = {
    asked,
    reported,
    classify(address) {
      asked.push(address);
      return refused[address];
    },
    report(error) {
      reported.push(error);
    },
  };
  return p;
}

/** A resolver answering `answer` (or failing with `code`) for any name. */
function resolver(answer: LookupAddress[], code?: string) {
  return ((_host: string, _options: object, callback: (e: Error | null, a?: LookupAddress[]) => void) => {
    if (code) callback(Object.assign(new Error(code), { code }));
    else callback(null, answer);
  }) as never;
}

/** Calls a LookupFunction the way node:net does, with or without `all`. */
function lookupWith(fn: LookupFunction, all: boolean): Promise<{ error: Error | null; result: unknown }> {
  return new Promise((resolve) => {
    fn('upstream.example', { all }, (error, address, family) =>
      resolve({ error, result: all ? address : [address, family] }),
    );
  });
}

describe('guarded lookup: names are checked on what they resolve to', () => {
  it('forbidden answers are dropped and the connection goes to an allowed one', async () => {
    const lookup = guardedLookup(
      policy({ '127.0.0.1': 'loopback' }),
      resolver([
        { address: '127.0.0.1', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ]),
    );
    assert.deepEqual(await lookupWith(lookup, true), {
      error: null,
      result: [{ address: '10.0.0.7', family: 4 }],
    });
    assert.deepEqual(await lookupWith(lookup, false), { error: null, result: ['10.0.0.7', 4] });
  });

  it('a name resolving only to forbidden addresses fails with a refusal naming the class', async () => {
    const p = policy({ '127.0.0.1': 'loopback', '::1': 'loopback' });
    const lookup = guardedLookup(
      p,
      resolver([
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ]),
    );
    const { error } = await lookupWith(lookup, true);
    assert.ok(error instanceof RefusedAddressError);
    assert.equal(error.code, REFUSED_ADDRESS);
    assert.equal(error.refused, 'loopback');
    assert.equal(error.host, 'upstream.example');
    assert.equal(p.reported.length, 1, 'the policy hears of every refusal (it logs them)');
  });

  it('resolver errors pass through unchanged', async () => {
    const lookup = guardedLookup(policy(), resolver([], 'ENOTFOUND'));
    const { error } = await lookupWith(lookup, false);
    assert.equal((error as Error & { code: string }).code, 'ENOTFOUND');
  });

  it('a refusal is an upstream error of its own reason, answered 502', () => {
    const error = new RefusedAddressError('localhost', '127.0.0.1', 'loopback');
    assert.equal(upstreamErrorReason(error), 'refused_address');
    assert.equal(metricReason(error), 'refused_address');
    assert.equal(statusForUpstreamError(error), 502);
  });
});

describe('upstream pools: ExternalName endpoints connect only to allowed addresses', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  before(async () => {
    server = createServer((_req, res) => res.end('reached'));
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  async function ask(pools: UpstreamPools, origin: string, b: Backend) {
    return pools
      .get(origin, transportOf(b))
      .request({ path: '/', method: 'GET' })
      .then(
        async (res) => ({ status: res.statusCode, body: await res.body.text(), code: undefined }),
        (error: Error & { code?: string }) => ({ status: 0, body: '', code: error.code, error }),
      );
  }

  for (const host of ['localhost', '127.0.0.1']) {
    it(`an ExternalName endpoint at ${host} is refused before any connection is made`, async () => {
      const pools = new UpstreamPools();
      const before = connections;
      const result = await ask(pools, `http://${host}:${port}`, backend('HTTP', true));
      assert.equal(result.code, REFUSED_ADDRESS);
      assert.equal(connections, before, 'the listener on loopback never saw a connection');
      await pools.closeAll();
    });
  }

  it('a name is checked even when the table does not mark its backend external', async () => {
    const pools = new UpstreamPools();
    const result = await ask(pools, `http://localhost:${port}`, backend('HTTP', false));
    assert.equal(result.code, REFUSED_ADDRESS);
    await pools.closeAll();
  });

  it('pod endpoints (IP addresses from EndpointSlices) are not checked: no work on that path', async () => {
    const p = policy({ '127.0.0.1': 'loopback' });
    const pools = new UpstreamPools(undefined, p);
    const result = await ask(pools, `http://127.0.0.1:${port}`, backend('HTTP', false));
    assert.deepEqual([result.status, result.body], [200, 'reached']);
    assert.deepEqual(p.asked, []);
    await pools.closeAll();
  });

  it('an allowed ExternalName connects, checked on the resolved and on the connected address', async () => {
    const p = policy();
    const pools = new UpstreamPools(undefined, p);
    const result = await ask(pools, `http://localhost:${port}`, backend('HTTP', true));
    assert.deepEqual([result.status, result.body], [200, 'reached']);
    assert.ok(p.asked.includes('127.0.0.1'), `asked: ${p.asked}`);
    await pools.closeAll();
  });

  it('the address actually connected is checked again (whatever path net took to it)', async () => {
    // Allowed before connecting, refused once connected: only the second check can catch it.
    let calls = 0;
    const p: AddressPolicy = {
      classify: () => (calls++ === 0 ? undefined : 'loopback'),
      report() {},
    };
    const pools = new UpstreamPools(undefined, p);
    const result = await ask(pools, `http://127.0.0.1:${port}`, backend('HTTP', true));
    assert.equal(result.code, REFUSED_ADDRESS);
    await pools.closeAll();
  });

  it('H2C and H2 ExternalName endpoints still speak HTTP/2 through the guard', async () => {
    const certs = makeTestCerts('localhost');
    const version = (req: { httpVersion: string }, res: { end(body: string): void }) =>
      res.end(req.httpVersion);
    const h2c = createH2cServer(version);
    const h2 = createSecureServer({ cert: certs.certPem, key: certs.keyPem, allowHTTP1: true }, version);
    const ports: number[] = [];
    for (const s of [h2c, h2]) {
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
      ports.push((s.address() as AddressInfo).port);
    }
    const pools = new UpstreamPools(undefined, policy());
    const cleartext = await ask(pools, `http://localhost:${ports[0]}`, backend('H2C', true));
    const tls = await ask(
      pools,
      `https://localhost:${ports[1]}`,
      backend('H2', true, { verify: true, caPem: certs.caPem }),
    );
    assert.deepEqual([cleartext.body, tls.body], ['2.0', '2.0']);
    await pools.closeAll();
    h2c.close();
    h2.close();
  });

  it('HTTPS to an allowed ExternalName keeps its SNI: the name, or tls.serverName when set', async () => {
    const certs = makeTestCerts('localhost');
    const names: Array<string | false | null> = [];
    const tls = createTlsServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => res.end('tls'));
    tls.on('secureConnection', (socket: TLSSocket) => names.push(socket.servername));
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    const tlsPort = (tls.address() as AddressInfo).port;
    const pools = new UpstreamPools(undefined, policy());
    const origin = `https://localhost:${tlsPort}`;
    const verified = backend('HTTPS', true, { verify: true, caPem: certs.caPem });
    assert.deepEqual((await ask(pools, origin, verified)).body, 'tls');
    const named = backend('HTTPS', true, { verify: false, serverName: 'partner.example' });
    assert.deepEqual((await ask(pools, origin, named)).body, 'tls');
    assert.deepEqual(names, ['localhost', 'partner.example']);
    const refused = await ask(new UpstreamPools(), origin, verified);
    assert.equal(refused.code, REFUSED_ADDRESS);
    await pools.closeAll();
    tls.close();
  });
});
