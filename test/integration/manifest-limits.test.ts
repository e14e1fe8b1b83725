// Standalone mode's bounds on what it reads (--manifests-max-file-size and siblings): a file that
// grows past its limit is refused with a diagnostic naming it and the limit, and keeps serving
// its last good objects, while every other file goes on being read.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
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

describe('manifest limits', () => {
  const dir = new ManifestDir();
  const backends: Record<string, Backend> = {};
  let g: Gatehouse;
  const backendOf = async (host: string) => (await get(g, host, '/')).headers.get('x-backend');

  before(async () => {
    for (const name of ['old', 'new', 'other']) backends[name] = await startBackend(name);
    dir.write('class.yaml', [ingressClass()]);
    dir.write('web.yaml', [
      ...serviceFor('team', 'web', [backends.old]),
      ingress('team', 'web', [{ host: 'web.example.com', paths: [{ path: '/', service: 'web' }] }]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 1, args: ['--manifests-max-file-size', '8Ki'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    for (const b of Object.values(backends)) await b.close();
    dir.cleanup();
  });

  it('a file grown past --manifests-max-file-size keeps serving its last good objects', async () => {
    assert.equal(await backendOf('web.example.com'), 'old');
    const objects = [
      ...serviceFor('team', 'web', [backends.new]),
      ingress('team', 'web', [{ host: 'web.example.com', paths: [{ path: '/', service: 'web' }] }]),
    ];
    const text = objects.map((o) => stringify(o)).join('---\n');
    dir.writeRaw('web.yaml', `${text}# ${'x'.repeat(8 * 1024)}\n`);
    await waitFor('the ManifestTooLarge diagnostic', () =>
      /web\.yaml: \d+ bytes, over the 8 KiB a file may hold \(--manifests-max-file-size\)/.test(g.output()),
    );

    // Another file is still read while web.yaml is refused...
    dir.write('other.yaml', [
      ...serviceFor('team', 'other', [backends.other]),
      ingress('team', 'other', [{ host: 'other.example.com', paths: [{ path: '/', service: 'other' }] }]),
    ]);
    await waitFor('other.example.com served', async () => (await backendOf('other.example.com')) === 'other');
    // ...and web.yaml's last good version is what serves.
    assert.equal(await backendOf('web.example.com'), 'old');

    dir.write('web.yaml', objects);
    await waitFor(
      'web.yaml read again once it fits',
      async () => (await backendOf('web.example.com')) === 'new',
    );
  });
});
