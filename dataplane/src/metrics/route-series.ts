// The series a compiled route counts into, bound when the table is compiled: one BackendSeries per
// (namespace, ingress, service), shared by every route and table version with those labels. Series
// per method × status class are bound on first use and then kept in an array slot.
import type { CompiledBackend } from '../upstream/balancer.ts';
import { METHODS, REQUEST_SLOTS, STATUS_CLASSES, UPSTREAM_ERROR_REASONS } from './labels.ts';
import type { CounterFamily, CounterSeries, HistogramFamily, HistogramSeries } from './series.ts';

export interface ProxyFamilies {
  requests: CounterFamily;
  duration: HistogramFamily;
  upstreamDuration: HistogramFamily;
  requestBytes: CounterFamily;
  responseBytes: CounterFamily;
  upstreamErrors: CounterFamily;
  retries: CounterFamily;
}

export type RouteLabels = { namespace: string; ingress: string; service: string };

export class BackendSeries {
  readonly labels: RouteLabels;
  readonly #families: ProxyFamilies;
  readonly requests: Array<CounterSeries | undefined>;
  readonly durations: Array<HistogramSeries | undefined>;
  #upstreamDuration: HistogramSeries | undefined = undefined;
  #requestBytes: CounterSeries | undefined = undefined;
  #responseBytes: CounterSeries | undefined = undefined;
  #retries: CounterSeries | undefined = undefined;
  readonly #errors: Array<CounterSeries | undefined>;

  constructor(labels: RouteLabels, families: ProxyFamilies) {
    this.labels = labels;
    this.#families = families;
    this.requests = Array.from({ length: REQUEST_SLOTS }, () => undefined);
    this.durations = Array.from({ length: REQUEST_SLOTS }, () => undefined);
    this.#errors = UPSTREAM_ERROR_REASONS.map(() => undefined);
  }

  #slotLabels(slot: number): Record<string, string> {
    const classes = STATUS_CLASSES.length;
    return {
      ...this.labels,
      method: METHODS[(slot / classes) | 0],
      status: STATUS_CLASSES[slot % classes],
    };
  }

  /** The request counter of a method × status-class slot (see labels.ts requestSlot). */
  request(slot: number): CounterSeries {
    let series = this.requests[slot];
    if (series === undefined) {
      series = this.#families.requests.bind(this.#slotLabels(slot));
      this.requests[slot] = series;
    }
    return series;
  }

  duration(slot: number): HistogramSeries {
    let series = this.durations[slot];
    if (series === undefined) {
      series = this.#families.duration.bind(this.#slotLabels(slot));
      this.durations[slot] = series;
    }
    return series;
  }

  // Bound on first use too, so a route that never forwards shows no empty series.
  upstreamDuration(): HistogramSeries {
    this.#upstreamDuration ??= this.#families.upstreamDuration.bind(this.labels);
    return this.#upstreamDuration;
  }

  requestBytes(): CounterSeries {
    this.#requestBytes ??= this.#families.requestBytes.bind(this.labels);
    return this.#requestBytes;
  }

  responseBytes(): CounterSeries {
    this.#responseBytes ??= this.#families.responseBytes.bind(this.labels);
    return this.#responseBytes;
  }

  retries(): CounterSeries {
    this.#retries ??= this.#families.retries.bind(this.labels);
    return this.#retries;
  }

  /** Upstream errors are the service's, whatever route led to it: no ingress label. */
  upstreamError(reason: number): CounterSeries {
    let series = this.#errors[reason];
    if (series === undefined) {
      series = this.#families.upstreamErrors.bind({
        namespace: this.labels.namespace,
        service: this.labels.service,
        reason: UPSTREAM_ERROR_REASONS[reason],
      });
      this.#errors[reason] = series;
    }
    return series;
  }
}

/** A route's series: one per backend of its groups, plus `none` for answers without a backend. */
export class RouteSeries {
  readonly backends: readonly CompiledBackend[];
  readonly perBackend: readonly BackendSeries[];
  readonly none: BackendSeries;

  constructor(
    backends: readonly CompiledBackend[],
    perBackend: readonly BackendSeries[],
    none: BackendSeries,
  ) {
    this.backends = backends;
    this.perBackend = perBackend;
    this.none = none;
  }

  /** A linear scan: a route has one backend, or a handful in a canary split. */
  forBackend(backend: CompiledBackend | undefined): BackendSeries {
    if (backend === undefined) return this.none;
    const backends = this.backends;
    for (let i = 0; i < backends.length; i++) if (backends[i] === backend) return this.perBackend[i];
    return this.none;
  }
}
