// grafanaDashboard ships the chart's dashboards/*.json as a ConfigMap Grafana's sidecar picks up. The
// tests work on a copy of the chart so that they control which dashboards exist.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chartDir, find, render, renderRun, soleObject } from './chart.ts';

const fixture = new URL('./fixtures/dashboard.json', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'gatehouse-chart-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the chart whose dashboards/ holds exactly `files` (name → content). */
function chartWith(name: string, files: Record<string, string>): string {
  const dir = join(work, name, 'gatehouse');
  cpSync(chartDir, dir, { recursive: true });
  rmSync(join(dir, 'dashboards'), { recursive: true, force: true });
  mkdirSync(join(dir, 'dashboards'));
  for (const [file, text] of Object.entries(files)) cpSync(text, join(dir, 'dashboards', file));
  return dir;
}

describe('Grafana dashboards', () => {
  test('every dashboards/*.json becomes one key of a ConfigMap labelled for the Grafana sidecar', () => {
    const real = join(chartDir, 'dashboards');
    const shipped: Record<string, string> = { 'fixture.json': fixture.pathname };
    for (const f of (() => {
      try {
        return readdirSync(real).filter((x) => x.endsWith('.json'));
      } catch {
        return [];
      }
    })()) {
      shipped[f] = join(real, f);
    }
    const chart = chartWith('some', shipped);
    const { objects } = render({ chart, set: { 'grafanaDashboard.enabled': 'true' } });
    const cm = soleObject(objects, 'ConfigMap');
    assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
    assert.deepEqual(Object.keys(cm.data).sort(), Object.keys(shipped).sort());
    for (const [file, path] of Object.entries(shipped)) {
      assert.deepEqual(
        JSON.parse(cm.data[file]),
        JSON.parse(readFileSync(path, 'utf8')),
        `${file} is shipped unchanged`,
      );
    }
  });

  test('off by default: no ConfigMap', () => {
    assert.deepEqual(find(render().objects, 'ConfigMap'), []);
  });

  test('enabled with no dashboard in the chart fails and says why', () => {
    const run = renderRun({ chart: chartWith('none', {}), set: { 'grafanaDashboard.enabled': 'true' } });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /grafanaDashboard\.enabled: the chart has no dashboards\/\*\.json/);
  });
});
