// The worker's request and connection metrics (docs/architecture.md § Metrics). Series are bound per route
// when a table is compiled (bindRoute) and bumped in place per request (record); the families
// render as prom-client JSON when the primary asks for a scrape.
import type { Duplex } from 'node:stream';
import type { SeriesBinder } from '../compile.ts';
import { CLIENT_BODY_TIMEOUT, CLIENT_BODY_TOO_SLOW } from '../proxy/body-guard.ts';
import type { ExchangeEnd } from '../proxy/observer.ts';
import type { MetricFamily } from '../table/messages.ts';
import type { Route } from '../table/types.ts';
import type { CompiledBackend } from '../upstream/balancer.ts';
import {
  MIRROR_OUTCOMES,
  reasonIndex,
  requestSlot,
  type UpstreamErrorReason,
  upstreamErrorReason,
} from './labels.ts';
import { BackendSeries, type ProxyFamilies, type RouteLabels, RouteSeries } from './route-series.ts';
import {
  CounterFamily,
  type CounterSeries,
  GaugeFamily,
  type GaugeSeries,
  HistogramFamily,
} from './series.ts';

/** Edge-proxy latencies: a millisecond up to the 60 s default upstream timeout. */
export const DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

const ROUTE_LABELS = ['namespace', 'ingress', 'service'] as const;
const REQUEST_LABELS = [...ROUTE_LABELS, 'method', 'status'] as const;

const kConnection = Symbol('gatehouse.connectionSeries');
type TrackedSocket = Duplex & { [kConnection]?: GaugeSeries };

function onConnectionClose(this: TrackedSocket): void {
  const active = this[kConnection];
  if (active !== undefined) active.value--;
  this[kConnection] = undefined;
}

/** The `ingress` label: the name of the route's source object; none for the default-backend flag. */
export function routeLabels(route: Route, backend: CompiledBackend | undefined): RouteLabels {
  const fromFlag = route.source.kind === 'Flag';
  return {
    namespace: route.source.namespace || (backend?.backend.namespace ?? ''),
    ingress: fromFlag ? '' : route.source.name,
    service: backend?.backend.service ?? '',
  };
}

export class ProxyMetrics {
  readonly families: ProxyFamilies;
  readonly connectionsActive = new GaugeFamily(
    'gatehouse_connections_active',
    'Client connections open now, by listener and protocol.',
    ['listener', 'protocol'],
  );
  readonly connectionsTotal = new CounterFamily(
    'gatehouse_connections_total',
    'Client connections accepted, by listener and protocol.',
    ['listener', 'protocol'],
  );
  readonly clientBodyTimeouts = new CounterFamily(
    'gatehouse_client_body_timeouts_total',
    'Requests answered 408 because their body stalled (reason idle: --client-body-timeout) or ' +
      'dripped below --client-body-min-rate (reason rate).',
    ['reason'],
  );
  readonly #bodyIdle: CounterSeries;
  readonly #bodyRate: CounterSeries;
  readonly proxyHeaderRefused = new CounterFamily(
    'gatehouse_proxy_protocol_refused_total',
    'Connections closed because their PROXY protocol header was refused, by listener and reason.',
    ['listener', 'reason'],
  );
  readonly passthroughConnections = new CounterFamily(
    'gatehouse_ssl_passthrough_connections_total',
    'TLS connections passed through by SNI without termination, by service and outcome: piped, ' +
      'no_endpoint, connect_error.',
    ['namespace', 'service', 'outcome'],
  );
  readonly mirrorRequests = new CounterFamily(
    'gatehouse_mirror_requests_total',
    'Mirrored copies of requests, by route labels, mirror service and outcome: answered, error, ' +
      'overflow, no_endpoint, cancelled.',
    [...ROUTE_LABELS, 'outcome'],
  );
  readonly accessLogDropped = new CounterFamily(
    'gatehouse_access_log_dropped_total',
    'Access log lines dropped because the log output could not keep up.',
    [],
  );
  readonly requestsDenied = new CounterFamily(
    'gatehouse_requests_denied_total',
    'Requests the proxy refused itself, by route labels and reason: client_address (403, the ' +
      "route's allow/deny rules on the client address), basic_auth (401, no valid credentials), external_auth (its auth-url did not answer 2xx), " +
      'rate_limit and connection_limit (503, limit-rps/-rpm and limit-connections), global_rate_limit (429, global-rate-limit).',
    ['namespace', 'ingress', 'reason'],
  );
  readonly #denied = new Map<string, CounterSeries>();
  /** Requests no route took (and malformed ones): namespace, ingress and service all empty. */
  readonly unmatched: BackendSeries;
  readonly #byLabels = new Map<string, BackendSeries>();
  readonly #connections = new Map<string, { active: GaugeSeries; total: CounterSeries }>();

