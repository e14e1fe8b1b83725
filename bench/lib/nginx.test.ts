import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LARGE_BODY, proxyConfig, SMALL_BODY, upstreamConfig } from './nginx.ts';

test('the reference proxy has the same worker count, upstream keep-alive and every Ingress host', () => {
  const conf = proxyConfig('/tmp/x', {
    workers: 2,
    httpPort: 8080,
    upstreamPort: 9000,
    hosts: ['a.test', 'b.test'],
  });
  assert.match(conf, /^worker_processes 2;$/m);
  assert.match(conf, /server 127\.0\.0\.1:9000;\s+keepalive \d+;/);
  assert.match(conf, /proxy_http_version 1\.1;/);
  assert.match(conf, /proxy_set_header Connection "";/);
  assert.match(conf, /server_name a\.test b\.test;/);
  assert.match(conf, /access_log off;/);
  assert.doesNotMatch(conf, /ssl/);
});

test('the upstream serves a small body and a body of exactly 4 KiB, on two listeners', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-test-'));
  try {
    const conf = upstreamConfig(dir, { main: 9001, alt: 9002 });
    assert.equal(readFileSync(join(dir, 'www', '4k'), 'utf8'), LARGE_BODY);
    assert.equal(Buffer.byteLength(LARGE_BODY), 4096);
    assert.equal(readFileSync(join(dir, 'www', 'small'), 'utf8'), SMALL_BODY);
    assert.match(conf, /listen 127\.0\.0\.1:9001 /);
    assert.match(conf, /listen 127\.0\.0\.1:9002 /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
