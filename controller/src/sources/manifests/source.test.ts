import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';
import type { Diagnostic, Snapshot } from '../../snapshot.ts';
import { DEFAULT_MANIFEST_LIMITS, type ManifestLimits } from './limits.ts';
import { ManifestSource, type SourceLog } from './source.ts';

const DEADLINE_MS = 10_000;

interface Emitted {
  snapshot: Snapshot;
  diagnostics: Diagnostic[];
}

/** Records what the source emits and lets a test wait, with a deadline, for what it expects. */
class Recorder {
  readonly emitted: Emitted[] = [];
  readonly logged: string[] = [];
  readonly #waiters: Array<() => void> = [];

  readonly onSnapshot = (snapshot: Snapshot, diagnostics: Diagnostic[]): void => {
    this.emitted.push({ snapshot, diagnostics });
    for (const wake of this.#waiters) wake();
  };

  readonly log: SourceLog = {
    info: (message) => this.#record(message),
    warn: (message) => this.#record(message),
    error: (message) => this.#record(message),
  };

  get last(): Emitted {
    return this.emitted[this.emitted.length - 1];
  }

  /** Resolves with the latest emission once `holds` is true of it; rejects at the deadline. */
  until(what: string, holds: (emitted: Emitted) => boolean): Promise<Emitted> {
    return this.#wait(what, () => (this.emitted.length > 0 && holds(this.last) ? this.last : undefined));
  }

  untilLogged(message: string): Promise<string> {
    return this.#wait(`log "${message}"`, () => this.logged.find((m) => m === message));
  }

  #record(message: string): void {
    this.logged.push(message);
    for (const wake of this.#waiters) wake();
  }

  #wait<T>(what: string, check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#waiters.splice(this.#waiters.indexOf(wake), 1);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(wake), 1);
        const last = this.emitted.length > 0 ? JSON.stringify(this.last) : 'none';
        reject(new Error(`timed out after ${DEADLINE_MS} ms waiting for ${what}; last emission: ${last}`));
      }, DEADLINE_MS);
      this.#waiters.push(wake);
      wake();
    });
  }
}

