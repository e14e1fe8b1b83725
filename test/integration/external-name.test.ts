// ExternalName Services and request loops (issue #25, items 1 and 6), end to end: a tenant's
// ExternalName aimed at the pod's own loopback never reaches the admin port (off by default: 503;
// on: refused at connect time, 502), and a request that comes back through Gatehouse — sent with
// our own Via entry, or looped through a backend — is answered 508 on arrival.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { parseExposition, sampleValue } from '../metrics/exposition.ts';
import {
  type Backend,
  type Gatehouse,
  get,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
} from './harness.ts';

/** Names and addresses that all land on the pod's loopback: literal, shorthand, decimal, resolved. */
const LOOPBACK = ['localhost', '127.0.0.1', '127.1', '2130706433', '0.0.0.0'];

/** A non-loopback address of this machine, if it has one (the pod IP, in a cluster). */
const OWN = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && !i.internal && i.family === 'IPv4')?.address;

/** One ExternalName Service per name, each behind host `t<i>.test`, aimed at `port`. */
function externalNames(names: string[], port: number): object[] {
  return names.flatMap((externalName, i) => [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `ext-${i}`, namespace: 'tenant' },
      spec: { type: 'ExternalName', externalName },
    },
    ingress('tenant', `ext-${i}`, [
      { host: `t${i}.test`, paths: [{ path: '/', service: `ext-${i}`, port }] },
    ]),
  ]);
}

async function waitRouted(g: Gatehouse, host: string): Promise<void> {
  await waitFor(`a route for ${host}`, async () => (await get(g, host, '/metrics')).status !== 404);
}

