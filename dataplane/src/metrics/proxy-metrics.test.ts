import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import type { CompiledRoute } from '../compile.ts';
import type { ExchangeEnd } from '../proxy/observer.ts';
import type { Backend, Route } from '../table/types.ts';
import type { CompiledBackend, UpstreamEndpoint } from '../upstream/balancer.ts';
import { ProxyMetrics } from './proxy-metrics.ts';

function backendOf(service: string): CompiledBackend {
  const backend: Backend = {
    namespace: 'team',
    service,
    protocol: 'HTTP',
    endpoints: [],
    balancer: { type: 'RoundRobin' },
  };
  return { key: `team/${service}:80`, backend, endpoints: [], next: 0 } as unknown as CompiledBackend;
}

const route: Route = {
  id: 'ingress/team/shop/0/0',
  source: { kind: 'Ingress', namespace: 'team', name: 'shop' },
  match: { path: { type: 'Prefix', value: '/' } },
  backends: [],
  filters: [],
};

function end(fields: Partial<ExchangeEnd> & { method?: string }): ExchangeEnd {
  const req = { method: fields.method ?? 'GET', httpVersionMajor: 1, headers: {}, socket: null };
  return {
    req: req as unknown as IncomingMessage,
    res: undefined,
    route: undefined,
    backend: undefined,
    endpoint: undefined,
    status: 200,
    startedAt: 0,
    upstreamStartedAt: 0,
    upstreamEndedAt: 0,
    view: undefined,
    traceparent: undefined,
    error: undefined,
    refusal: undefined,
    ...fields,
  };
}

function count(metrics: ProxyMetrics, name: string, labels: Record<string, string>): number | undefined {
  const family = metrics.toJSON().find((f) => f.name === name);
  const hit = family?.values.find(
    (v) =>
      Object.entries(labels).every(([k, val]) => v.labels[k] === val) &&
      Object.keys(v.labels).length === Object.keys(labels).length,
  );
  return hit?.value;
}

