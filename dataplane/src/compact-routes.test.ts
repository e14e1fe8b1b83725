import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import { compactRoutes, Interner } from './compact-routes.ts';
import type { Route, RouteTable } from './table/types.ts';

/** As a worker receives it: through V8 serialisation, every route with its own copies. */
function received(table: RouteTable): RouteTable {
  return deserialize(serialize(table));
}

const fixture: RouteTable = JSON.parse(
  readFileSync(new URL('./table/testdata/table.json', import.meta.url), 'utf8'),
);

function ingressRoute(name: string, i: number, path: string): Route {
  return {
    id: `ingress/shop/${name}/0/${i}`,
    source: { kind: 'Ingress', namespace: 'shop', name },
    match: { path: { type: 'Prefix', value: path } },
    backends: [{ backend: 'shop/api:http', weight: 1 }],
    filters: [],
  };
}

const manyRoutes: RouteTable = received({
  ...fixture,
  hosts: [
    { host: 'a.example.com', routes: [ingressRoute('web', 0, '/'), ingressRoute('web', 1, '/api')] },
    { host: 'b.example.com', routes: [ingressRoute('other', 0, '/')] },
  ],
});

describe('compacted routes', () => {
  it('read exactly as the table: same hosts, routes, fallbacks and default route', () => {
    for (const table of [received(fixture), manyRoutes]) {
      assert.deepEqual(compactRoutes(table, new Interner()), table);
    }
  });

  it('routes from one object share one source; equal path-only matches and backend lists are one object', () => {
    const [a, b] = compactRoutes(manyRoutes, new Interner()).hosts;
    assert.equal(a.routes[0].source, a.routes[1].source);
    assert.notEqual(a.routes[0].source, b.routes[0].source);
    assert.equal(a.routes[0].match, b.routes[0].match, 'Prefix / on both hosts');
    assert.notEqual(a.routes[0].match, a.routes[1].match);
    assert.equal(a.routes[0].backends, b.routes[0].backends);
    assert.equal(a.routes[0].filters, b.routes[0].filters);
  });

  it('a match with conditions and a route with filters keep their own objects', () => {
    const table = received(fixture);
    const route = compactRoutes(table, new Interner()).hosts[0].routes[0];
    assert.equal(route.match, table.hosts[0].routes[0].match);
    assert.equal(route.filters, table.hosts[0].routes[0].filters);
  });

  it('the input table is left as it was', () => {
    const table = received(manyRoutes);
    const before = structuredClone(table);
    const routes = table.hosts[0].routes;
    compactRoutes(table, new Interner());
    assert.deepEqual(table, before);
    assert.equal(table.hosts[0].routes, routes);
  });
});