async function adminMetrics(g: Gatehouse): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${g.adminPort}/metrics`);
  return res.text();
}

describe('ExternalName Services are off by default', () => {
  const dir = new ManifestDir();
  let g: Gatehouse;

  before(async () => {
    dir.write('class.yaml', [ingressClass()]);
    g = await startGatehouse(dir.dir, { workers: 1 });
    await g.waitReady();
    dir.write('tenant.yaml', externalNames(LOOPBACK, g.adminPort));
    for (let i = 0; i < LOOPBACK.length; i++) await waitRouted(g, `t${i}.test`);
  });

  after(async () => {
    await g?.stop();
    dir.cleanup();
  });

  test("an ExternalName aimed at the pod's loopback answers 503, never the admin port's /metrics", async () => {
    for (let i = 0; i < LOOPBACK.length; i++) {
      const res = await get(g, `t${i}.test`, '/metrics');
      assert.equal(res.status, 503, `${LOOPBACK[i]}: ${res.body.slice(0, 200)}`);
      assert.doesNotMatch(res.body, /# HELP/);
      assert.equal(res.headers.get('server'), 'gatehouse');
    }
  });

  test('each is reported as a diagnostic naming the flag', () => {
    assert.match(g.output(), /ExternalNameDisabled/);
    assert.match(g.output(), /--enable-external-name-services/);
  });
});

describe('with --enable-external-name-services, loopback and own addresses are still refused', () => {
  const dir = new ManifestDir();
  const names = OWN === undefined ? LOOPBACK : [...LOOPBACK, OWN];
  let g: Gatehouse;

  before(async () => {
    dir.write('class.yaml', [ingressClass()]);
    g = await startGatehouse(dir.dir, { workers: 1, args: ['--enable-external-name-services'] });
    await g.waitReady();
    dir.write('tenant.yaml', externalNames(names, g.adminPort));
    for (let i = 0; i < names.length; i++) await waitRouted(g, `t${i}.test`);
  });

  after(async () => {
    await g?.stop();
    dir.cleanup();
  });

  test('the connection is refused on the resolved address: 502, never the admin port', async () => {
    for (let i = 0; i < names.length; i++) {
      const res = await get(g, `t${i}.test`, '/metrics');
      assert.equal(res.status, 502, `${names[i]}: ${res.body.slice(0, 200)}`);
      assert.doesNotMatch(res.body, /# HELP/);
    }
  });

  test('refusals are counted as upstream errors of reason refused_address, and logged', async () => {
    const samples = parseExposition(await adminMetrics(g)).samples;
    const refused = sampleValue(samples, 'gatehouse_upstream_errors_total', {
      namespace: 'tenant',
      service: 'ext-0',
      reason: 'refused_address',
    });
    assert.ok((refused ?? 0) >= 1, `refused_address for ext-0: ${refused}`);
    await waitFor('the refusal in the log', () => /upstream address refused/.test(g.output()));
    assert.match(g.output(), /"refused":"loopback"/);
    if (OWN !== undefined) assert.match(g.output(), /"refused":"own-address"/);
  });
});

describe('request loops are answered 508 Loop Detected', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let relay: Backend;
  let g: Gatehouse;
  /** Requests the relay sent back to Gatehouse: a loop without an end would never stop growing. */
  let relayed = 0;

  /** Sends a request back to Gatehouse with its headers unchanged: a loop no address check sees. */
  function loopBack(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
    // Bounded, so an unfixed proxy fails this test instead of looping for ever.
    if (++relayed > 20) {
      res.writeHead(500).end('relay gave up');
      return;
    }
    const back = httpRequest(
      {
        host: '127.0.0.1',
        port: g.httpPort,
        path: req.url,
        method: req.method,
        headers: req.headers,
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    back.on('error', () => res.writeHead(599).end());
    req.pipe(back);
  }

  before(async () => {
    app = await startBackend('app');
    relay = await startBackend('relay', loopBack);
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('team', 'app', [app]),
      ...serviceFor('team', 'relay', [relay]),
      ingress('team', 'app', [{ host: 'app.test', paths: [{ path: '/', service: 'app' }] }]),
      ingress('team', 'relay', [{ host: 'loop.test', paths: [{ path: '/', service: 'relay' }] }]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    await relay?.close();
    dir.cleanup();
  });

  /** Our own Via entry, as a backend sees it on a forwarded request. */
  async function ownEntry(): Promise<string> {
    const res = await get(g, 'app.test', '/whoami');
    assert.equal(res.status, 200);
    const via = String(app.seen.at(-1)?.headers.via);
    const entry = /1\.1 (gatehouse-[0-9a-f]{16})/.exec(via);
    assert.ok(entry, `Via seen upstream: ${via}`);
    return entry[1];
  }

  test("every forwarded request carries this proxy's Via entry after the client's ones", async () => {
    const res = await get(g, 'app.test', '/hello', { via: '1.1 cdn.example, 1.1 gatehouse' });
    assert.equal(res.status, 200);
    assert.match(
      String(app.seen.at(-1)?.headers.via),
      /^1\.1 cdn\.example, 1\.1 gatehouse, 1\.1 gatehouse-[0-9a-f]{16}$/,
    );
    // Responses are relayed as nginx does, without an entry of ours (RFC 9110 §7.6.3: a gateway MAY).
    assert.equal(res.headers.get('via'), null);
  });

  test('every worker of the installation names it the same way, so a loop through any of them is seen', async () => {
    const pseudonyms = new Set<string>();
    for (let i = 0; i < 8; i++) {
      // A new connection each time: SO_REUSEPORT spreads them over both workers.
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: g.httpPort, path: '/each', headers: { host: 'app.test' }, agent: false },
          (res) => res.resume().on('end', resolve),
        );
        req.on('error', reject);
        req.end();
      });
      pseudonyms.add(String(app.seen.at(-1)?.headers.via));
    }
    assert.equal(pseudonyms.size, 1, [...pseudonyms].join(' | '));
  });

  test("a request already carrying this proxy's entry is answered 508 before routing", async () => {
    const pseudonym = await ownEntry();
    const before = app.seen.length;
    for (const via of [`1.1 ${pseudonym}`, `1.1 cdn.example, 2 ${pseudonym} (Gatehouse)`]) {
      const res = await get(g, 'app.test', '/again', { via });
      assert.equal(res.status, 508, via);
      assert.equal(res.headers.get('server'), 'gatehouse');
    }
    // Even a host with no route: the loop is refused before routing costs anything.
    assert.equal((await get(g, 'nowhere.test', '/', { via: `1.1 ${pseudonym}` })).status, 508);
    assert.equal(app.seen.length, before, 'the backend saw none of them');
  });

  test('a loop through a backend ends on its second arrival, with 508 for the client', async () => {
    relayed = 0;
    const res = await get(g, 'loop.test', '/spin');
    assert.equal(res.status, 508, res.body);
    assert.ok(relayed <= 2, `the relay forwarded ${relayed} requests`);
    assert.equal(relayed, 1);
  });

  test("an Upgrade handshake carrying this proxy's entry is answered 508", async () => {
    const pseudonym = await ownEntry();
    const socket = netConnect(g.httpPort, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nVia: 1.1 ${pseudonym}\r\n\r\n`,
    );
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    await waitFor('the answer to the handshake', () => text.includes('\r\n\r\n'));
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 508 /);
  });

  test("an HTTP/2 request carrying this proxy's entry is answered 508, and HTTP/2 is marked 2", async () => {
    const pseudonym = await ownEntry();
    const session = http2Connect(`https://127.0.0.1:${g.httpsPort}`, {
      servername: 'app.test',
      rejectUnauthorized: false,
    });
    session.on('error', () => {});
    try {
      const ask = async (via?: string): Promise<number> => {
        const stream = session.request({ ':authority': 'app.test', ':path': '/h2', ...(via ? { via } : {}) });
        stream.on('error', () => {});
        stream.resume();
        const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders];
        await once(stream, 'end');
        return Number(head[':status']);
      };
      assert.equal(await ask(), 200);
      assert.equal(String(app.seen.at(-1)?.headers.via), `2 ${pseudonym}`);
      assert.equal(await ask(`1.1 ${pseudonym}`), 508);
    } finally {
      session.destroy();
    }
  });

  test('508 answers are counted like the proxy’s other own answers', async () => {
    const samples = parseExposition(await adminMetrics(g)).samples;
    const fivexx = samples.filter(
      (s) => s.name === 'gatehouse_requests_total' && s.labels.status === '5xx' && s.labels.ingress === '',
    );
    assert.ok(fivexx.reduce((n, s) => n + s.value, 0) >= 3, JSON.stringify(fivexx));
  });
});
