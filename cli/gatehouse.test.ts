// The `gatehouse` bin as a process: subcommands dispatch, bare flags stay the controller's, and a
// PATH of `-` reads the real stdin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).bin.gatehouse as string;

function gatehouse(args: string[], input = '') {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8', timeout: 60_000 });
}

describe('the gatehouse command', () => {
  test('package.json names cli/gatehouse.ts as the bin', () => {
    assert.equal(bin, 'cli/gatehouse.ts');
  });

  test('lint --help and explain --help print their usage and exit 0', () => {
    for (const command of ['lint', 'explain']) {
      const r = gatehouse([command, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: gatehouse ${command} `));
    }
  });

  test('bare gatehouse --help is still the controller', () => {
    const r = gatehouse(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: gatehouse \[flags\]/);
    assert.match(r.stdout, /--manifests PATH/);
  });

  test('lint - reads stdin and exits 1 on an error', () => {
    const yaml = [
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata: {name: a, namespace: x}',
      'spec:',
      '  ingressClassName: gatehouse',
      '  defaultBackend: {service: {name: nowhere, port: {number: 80}}}',
    ].join('\n');
    const r = gatehouse(['lint', '--ingress-class', 'gatehouse', '-'], yaml);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^-:1:1: error ServiceNotFound Ingress x\/a/m);
  });
});
