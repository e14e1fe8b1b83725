import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { compileCacheDir, workerEnv } from './compile-cache.ts';

const base = mkdtempSync(join(tmpdir(), 'gatehouse-cc-test-'));
after(() => rmSync(base, { recursive: true, force: true }));
const uid = process.getuid?.() ?? 0;

test('the cache directory is made private to this user', () => {
  const dir = compileCacheDir(base, uid);
  assert.equal(dir, join(base, `gatehouse-compile-cache-${uid}`));
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});

test('a directory others can write to is not trusted with code', () => {
  const dir = join(base, `gatehouse-compile-cache-${uid}`);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  assert.equal(compileCacheDir(base, uid), undefined);
  chmodSync(dir, 0o700);
  assert.equal(compileCacheDir(base, uid), dir);
});

test('a directory owned by someone else is not trusted', () => {
  // The directory exists (made by this user), but the caller claims another uid.
  assert.equal(compileCacheDir(base, uid + 1), undefined);
});

test('workers get the cache unless the operator set one, or there is none to trust', () => {
  assert.equal(workerEnv({ A: '1' }, '/c').NODE_COMPILE_CACHE, '/c');
  assert.equal(workerEnv({ A: '1' }, '/c').A, '1');
  assert.equal(workerEnv({ NODE_COMPILE_CACHE: '/mine' }, '/c').NODE_COMPILE_CACHE, '/mine');
  assert.equal(workerEnv({ A: '1' }, undefined).NODE_COMPILE_CACHE, undefined);
});