  constructor() {
    this.families = {
      requests: new CounterFamily(
        'gatehouse_requests_total',
        'Requests answered, by route labels, method and status class.',
        REQUEST_LABELS,
      ),
      duration: new HistogramFamily(
        'gatehouse_request_duration_seconds',
        'Time from request received to response sent.',
        REQUEST_LABELS,
        DURATION_BUCKETS,
      ),
      upstreamDuration: new HistogramFamily(
        'gatehouse_upstream_response_duration_seconds',
        'Time from request sent upstream to the last byte of its response.',
        ROUTE_LABELS,
        DURATION_BUCKETS,
      ),
      requestBytes: new CounterFamily(
        'gatehouse_request_size_bytes_total',
        'Bytes received from clients (request line, headers and body).',
        ROUTE_LABELS,
      ),
      responseBytes: new CounterFamily(
        'gatehouse_response_size_bytes_total',
        'Bytes sent to clients (status line, headers and body).',
        ROUTE_LABELS,
      ),
      upstreamErrors: new CounterFamily(
        'gatehouse_upstream_errors_total',
        'Failed upstream attempts, by reason: connect, timeout, reset, tls, ejected, refused_address.',
        ['namespace', 'service', 'reason'],
      ),
      retries: new CounterFamily('gatehouse_retries_total', 'Upstream attempts retried.', ROUTE_LABELS),
    };
    this.unmatched = this.seriesFor({ namespace: '', ingress: '', service: '' });
    this.accessLogDropped.bind({});
    this.#bodyIdle = this.clientBodyTimeouts.bind({ reason: 'idle' });
    this.#bodyRate = this.clientBodyTimeouts.bind({ reason: 'rate' });
  }

  seriesFor(labels: RouteLabels): BackendSeries {
    const key = `${labels.namespace}\u0000${labels.ingress}\u0000${labels.service}`;
    let series = this.#byLabels.get(key);
    if (series === undefined) {
      series = new BackendSeries(labels, this.families);
      this.#byLabels.set(key, series);
    }
    return series;
  }

  /** compile()'s hook: a route's series, one per backend of its groups. */
  readonly bindRoute: SeriesBinder = (route, backends) =>
    new RouteSeries(
      backends,
      backends.map((b) => this.seriesFor(routeLabels(route, b))),
      this.seriesFor(routeLabels(route, undefined)),
    );

  /** A route's series for copies sent to a mirror backend, one per outcome (MIRROR_OUTCOMES order). */
  bindMirror(route: Route, backend: CompiledBackend): CounterSeries[] {
    const labels = routeLabels(route, backend);
    return MIRROR_OUTCOMES.map((outcome) => this.mirrorRequests.bind({ ...labels, outcome }));
  }

  /** One finished exchange. `seconds`: its whole duration; bytes as seen on the client side. */
  record(end: ExchangeEnd, seconds: number, bytesIn: number, bytesOut: number): void {
    const series = end.route?.series?.forBackend(end.backend) ?? this.unmatched;
    const slot = requestSlot(end.req.method, end.status);
    series.request(slot).value++;
    series.duration(slot).observe(seconds);
    if (end.upstreamEndedAt > 0) {
      series.upstreamDuration().observe((end.upstreamEndedAt - end.upstreamStartedAt) / 1000);
    }
    series.requestBytes().value += bytesIn;
    series.responseBytes().value += bytesOut;
    if (end.refusal !== undefined) this.#deniedSeries(end, end.refusal).value++;
    const error = end.error as (Error & { code?: string }) | undefined;
    if (error === undefined) return;
    if (error.code === CLIENT_BODY_TIMEOUT) this.#bodyIdle.value++;
    else if (error.code === CLIENT_BODY_TOO_SLOW) this.#bodyRate.value++;
    if (end.endpoint !== undefined) {
      const reason = upstreamErrorReason(error);
      if (reason !== undefined) series.upstreamError(reasonIndex(reason)).value++;
    }
  }

  /** A request refused before it was parsed (400, 408, 431): counted as unmatched, method OTHER. */
  recordMalformed(status: number): void {
    const slot = requestSlot(undefined, status);
    this.unmatched.request(slot).value++;
    this.unmatched.duration(slot).observe(0);
  }

  /** Bound on a route's first refusal: reasons are few and refusals are not the hot path. */
  #deniedSeries(end: ExchangeEnd, reason: string): CounterSeries {
    const source = end.route?.route.source;
    const namespace = source?.namespace ?? '';
    const ingress = source === undefined || source.kind === 'Flag' ? '' : source.name;
    const key = `${namespace}\u0000${ingress}\u0000${reason}`;
    let series = this.#denied.get(key);
    if (series === undefined) {
      series = this.requestsDenied.bind({ namespace, ingress, reason });
      this.#denied.set(key, series);
    }
    return series;
  }

  upstreamError(series: BackendSeries, reason: UpstreamErrorReason): void {
    series.upstreamError(reasonIndex(reason)).value++;
  }

  /** Counts an accepted connection until its socket closes. */
  trackConnection(socket: Duplex, listener: string, protocol: string): void {
    const key = `${listener}\u0000${protocol}`;
    let c = this.#connections.get(key);
    if (c === undefined) {
      c = {
        active: this.connectionsActive.bind({ listener, protocol }),
        total: this.connectionsTotal.bind({ listener, protocol }),
      };
      this.#connections.set(key, c);
    }
    c.total.value++;
    c.active.value++;
    (socket as TrackedSocket)[kConnection] = c.active;
    socket.on('close', onConnectionClose);
  }

  toJSON(): MetricFamily[] {
    const f = this.families;
    return [
      f.requests,
      f.duration,
      f.upstreamDuration,
      f.requestBytes,
      f.responseBytes,
      f.upstreamErrors,
      f.retries,
      this.connectionsActive,
      this.connectionsTotal,
      this.clientBodyTimeouts,
      this.mirrorRequests,
      this.requestsDenied,
      this.proxyHeaderRefused,
      this.passthroughConnections,
      this.accessLogDropped,
    ].map((family) => family.toJSON());
  }
}
