// One exposition from the metrics of every process: prom-client's AggregatorRegistry.aggregate()
// over the families each worker sent as JSON plus the primary's own. Request metrics add up across
// workers; process metrics carry a `process` label, so each process keeps its own series.
import { AggregatorRegistry } from 'prom-client';
import type { MetricFamily } from '../../../dataplane/src/table/messages.ts';
import { CONTENT_TYPES, type ExpositionFormat } from './negotiate.ts';

/**
 * prom-client's default metrics include three gauges named `*_total`, which promtool rejects
 * ("non-counter metrics should not have _total suffix"). They are dropped here: each is the sum of
 * its per-type gauge (`nodejs_active_handles{type}` …), so `sum by (process)` of those says the same.
 */
export const MISNAMED_GAUGES: ReadonlySet<string> = new Set([
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]);

function perProcess(family: MetricFamily): boolean {
  return family.values.length > 0 && family.values.every((v) => v.labels.process !== undefined);
}

/** Families ready for aggregate(): misnamed gauges out, per-process families kept side by side. */
export function prepare(families: MetricFamily[]): MetricFamily[] {
  const out: MetricFamily[] = [];
  for (const family of families) {
    if (MISNAMED_GAUGES.has(family.name)) continue;
    // Series of different processes never share labels, so `sum` keeps each one as it is (the
    // defaults would average event-loop lag across processes, or omit the start time).
    out.push(perProcess(family) ? { ...family, aggregator: 'sum' } : family);
  }
  return out;
}

/**
 * OpenMetrics names a counter family without `_total` and its samples with it. prom-client appends
 * the suffix to the samples but, on an aggregated registry, still reads the family name with it
 * (`x_total_total`), so the family is renamed here instead.
 */
function openMetricsNames(families: MetricFamily[]): MetricFamily[] {
  return families.map((f) =>
    f.type === 'counter' && f.name.endsWith('_total') ? { ...f, name: f.name.slice(0, -'_total'.length) } : f,
  );
}

export async function exposition(
  perProcessFamilies: MetricFamily[][],
  format: ExpositionFormat,
): Promise<{ contentType: string; body: string }> {
  const prepared = perProcessFamilies.map(prepare);
  const registry = AggregatorRegistry.aggregate(
    format === 'openmetrics' ? prepared.map(openMetricsNames) : prepared,
  );
  const contentType = CONTENT_TYPES[format];
  registry.setContentType(
    format === 'openmetrics'
      ? AggregatorRegistry.OPENMETRICS_CONTENT_TYPE
      : AggregatorRegistry.PROMETHEUS_CONTENT_TYPE,
  );
  return { contentType, body: await registry.metrics() };
}