function service(name: string, port = 80, namespace = 'default'): string {
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  ports:\n    - port: ${port}\n`;
}

/** `name:port` of every Service, the compact view the assertions compare. */
const services = (emitted: Emitted) =>
  emitted.snapshot.services.map((s) => `${s.metadata.name}:${s.spec?.ports?.[0]?.port}`);

/** A temp folder holding `files` and a source started on `pathIn(folder)`, cleaned up at the end. */
async function started(
  t: import('node:test').TestContext,
  files: Record<string, string>,
  pathIn: (dir: string) => string = (dir) => dir,
  timing = { debounceMs: 20, maxDelayMs: 200 },
  limits: Partial<ManifestLimits> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-manifests-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const recorder = new Recorder();
  const source = new ManifestSource(pathIn(dir), {
    ...timing,
    retryMs: 50,
    log: recorder.log,
    limits: { ...DEFAULT_MANIFEST_LIMITS, ...limits },
  });
  t.after(async () => {
    await source.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await source.start(recorder.onSnapshot);
  return { dir, recorder, source };
}

describe('ManifestSource', () => {
  test('start emits one snapshot of the manifests under PATH, skipping hidden and editor files', async (t) => {
    const { recorder } = await started(t, {
      'web.yaml': service('web'),
      'apps/api.yml': service('api'),
      'apps/list.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] }),
      '.hidden.yaml': service('hidden'),
      '.git/config.yaml': service('in-dot-folder'),
      'web.yaml~': service('backup'),
      '.web.yaml.swp': service('swap'),
      'notes.txt': service('not-a-manifest-extension'),
    });
    assert.equal(recorder.emitted.length, 1);
    assert.deepEqual(services(recorder.last), ['api:80', 'web:80']);
    assert.deepEqual(recorder.last.diagnostics, []);
  });

  test('start rejects when PATH does not exist', async () => {
    const missing = join(tmpdir(), 'gatehouse-no-such-folder', 'manifests');
    const source = new ManifestSource(missing);
    await assert.rejects(
      source.start(() => assert.fail('no snapshot expected')),
      {
        message: `--manifests ${missing}: no such file or folder`,
      },
    );
  });

  test('editing a file emits a new snapshot with its new objects', async (t) => {
    const { dir, recorder } = await started(t, { 'web.yaml': service('web'), 'api.yaml': service('api') });
    writeFileSync(join(dir, 'web.yaml'), service('web', 8080));
    const emitted = await recorder.until('web on 8080', (e) => services(e).includes('web:8080'));
    assert.deepEqual(services(emitted), ['api:80', 'web:8080']);
  });

  test('a broken edit keeps that file’s last good objects and the other files, with a diagnostic', async (t) => {
    const { dir, recorder } = await started(t, { 'web.yaml': service('web'), 'api.yaml': service('api') });
    writeFileSync(join(dir, 'web.yaml'), `${service('web', 8080)}  oops: [\n`);
    const broken = await recorder.until('an InvalidYAML diagnostic', (e) =>
      e.diagnostics.some((d) => d.reason === 'InvalidYAML'),
    );
    assert.deepEqual(services(broken), ['api:80', 'web:80']);
    assert.equal(broken.diagnostics.length, 1);
    assert.equal(broken.diagnostics[0].object.name, join(dir, 'web.yaml'));

    writeFileSync(join(dir, 'web.yaml'), service('web', 8080));
    const fixed = await recorder.until('web fixed on 8080', (e) => services(e).includes('web:8080'));
    assert.deepEqual(fixed.diagnostics, []);
  });

  test('a file overwritten with text that parses but holds no usable object keeps its last good objects', async (t) => {
    const { dir, recorder } = await started(t, { 'web.yaml': service('web'), 'api.yaml': service('api') });
    // Valid YAML (a plain string, then a Service whose port is no number): nothing in it can be used.
    writeFileSync(
      join(dir, 'web.yaml'),
      `just some text\n---\n${service('web', 8080).replace('8080', '"eighty"')}`,
    );
    const broken = await recorder.until('a diagnostic about web.yaml', (e) => e.diagnostics.length > 0);
    assert.deepEqual(services(broken), ['api:80', 'web:80']);
    // Emptying the file on purpose still removes its objects.
    writeFileSync(join(dir, 'web.yaml'), '');
    const emptied = await recorder.until('web gone', (e) => !services(e).includes('web:80'));
    assert.deepEqual(services(emptied), ['api:80']);
  });

  test('deleting a file removes its objects', async (t) => {
    const { dir, recorder } = await started(t, { 'web.yaml': service('web'), 'api.yaml': service('api') });
    unlinkSync(join(dir, 'web.yaml'));
    const emitted = await recorder.until('web gone', (e) => !services(e).includes('web:80'));
    assert.deepEqual(services(emitted), ['api:80']);
  });

  test('a file added in a new subfolder is read', async (t) => {
    const { dir, recorder } = await started(t, { 'web.yaml': service('web') });
    mkdirSync(join(dir, 'teams', 'shop'), { recursive: true });
    writeFileSync(join(dir, 'teams', 'shop', 'cart.yaml'), service('cart', 9000, 'shop'));
    const emitted = await recorder.until('cart present', (e) => services(e).includes('cart:9000'));
    assert.deepEqual(
      emitted.snapshot.services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
      ['default/web', 'shop/cart'],
    );
  });

  test('a single-file PATH replaced by rename is re-read, again and again', async (t) => {
    const { dir, recorder } = await started(
      t,
      { 'routes.yaml': service('web'), 'neighbour.yaml': service('not-read') },
      (d) => join(d, 'routes.yaml'),
    );
    assert.deepEqual(services(recorder.last), ['web:80']);
    for (const port of [8081, 8082]) {
      // What editors, `sed -i` and `kubectl` do: write beside, then rename over the original.
      writeFileSync(join(dir, 'routes.yaml.tmp'), service('web', port));
      renameSync(join(dir, 'routes.yaml.tmp'), join(dir, 'routes.yaml'));
      const emitted = await recorder.until(`web on ${port}`, (e) => services(e).includes(`web:${port}`));
      assert.deepEqual(services(emitted), [`web:${port}`]);
    }
  });

  for (const [what, pathOf] of [
    ['the mount folder', (mount: string) => mount],
    ['a file in it', (mount: string) => join(mount, 'routes.yaml')],
  ] as const) {
    test(`a ConfigMap volume update (its ..data symlink swapped) is re-read, PATH being ${what}`, async (t) => {
      // The kubelet's layout: mount/routes.yaml -> ..data/routes.yaml, ..data -> ..<version>.
      const publish = (mount: string, version: string, port: number) => {
        mkdirSync(join(mount, version));
        writeFileSync(join(mount, version, 'routes.yaml'), service('web', port));
        symlinkSync(version, join(mount, '..data_tmp'));
        renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
      };
      const { dir, recorder } = await started(t, {}, (d) => {
        mkdirSync(join(d, 'mount'));
        publish(join(d, 'mount'), '..v1', 80);
        symlinkSync('..data/routes.yaml', join(d, 'mount', 'routes.yaml'));
        return pathOf(join(d, 'mount'));
      });
      assert.deepEqual(services(recorder.last), ['web:80']);
      publish(join(dir, 'mount'), '..v2', 8443);
      const emitted = await recorder.until('v2', (e) => services(e).includes('web:8443'));
      assert.deepEqual(services(emitted), ['web:8443']);
    });
  }

  test('PATH vanishing keeps the last objects; its return is read', async (t) => {
    const { dir, recorder } = await started(t, { 'm/web.yaml': service('web') }, (d) => join(d, 'm'));
    const before = recorder.emitted.length;
    rmSync(join(dir, 'm'), { recursive: true });
    await recorder.untilLogged('manifests path is gone; keeping its last objects');
    assert.equal(recorder.emitted.length, before, 'no snapshot emitted while PATH is gone');

    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', 'api.yaml'), service('api'));
    const emitted = await recorder.until('api after PATH returned', (e) => services(e).includes('api:80'));
    assert.deepEqual(services(emitted), ['api:80']);
  });

  test('a duplicate object across files: the later path wins, with a DuplicateObject diagnostic', async (t) => {
    const { recorder } = await started(t, { 'a.yaml': service('web', 1), 'b/c.yaml': service('web', 2) });
    assert.deepEqual(services(recorder.last), ['web:2']);
    assert.deepEqual(
      recorder.last.diagnostics.map((d) => d.reason),
      ['DuplicateObject'],
    );
  });

  /** A Service padded with a comment to `bytes` bytes. */
  const padded = (name: string, port: number, bytes: number) => {
    const text = service(name, port);
    return `${text}# ${'x'.repeat(Math.max(0, bytes - text.length - 3))}\n`;
  };
  const reasons = (e: Emitted) => e.diagnostics.map((d) => `${d.reason} ${d.object.name}`);

  test('a file over --manifests-max-file-size is refused naming the file and the limit; the others serve', async (t) => {
    const { dir, recorder } = await started(
      t,
      { 'a.yaml': service('a'), 'b.yaml': padded('b', 80, 5000) },
      undefined,
      undefined,
      { maxFileBytes: 4096 },
    );
    assert.deepEqual(services(recorder.last), ['a:80']);
    assert.deepEqual(reasons(recorder.last), [`ManifestTooLarge ${join(dir, 'b.yaml')}`]);
    assert.match(
      recorder.last.diagnostics[0].message,
      /b\.yaml: 5000 bytes, over the 4 KiB a file may hold \(--manifests-max-file-size\); this version of the file is not used$/,
    );
    writeFileSync(join(dir, 'a.yaml'), service('a', 8080));
    const edited = await recorder.until('a on 8080', (e) => services(e).includes('a:8080'));
    assert.deepEqual(services(edited), ['a:8080']);
  });

  test('a file that grows past the size limit keeps its last good objects, as a broken file does', async (t) => {
    const { dir, recorder } = await started(
      t,
      { 'a.yaml': service('a'), 'b.yaml': service('b') },
      undefined,
      undefined,
      {
        maxFileBytes: 4096,
      },
    );
    assert.deepEqual(services(recorder.last), ['a:80', 'b:80']);
    writeFileSync(join(dir, 'b.yaml'), padded('b', 8080, 4097));
    const grown = await recorder.until('b refused', (e) =>
      e.diagnostics.some((d) => d.reason === 'ManifestTooLarge'),
    );
    assert.deepEqual(services(grown), ['a:80', 'b:80']);
    assert.match(grown.diagnostics[0].message, /4097 bytes, .*; its previous objects are kept$/);

    writeFileSync(join(dir, 'b.yaml'), padded('b', 8081, 4096));
    const shrunk = await recorder.until('b on 8081', (e) => services(e).includes('b:8081'));
    assert.deepEqual(shrunk.diagnostics, []);
  });

  test('files past --manifests-max-total-size are refused in path order, keeping what they held', async (t) => {
    const { dir, recorder } = await started(
      t,
      { 'a.yaml': padded('a', 80, 3000), 'b.yaml': padded('b', 80, 3000), 'c.yaml': padded('c', 80, 3000) },
      undefined,
      undefined,
      { maxTotalBytes: 7000 },
    );
    assert.deepEqual(services(recorder.last), ['a:80', 'b:80']);
    assert.deepEqual(reasons(recorder.last), [`ManifestsTooLarge ${join(dir, 'c.yaml')}`]);
    assert.match(recorder.last.diagnostics[0].message, /c\.yaml: 3000 bytes .*--manifests-max-total-size/);
    // a grows: b no longer fits, and keeps the objects it had.
    writeFileSync(join(dir, 'a.yaml'), padded('a', 8080, 5000));
    const grown = await recorder.until('a on 8080', (e) => services(e).includes('a:8080'));
    assert.deepEqual(services(grown), ['a:8080', 'b:80']);
    assert.deepEqual(reasons(grown), [
      `ManifestsTooLarge ${join(dir, 'b.yaml')}`,
      `ManifestsTooLarge ${join(dir, 'c.yaml')}`,
    ]);
  });

  test('a folder of more files than --manifests-max-files reads the first ones in path order', async (t) => {
    const { dir, recorder } = await started(
      t,
      { 'a.yaml': service('a'), 'b.yaml': service('b'), 'c.yaml': service('c') },
      undefined,
      undefined,
      { maxFiles: 2 },
    );
    assert.deepEqual(services(recorder.last), ['a:80', 'b:80']);
    assert.deepEqual(reasons(recorder.last), [`TooManyManifestFiles ${dir}`]);
    assert.match(
      recorder.last.diagnostics[0].message,
      /3 manifest files, .* first 2 .*--manifests-max-files/,
    );
  });

  test('20 quick writes are coalesced into far fewer snapshots, ending on the last content', async (t) => {
    const { dir, recorder } = await started(t, { 'web.yaml': service('web') }, undefined, {
      debounceMs: 100,
      maxDelayMs: 1000,
    });
    const before = recorder.emitted.length;
    // Writes paced 5 ms apart (pacing the writer, not synchronising): without the debounce each
    // one would be read and emitted on its own.
    for (let port = 1001; port <= 1020; port++) {
      await writeFile(join(dir, 'web.yaml'), service('web', port));
      await pause(5);
    }
    const emitted = await recorder.until('the 20th write', (e) => services(e).includes('web:1020'));
    assert.deepEqual(services(emitted), ['web:1020']);
    const snapshots = recorder.emitted.length - before;
    assert.ok(snapshots < 10, `${snapshots} snapshots for 20 writes`);
  });
});
