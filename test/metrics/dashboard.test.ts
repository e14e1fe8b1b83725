// The Grafana dashboard shipped in the chart uses only metrics and labels Gatehouse exposes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { catalog } from './catalog.ts';
import { type Catalog, checkQuery, queryReferences } from './promql.ts';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = JSON.parse(
  readFileSync(new URL('../../charts/gatehouse/dashboards/gatehouse.json', import.meta.url), 'utf8'),
) as { panels: Panel[]; templating: { list: Array<{ type: string; query: unknown }> } };

function queries(): Array<{ where: string; query: string }> {
  const out: Array<{ where: string; query: string }> = [];
  for (const p of dashboard.panels)
    for (const t of p.targets ?? []) out.push({ where: p.title, query: t.expr });
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
    out.push({ where: `variable ${JSON.stringify(v.query)}`, query: q });
  }
  return out;
}

describe('Grafana dashboard', () => {
  let known: Catalog;
  before(async () => {
    known = (await catalog()).catalog;
  });

  it('every query names existing metrics and labels', () => {
    const all = queries();
    assert.ok(all.length >= 15, `only ${all.length} queries`);
    for (const { where, query } of all) assert.deepEqual(checkQuery(query, known), [], `${where}: ${query}`);
  });

  it('has the panels operators look for first', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const want of [
      'request rate',
      'error ratio',
      'latency quantiles by ingress',
      'upstream errors',
      'config applies',
      'worker restarts',
      'certificate expiry',
    ]) {
      assert.ok(titles.includes(want), `no panel titled "${want}"`);
    }
  });

  const wrong: Array<[string, string, RegExp]> = [
    ['an unknown metric', 'rate(gatehouse_request_total[5m])', /unknown metric gatehouse_request_total/],
    ['a label the metric lacks', 'gatehouse_routes{ingress="x"}', /gatehouse_routes has no label ingress/],
    ['grouping by a path', 'sum by (path) (rate(gatehouse_requests_total[5m]))', /label path/],
    [
      'an unknown metric in label_values',
      'label_values(gatehouse_nope, namespace)',
      /unknown metric gatehouse_nope/,
    ],
  ];
  for (const [what, query, problem] of wrong) {
    it(`the check catches ${what}`, () => {
      assert.match(checkQuery(query, known).join('\n'), problem);
    });
  }

  it('reads metric names past functions, ranges, strings and grouping', () => {
    const refs = queryReferences(
      'histogram_quantile(0.99, sum by (namespace, le) (rate(gatehouse_request_duration_seconds_bucket{status="5xx"}[$__rate_interval]))) / on() group_left time()',
    );
    assert.deepEqual([...refs.metrics], ['gatehouse_request_duration_seconds_bucket']);
    assert.deepEqual(refs.matchers, [
      { metric: 'gatehouse_request_duration_seconds_bucket', label: 'status' },
    ]);
    assert.deepEqual([...refs.grouping].sort(), ['le', 'namespace']);
  });
});
