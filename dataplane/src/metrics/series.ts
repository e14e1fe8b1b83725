// Metric families whose series are plain objects bound once and then bumped in place: counting a
// request is `series.value++`, with no label hashing and no allocation (prom-client's own
// `inc(labels)` hashes its labels on every call). A family renders itself in the JSON shape of
// prom-client's `getMetricsAsJSON()`, so the primary aggregates it with prom-client like any other.
import type { MetricFamily } from '../table/messages.ts';

export type Labels = Readonly<Record<string, string>>;

export class CounterSeries {
  readonly labels: Labels;
  value = 0;

  constructor(labels: Labels) {
    this.labels = labels;
  }
}

export class GaugeSeries {
  readonly labels: Labels;
  value = 0;

  constructor(labels: Labels) {
    this.labels = labels;
  }
}

export class HistogramSeries {
  readonly labels: Labels;
  readonly bounds: readonly number[];
  /** Per bucket, not cumulative; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(labels: Labels, bounds: readonly number[]) {
    this.labels = labels;
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

abstract class Family<S extends { labels: Labels }> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly #series = new Map<string, S>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  protected abstract create(labels: Labels): S;

  /** The series of these labels: the same object for equal labels, across route tables. */
  bind(labels: Labels): S {
    let key = '';
    for (const name of this.labelNames) {
      const value = labels[name];
      if (typeof value !== 'string') throw new Error(`${this.name}: label ${name} missing`);
      key += `${value}\u0000`;
    }
    let series = this.#series.get(key);
    if (series === undefined) {
      const own: Record<string, string> = {};
      for (const name of this.labelNames) own[name] = labels[name];
      series = this.create(Object.freeze(own));
      this.#series.set(key, series);
    }
    return series;
  }

  /** Drop every series (gauges recomputed from scratch). */
  clear(): void {
    this.#series.clear();
  }

  get series(): IterableIterator<S> {
    return this.#series.values();
  }
}

export class CounterFamily extends Family<CounterSeries> {
  protected create(labels: Labels): CounterSeries {
    return new CounterSeries(labels);
  }

  toJSON(): MetricFamily {
    const values = [];
    for (const s of this.series) values.push({ value: s.value, labels: { ...s.labels } });
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values };
  }
}

export class GaugeFamily extends Family<GaugeSeries> {
  protected create(labels: Labels): GaugeSeries {
    return new GaugeSeries(labels);
  }

  toJSON(): MetricFamily {
    const values = [];
    for (const s of this.series) values.push({ value: s.value, labels: { ...s.labels } });
    return { name: this.name, help: this.help, type: 'gauge', aggregator: 'sum', values };
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  readonly bounds: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]) {
    super(name, help, labelNames);
    this.bounds = bounds;
  }

  protected create(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds);
  }

  /** prom-client's histogram shape: cumulative `_bucket` lines with `le`, then `_sum` and `_count`. */
  toJSON(): MetricFamily {
    const values: MetricFamily['values'] = [];
    for (const s of this.series) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i];
        values.push({
          value: cumulative,
          labels: { le: this.bounds[i], ...s.labels },
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
