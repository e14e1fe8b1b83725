// The exposition judged by Prometheus's own linter: every metric Gatehouse exposes, with series,
// must pass `promtool check metrics`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { exposition } from '../../controller/src/metrics/aggregate.ts';
import { checkMetrics } from './promtool.ts';
import { sampleFamilies } from './sample.ts';

describe('promtool check metrics', () => {
  it('passes the aggregated exposition of the primary and two workers', async () => {
    const { body } = await exposition(await sampleFamilies(), 'prometheus');
    assert.match(body, /^gatehouse_requests_total\{/m, 'the sample has request series');
    const { ok, findings } = checkMetrics(body);
    assert.ok(ok, findings);
  });

  it("flags prom-client's own *_total gauges, which the exposition therefore leaves out", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const raw = checkMetrics(await registry.metrics());
    assert.equal(raw.ok, false);
    assert.match(
      raw.findings,
      /nodejs_active_handles_total.*non-counter metrics should not have "_total" suffix/,
    );
    const json = await registry.getMetricsAsJSON();
    const ours = checkMetrics((await exposition([json as never], 'prometheus')).body);
    assert.ok(ours.ok, ours.findings);
  });

  it('catches a counter without the _total suffix (the linter is live)', () => {
    const bad = '# HELP gatehouse_hits Hits.\n# TYPE gatehouse_hits counter\ngatehouse_hits 1\n';
    assert.equal(checkMetrics(bad).ok, false);
  });
});
