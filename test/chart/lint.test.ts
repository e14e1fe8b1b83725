// `helm lint --strict` judges the chart with each value set, under Helm 4 and Helm 3: users run both.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chartDir, helm, valueSets } from './chart.ts';

describe('helm lint --strict', () => {
  for (const version of ['helm4', 'helm3'] as const) {
    for (const set of valueSets) {
      test(`${version}: values "${set.name}" lint without warnings or errors`, () => {
        const run = helm(['lint', '--strict', chartDir, ...set.files.flatMap((f) => ['--values', f])], {
          helm: version,
        });
        assert.equal(run.status, 0, `helm lint failed:\n${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
        assert.doesNotMatch(run.stdout, /\[(WARNING|ERROR)\]/);
      });
    }
  }

  test('helm lint --strict fails on a values file that breaks the schema (the lint is not vacuous)', () => {
    const run = helm(['lint', '--strict', chartDir, '--set', 'controller.kind=StatefulSet']);
    assert.notEqual(run.status, 0);
    assert.match(run.stdout + run.stderr, /controller\/kind/);
  });
});
