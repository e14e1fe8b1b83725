// The admin port (/healthz, /readyz, /metrics) binds its own address, so a pod can keep it off the
// interface its listeners serve: --admin-bind-address, defaulting to --bind-address.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Gatehouse, ingressClass, ManifestDir, startGatehouse, waitFor } from './harness.ts';

/** 'open' when something accepts TCP at host:port, 'refused' when nothing listens there. */
async function probe(host: string, port: number): Promise<'open' | 'refused'> {
  const socket = connect(port, host);
  try {
    await once(socket, 'connect');
    return 'open';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return 'refused';
    throw error;
  } finally {
    socket.destroy();
  }
}

// Linux routes all of 127.0.0.0/8 to lo, so two loopback addresses stand for two interfaces.
const DATA = '127.0.0.1';
const ADMIN = '127.0.0.2';

describe('--admin-bind-address', () => {
  const dir = new ManifestDir();
  let g: Gatehouse;

  before(async () => {
    dir.write('class.yaml', [ingressClass()]);
    g = await startGatehouse(dir.dir, { workers: 1, args: ['--admin-bind-address', ADMIN] });
    await waitFor(
      `/readyz on ${ADMIN} (output so far:\n${g.output().slice(-2000)})`,
      async () => {
        if (g.proc.exitCode !== null) throw new Error(`gatehouse exited ${g.proc.exitCode}:\n${g.output()}`);
        const r = await fetch(`http://${ADMIN}:${g.adminPort}/readyz`);
        await r.arrayBuffer();
        return r.status === 200;
      },
      15_000,
    );
  });

  after(async () => {
    await g?.stop();
    dir.cleanup();
  });

  it('serves /healthz, /readyz and /metrics on the admin address only', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const r = await fetch(`http://${ADMIN}:${g.adminPort}${path}`);
      await r.arrayBuffer();
      assert.equal(r.status, 200, path);
    }
    assert.equal(await probe(DATA, g.adminPort), 'refused', 'the admin port is not on the listeners address');
  });

  it('leaves the listeners on --bind-address', async () => {
    const r = await fetch(`http://${DATA}:${g.httpPort}/`, { headers: { host: 'nobody.test' } });
    await r.arrayBuffer();
    assert.equal(r.status, 404);
    assert.equal(await probe(ADMIN, g.httpPort), 'refused', 'the listeners are not on the admin address');
  });
});
