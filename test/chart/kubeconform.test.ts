// Every object the chart renders, for every value set, is valid against the Kubernetes 1.35 JSON
// schemas, offline and strict (unknown fields are errors); ServiceMonitor and PodMonitor against
// schemas made from prometheus-operator's own CRDs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { type K8sObject, render, valueSets } from './chart.ts';
import { writeCrdJsonSchemas } from './crd-schema.ts';
import { chartTools } from './tools.ts';

const crdSchemas = mkdtempSync(join(tmpdir(), 'gatehouse-crd-schemas-'));
after(() => rmSync(crdSchemas, { recursive: true, force: true }));

interface Summary {
  resources: Array<{ kind: string; name: string; status: string; msg: string }>;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

function kubeconform(manifests: string): Summary {
  const tools = chartTools();
  const run = spawnSync(
    tools.kubeconform,
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-schema-location',
      join(tools.schemas, '{{.ResourceKind}}{{.KindSuffix}}.json'),
      '-schema-location',
      join(crdSchemas, '{{.ResourceKind}}{{.KindSuffix}}.json'),
      '-',
    ],
    { input: manifests, encoding: 'utf8' },
  );
  if (run.stdout.trim() === '') throw new Error(`kubeconform printed nothing: ${run.stderr}`);
  return JSON.parse(run.stdout) as Summary;
}

describe('kubeconform (Kubernetes 1.35 schemas, strict, offline)', () => {
  let crdFiles: string[] = [];
  before(() => {
    crdFiles = writeCrdJsonSchemas(chartTools().monitoringCrds, crdSchemas);
  });

  test('the prometheus-operator CRDs give schemas for ServiceMonitor and PodMonitor', () => {
    assert.deepEqual(crdFiles, ['podmonitor-monitoring-v1.json', 'servicemonitor-monitoring-v1.json']);
  });

  for (const set of valueSets) {
    test(`values "${set.name}": every rendered object is valid`, () => {
      const { text, objects } = render({ files: set.files });
      const result = kubeconform(text);
      assert.deepEqual(
        result.resources.filter((r) => r.status !== 'statusValid'),
        [],
      );
      assert.equal(result.summary.valid, objects.length, 'each object was checked against a schema');
    });
  }

  for (const kind of ['Deployment', 'ServiceMonitor']) {
    test(`an unknown field in a rendered ${kind} is reported (the schemas are really used)`, () => {
      const { objects } = render({ files: valueSets.find((s) => s.name === 'metrics')?.files });
      const broken = objects.map(
        (o): K8sObject => (o.kind === kind ? { ...o, spec: { ...o.spec, replica: 2 } } : o),
      );
      const result = kubeconform(broken.map((o) => stringify(o)).join('---\n'));
      const invalid = result.resources.filter((r) => r.status === 'statusInvalid');
      assert.equal(invalid.length, 1);
      assert.equal(invalid[0].kind, kind);
      assert.match(invalid[0].msg, /replica/);
    });
  }
});
