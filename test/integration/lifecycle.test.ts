// Process model and live configuration: updates without failed requests, a killed worker
// respawned, SIGTERM draining in-flight requests, bad input never taking anything down.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
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

/** Sends one raw request and returns the status line's code. */
async function rawStatus(port: number, request: string): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(request);
  let data = '';
  socket.on('data', (d: Buffer) => {
    data += d.toString('latin1');
  });
  await waitFor('a status line', () => /^HTTP\/1\.1 (\d{3})/.exec(data), 5000);
  socket.destroy();
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(data)![1]);
}

describe('live updates', () => {
  const dir = new ManifestDir();
  const backends: Record<string, Backend> = {};
  let g: Gatehouse;

  before(async () => {
    for (const name of ['a1', 'a2', 'b', 'c']) backends[name] = await startBackend(name);
    dir.write('class.yaml', [ingressClass()]);
    dir.write('a.yaml', [
      ...serviceFor('team', 'a', [backends.a1]),
      ingress('team', 'a', [{ host: 'a.example.com', paths: [{ path: '/', service: 'a' }] }]),
    ]);
    dir.write('c.yaml', [
      ...serviceFor('team', 'c', [backends.c]),
      ingress('team', 'c', [{ host: 'c.example.com', paths: [{ path: '/', service: 'c' }] }]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    for (const b of Object.values(backends)) await b.close();
    dir.cleanup();
  });

  it('adding and removing Ingresses and endpoints fails no request on an untouched route', async () => {
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const client = async (): Promise<void> => {
      while (!stop) {
        try {
          const res = await get(g, 'a.example.com', '/load');
          if (res.status === 200) ok++;
          else failures.push(`status ${res.status}: ${res.body}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const load = Promise.all([client(), client(), client(), client()]);
    try {
      await waitFor('load running', () => ok > 50);

      dir.write('b.yaml', [
        ...serviceFor('team', 'b', [backends.b]),
        ingress('team', 'b', [{ host: 'b.example.com', paths: [{ path: '/', service: 'b' }] }]),
      ]);
      await waitFor('Ingress b served', async () => (await get(g, 'b.example.com', '/')).status === 200);

      dir.remove('c.yaml');
      await waitFor('Ingress c removed', async () => (await get(g, 'c.example.com', '/')).status === 404);

      // Endpoint change under load: a second endpoint joins, then the first one leaves.
      dir.write('a.yaml', [
        ...serviceFor('team', 'a', [backends.a1, backends.a2]),
        ingress('team', 'a', [{ host: 'a.example.com', paths: [{ path: '/', service: 'a' }] }]),
      ]);
      await waitFor('endpoint a2 receives traffic', () => backends.a2.seen.length > 20);
      dir.write('a.yaml', [
        ...serviceFor('team', 'a', [backends.a2]),
        ingress('team', 'a', [{ host: 'a.example.com', paths: [{ path: '/', service: 'a' }] }]),
      ]);
      await waitFor('endpoint a1 drained out', async () => {
        await g.waitReady();
        const before = backends.a1.seen.length;
        for (let i = 0; i < 10; i++) await get(g, 'a.example.com', '/probe');
        return backends.a1.seen.length === before;
      });
      const settled = ok;
      await waitFor('more load after the last change', () => ok > settled + 50);
    } finally {
      stop = true;
      await load;
    }
    assert.deepEqual(failures, [], `${failures.length} failed requests of ${ok + failures.length}`);
  });
});

describe('worker processes', () => {
  const dir = new ManifestDir();
  let backend: Backend;
  let slow: Backend;
  const held: ServerResponse[] = [];
  let g: Gatehouse;

  before(async () => {
    backend = await startBackend('web');
    slow = await startBackend('slow', (_req, res) => {
      held.push(res);
    });
    dir.write('all.yaml', [
      ingressClass(),
      ...serviceFor('team', 'web', [backend]),
      ...serviceFor('team', 'slow', [slow]),
      ingress('team', 'web', [
        {
          host: 'web.example.com',
          paths: [
            { path: '/', service: 'web' },
            { path: '/slow', service: 'slow' },
          ],
        },
      ]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend.close();
    await slow.close();
    dir.cleanup();
  });

  it('a malformed request gets 400 and the worker keeps serving', async () => {
    assert.equal(
      await rawStatus(g.httpPort, 'GET / HTTP/1.1\r\nHost: web.example.com\r\nBad Header\r\n\r\n'),
      400,
    );
    assert.equal(await rawStatus(g.httpPort, 'GARBAGE\r\n\r\n'), 400);
    assert.equal((await get(g, 'web.example.com', '/')).status, 200);
  });

  it('Content-Length together with Transfer-Encoding is refused with 400 (request smuggling)', async () => {
    const smuggle =
      'POST / HTTP/1.1\r\nHost: web.example.com\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    assert.equal(await rawStatus(g.httpPort, smuggle), 400);
    assert.equal((await get(g, 'web.example.com', '/')).status, 200);
  });

  it('oversized request headers get 431', async () => {
    const big = `GET / HTTP/1.1\r\nHost: web.example.com\r\nX-Big: ${'a'.repeat(40 * 1024)}\r\n\r\n`;
    assert.equal(await rawStatus(g.httpPort, big), 431);
  });

  it('a worker killed with SIGKILL is respawned and serves again', async () => {
    const before = g.workerPids();
    assert.equal(before.length, 2);
    process.kill(before[0], 'SIGKILL');
    const after = await waitFor('a respawned worker', () => {
      const now = g.workerPids();
      return now.length === 2 && !now.includes(before[0]) ? now : undefined;
    });
    assert.ok(after.includes(before[1]), 'the other worker was not disturbed');
    await g.waitReady();
    for (let i = 0; i < 10; i++) assert.equal((await get(g, 'web.example.com', '/')).status, 200);
  });

  it('SIGTERM drains: an in-flight request completes, then every process exits 0', async () => {
    const pending = get(g, 'web.example.com', '/slow');
    await waitFor('the slow request to reach its backend', () => held.length === 1);
    const workers = g.workerPids();
    g.proc.kill('SIGTERM');
    await waitFor('workers to start draining', () => g.output().includes('draining'));
    // New connections are refused while the in-flight request is still open.
    await waitFor('listener closed', async () => {
      try {
        await get(g, 'web.example.com', '/');
        return false;
      } catch {
        return true;
      }
    });
    held[0].writeHead(200, { 'content-type': 'text/plain' });
    held[0].end('finished after SIGTERM');
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'finished after SIGTERM');
    const [code] = await once(g.proc, 'exit');
    assert.equal(code, 0);
    for (const pid of workers) {
      assert.throws(() => process.kill(pid, 0), 'worker process is gone');
    }
  });
});

describe('bad manifests', () => {
  const dir = new ManifestDir();
  let backend: Backend;
  let g: Gatehouse;

  before(async () => {
    backend = await startBackend('good');
    dir.write('good.yaml', [
      ingressClass(),
      ...serviceFor('team', 'good', [backend]),
      ingress('team', 'good', [{ host: 'good.example.com', paths: [{ path: '/', service: 'good' }] }]),
    ]);
    dir.write('bad-path.yaml', [
      ingress('team', 'bad', [{ host: 'bad.example.com', paths: [{ path: 'no-slash', service: 'good' }] }]),
    ]);
    dir.writeRaw('broken.yaml', 'kind: Ingress\nmetadata: [unclosed\n');
    dir.writeRaw('unknown.yaml', 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n');
    g = await startGatehouse(dir.dir, { workers: 1 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await backend.close();
    dir.cleanup();
  });

  it('an invalid path, a YAML error and an unknown kind are diagnosed while valid routes serve', async () => {
    assert.equal((await get(g, 'good.example.com', '/')).status, 200);
    await waitFor('diagnostics logged', () => {
      const out = g.output();
      return out.includes('InvalidPath') && out.includes('broken.yaml') && out.includes('Gizmo');
    });
  });

  it('a file broken by an edit keeps its last good objects', async () => {
    const seen = g.output().length;
    dir.writeRaw('good.yaml', 'this: [is not valid yaml\n');
    await waitFor('the parse error logged', () => g.output().slice(seen).includes('good.yaml'));
    assert.equal((await get(g, 'good.example.com', '/')).status, 200);
    assert.equal(g.proc.exitCode, null);
  });
});
