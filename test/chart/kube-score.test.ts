// kube-score finds nothing critical in any value set. Two checks are off on purpose:
// - CPU limit: throttling a proxy turns into tail latency; the chart sets requests and a memory limit.
// - pullPolicy Always: with a pinned tag or digest, IfNotPresent lets pods start while the registry
//   is down, which matters most for the ingress controller during an incident.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { type K8sObject, render, valueSets } from './chart.ts';
import { chartTools } from './tools.ts';

const flags = [
  '--output-format',
  'ci',
  '--ignore-container-cpu-limit',
  '--ignore-test',
  'container-image-pull-policy',
  '--enable-optional-test',
  'container-seccomp-profile',
  '--enable-optional-test',
  'container-ports-check',
];

function kubeScore(manifests: string): string[] {
  const run = spawnSync(chartTools().kubeScore, ['score', ...flags, '-'], {
    input: manifests,
    encoding: 'utf8',
  });
  if (run.stdout.trim() === '') throw new Error(`kube-score printed nothing: ${run.stderr}`);
  return run.stdout.trim().split('\n');
}

describe('kube-score', () => {
  for (const set of valueSets) {
    test(`values "${set.name}": no CRITICAL finding`, () => {
      const lines = kubeScore(render({ files: set.files }).text);
      assert.ok(
        lines.some((l) => l.startsWith('[OK]')),
        'kube-score scored the objects',
      );
      assert.deepEqual(
        lines.filter((l) => l.startsWith('[CRITICAL]')),
        [],
      );
    });
  }

  test('a container without its security context is CRITICAL (the check is live)', () => {
    const { objects } = render();
    const weakened = objects.map((o): K8sObject => {
      if (o.kind !== 'Deployment') return o;
      const copy = structuredClone(o);
      delete copy.spec.template.spec.containers[0].securityContext;
      return copy;
    });
    const critical = kubeScore(weakened.map((o) => stringify(o)).join('---\n')).filter((l) =>
      l.startsWith('[CRITICAL]'),
    );
    assert.ok(
      critical.some((l) => /security ?context|read only|ReadOnlyRootFilesystem|privileged/i.test(l)),
      critical.join('\n'),
    );
  });
});