describe('request metrics of a worker', () => {
  const stable = backendOf('stable');
  const canary = backendOf('canary');

  function compiled(metrics: ProxyMetrics): CompiledRoute {
    return { route, series: metrics.bindRoute(route, [stable, canary]) } as unknown as CompiledRoute;
  }

  it('a canary split counts each service under its own label', () => {
    const metrics = new ProxyMetrics();
    const r = compiled(metrics);
    metrics.record(end({ route: r, backend: stable }), 0.01, 0, 0);
    metrics.record(end({ route: r, backend: stable }), 0.01, 0, 0);
    metrics.record(end({ route: r, backend: canary, status: 500 }), 0.01, 0, 0);
    const base = { namespace: 'team', ingress: 'shop', method: 'GET' };
    assert.equal(
      count(metrics, 'gatehouse_requests_total', { ...base, service: 'stable', status: '2xx' }),
      2,
    );
    assert.equal(
      count(metrics, 'gatehouse_requests_total', { ...base, service: 'canary', status: '5xx' }),
      1,
    );
  });

  it('an answer with no route is counted under empty namespace, ingress and service', () => {
    const metrics = new ProxyMetrics();
    metrics.record(end({ status: 404, method: 'DELETE' }), 0.001, 10, 20);
    const labels = { namespace: '', ingress: '', service: '' };
    assert.equal(
      count(metrics, 'gatehouse_requests_total', { ...labels, method: 'DELETE', status: '4xx' }),
      1,
    );
    assert.equal(count(metrics, 'gatehouse_request_size_bytes_total', labels), 10);
    assert.equal(count(metrics, 'gatehouse_response_size_bytes_total', labels), 20);
  });

  it("a route's own answer (redirect, 413) carries its ingress but no service", () => {
    const metrics = new ProxyMetrics();
    metrics.record(end({ route: compiled(metrics), status: 308 }), 0, 0, 0);
    const labels = { namespace: 'team', ingress: 'shop', service: '', method: 'GET', status: '3xx' };
    assert.equal(count(metrics, 'gatehouse_requests_total', labels), 1);
  });

  it('a new table binds the same series: counts go on across versions', () => {
    const metrics = new ProxyMetrics();
    metrics.record(end({ route: compiled(metrics), backend: stable }), 0, 0, 0);
    const next = compiled(metrics);
    metrics.record(end({ route: next, backend: stable }), 0, 0, 0);
    const labels = { namespace: 'team', ingress: 'shop', service: 'stable', method: 'GET', status: '2xx' };
    assert.equal(count(metrics, 'gatehouse_requests_total', labels), 2);
  });

  it('upstream failures count by reason; a client that went away is not an upstream error', () => {
    const metrics = new ProxyMetrics();
    const r = compiled(metrics);
    const endpoint = { origin: 'http://10.0.0.1:80' } as UpstreamEndpoint;
    const error = (code: string) => Object.assign(new Error(code), { code });
    metrics.record(
      end({ route: r, backend: stable, endpoint, status: 504, error: error('UND_ERR_HEADERS_TIMEOUT') }),
      0,
      0,
      0,
    );
    metrics.record(
      end({ route: r, backend: stable, endpoint, status: 502, error: error('ECONNREFUSED') }),
      0,
      0,
      0,
    );
    metrics.record(
      end({ route: r, backend: stable, endpoint, status: 499, error: error('UND_ERR_ABORTED') }),
      0,
      0,
      0,
    );
    const labels = { namespace: 'team', service: 'stable' };
    assert.equal(count(metrics, 'gatehouse_upstream_errors_total', { ...labels, reason: 'timeout' }), 1);
    assert.equal(count(metrics, 'gatehouse_upstream_errors_total', { ...labels, reason: 'connect' }), 1);
    const family = metrics.toJSON().find((f) => f.name === 'gatehouse_upstream_errors_total');
    assert.equal(family?.values.length, 2);
  });

  it('request bodies cut off for stalling or dripping count by reason, not as upstream errors', () => {
    const metrics = new ProxyMetrics();
    const r = compiled(metrics);
    const endpoint = { origin: 'http://10.0.0.1:80' } as UpstreamEndpoint;
    const error = (code: string) => Object.assign(new Error(code), { code });
    for (const code of [
      'GATEHOUSE_CLIENT_BODY_TIMEOUT',
      'GATEHOUSE_CLIENT_BODY_TOO_SLOW',
      'GATEHOUSE_CLIENT_BODY_TOO_SLOW',
    ])
      metrics.record(end({ route: r, backend: stable, endpoint, status: 408, error: error(code) }), 0, 0, 0);
    metrics.record(
      end({ route: r, backend: stable, endpoint, status: 413, error: error('GATEHOUSE_BODY_TOO_LARGE') }),
      0,
      0,
      0,
    );
    assert.equal(count(metrics, 'gatehouse_client_body_timeouts_total', { reason: 'idle' }), 1);
    assert.equal(count(metrics, 'gatehouse_client_body_timeouts_total', { reason: 'rate' }), 2);
    const upstreamErrors = metrics.toJSON().find((f) => f.name === 'gatehouse_upstream_errors_total');
    assert.deepEqual(upstreamErrors?.values, []);
  });

  it('upstream duration is observed only for exchanges that went upstream', () => {
    const metrics = new ProxyMetrics();
    const r = compiled(metrics);
    metrics.record(
      end({ route: r, backend: stable, upstreamStartedAt: 10, upstreamEndedAt: 35 }),
      0.03,
      0,
      0,
    );
    metrics.record(end({ route: r, backend: stable, status: 503 }), 0.001, 0, 0);
    const family = metrics.toJSON().find((f) => f.name === 'gatehouse_upstream_response_duration_seconds');
    const sum = family?.values.find((v) => v.metricName?.endsWith('_sum'));
    const n = family?.values.find((v) => v.metricName?.endsWith('_count'));
    assert.equal(n?.value, 1);
    assert.equal(sum?.value, 0.025);
  });

  it('connections are active until their socket closes', () => {
    const metrics = new ProxyMetrics();
    const listeners: Array<() => void> = [];
    const socket = { on: (_: string, f: () => void) => listeners.push(f) };
    metrics.trackConnection(socket as never, 'http', 'http/1.1');
    metrics.trackConnection({ on() {} } as never, 'http', 'http/1.1');
    const labels = { listener: 'http', protocol: 'http/1.1' };
    assert.equal(count(metrics, 'gatehouse_connections_active', labels), 2);
    for (const f of listeners) f.call(socket);
    assert.equal(count(metrics, 'gatehouse_connections_active', labels), 1);
    assert.equal(count(metrics, 'gatehouse_connections_total', labels), 2);
  });
});
