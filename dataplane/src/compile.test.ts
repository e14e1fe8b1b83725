import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type CompiledRoute, compile, type SeriesBinder } from './compile.ts';
import type { RouteSeries } from './metrics/route-series.ts';
import { lookup } from './router/index.ts';
import type { RouteTable } from './table/types.ts';
import { UpstreamPools } from './upstream/pools.ts';

const table: RouteTable = JSON.parse(
  readFileSync(new URL('./table/testdata/table.json', import.meta.url), 'utf8'),
);

function counting(): { bind: SeriesBinder; calls: string[] } {
  const calls: string[] = [];
  const bind: SeriesBinder = (route, backends) => {
    calls.push(route.id);
    return { backends } as unknown as RouteSeries;
  };
  return { bind, calls };
}

function apiRoute(runtime: ReturnType<typeof compile>): CompiledRoute {
  const headers = { host: 'shop.example.com', 'x-canary': 'on' };
  return lookup(runtime.router, 'shop.example.com', '/api/x', 'GET', headers, 'v=2')!;
}

describe('compile', () => {
  it('resolves a RequestMirror filter to its backend, body on by default; other routes get no mirrors', () => {
    const runtime = compile(table, new UpstreamPools());
    const mirrors = apiRoute(runtime).mirrors;
    assert.deepEqual(
      mirrors?.map((m) => [m.backend.key, m.body, m.hostname]),
      [['shop/api-canary:http', true, undefined]],
    );
    const plain = lookup(runtime.router, 'shop.example.com', '/', 'GET', { host: 'shop.example.com' }, '');
    assert.ok(plain, 'a route without a mirror');
    assert.equal(plain.mirrors, undefined);
  });

  it('resolves errorPages to its backend and the route headers; other routes get none', () => {
    const withPages = structuredClone(table);
    const api = withPages.hosts.flatMap((h) => h.routes).find((r) => r.id === 'ingress/shop/web/0/0')!;
    api.errorPages = {
      codes: [404, 503],
      backend: 'shop/api-canary:http',
      service: 'api',
      servicePort: 'http',
    };
    const runtime = compile(withPages, new UpstreamPools());
    const pages = apiRoute(runtime).errorPages;
    assert.deepEqual(pages?.codes, [404, 503]);
    assert.equal(pages?.backend.key, 'shop/api-canary:http');
    assert.equal(pages?.noEndpoints, false);
    assert.deepEqual(pages?.routeHeaders, [
      'x-namespace',
      api.source.namespace,
      'x-ingress-name',
      api.source.name,
      'x-service-name',
      'api',
      'x-service-port',
      'http',
    ]);
    const plain = lookup(runtime.router, 'shop.example.com', '/', 'GET', { host: 'shop.example.com' }, '');
    assert.equal(plain?.errorPages, undefined);
  });

  it("binds a route's metric series on its first use, once, with the route's backends", () => {
    const { bind, calls } = counting();
    const route = apiRoute(compile(table, new UpstreamPools(), bind));
    assert.deepEqual(calls, [], 'nothing bound at compile time');
    const series = route.series;
    assert.equal(route.series, series);
    assert.deepEqual(calls, ['ingress/shop/web/0/0']);
    assert.deepEqual(
      series?.backends.map((b) => b.key),
      ['shop/api:http', 'shop/api-canary:http'],
    );
  });

  it('without a binder (metrics off) a route has no series', () => {
    assert.equal(apiRoute(compile(table, new UpstreamPools())).series, undefined);
  });

  it('a compiled route carries what the table says of it', () => {
    const route = apiRoute(compile(table, new UpstreamPools()));
    assert.equal(route.route.id, 'ingress/shop/web/0/0');
    assert.deepEqual(route.route, table.hosts[0].routes[0]);
    assert.deepEqual(route.groups.weights, [90, 10]);
    assert.equal(route.groups.total, 100);
    assert.equal(route.matchedPrefix, '/api');
    assert.equal(route.headersTimeoutMs, 30_000);
    assert.deepEqual(route.requestHeaders, {
      set: [{ name: 'x-env', value: 'prod' }],
      add: [],
      remove: ['x-debug'],
    });
    assert.equal(route.retry.attempts, 2);
  });
});

describe('client certificates of a host (HostRoutes.clientCertificate)', () => {
  const settings = { verify: 'on', depth: 1, passCertificate: false, caPem: 'x' } as const;
  const route = (id: string, path: string) => ({
    id,
    source: { kind: 'Ingress', namespace: 'a', name: id },
    match: { path: { type: 'Prefix', value: path } },
    backends: [],
    filters: [],
  });
  const withCertificates: RouteTable = {
    version: 1,
    hosts: [
      { host: 'mtls.example', routes: [route('only', '/only')] as never, clientCertificate: settings },
      { host: 'open.example', routes: [route('open', '/only')] as never },
    ],
    backends: {},
    certificates: {},
    defaultRoute: route('default', '/') as never,
  };

  it("every route of the host is checked, and so is the table's default route reached through the host (nginx checks at the server)", () => {
    const runtime = compile(withCertificates, new UpstreamPools());
    const at = (host: string, path: string) => lookup(runtime.router, host, path, 'GET', { host }, '')!;
    assert.ok(at('mtls.example', '/only').clientCertificate);
    assert.ok(at('mtls.example', '/elsewhere').clientCertificate);
    assert.equal(at('mtls.example', '/elsewhere').route.id, 'default');
    assert.equal(at('open.example', '/elsewhere').clientCertificate, undefined);
    assert.equal(at('unknown.example', '/').clientCertificate, undefined);
  });
});
