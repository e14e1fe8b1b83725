import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backend, hostOf, ingress, reasons, routesOf, rule, run, service } from './testkit.ts';

const services = [service('web'), service('api'), service('fallback'), service('other')];

describe('rules → routes, merging and conflicts', () => {
  it('route ids name the Ingress, rule and path; source names the Ingress; filters are empty; the HTTPS redirect trims a trailing slash', () => {
    const result = run({
      ingresses: [
        ingress(
          'app',
          { rules: [rule('a.example.com', ['/x']), rule('b.example.com', ['/y', '/z'])] },
          { namespace: 'shop' },
        ),
      ],
      services: [service('web', undefined, { namespace: 'shop' })],
    });
    const route = hostOf(result, 'b.example.com').routes.find((r) => r.match.path.value === '/z');
    assert.deepEqual(route, {
      id: 'ingress/shop/app/rules/1/paths/1',
      source: { kind: 'Ingress', namespace: 'shop', name: 'app' },
      match: { path: { type: 'Prefix', value: '/z' } },
      backends: [{ backend: 'shop/web:80', weight: 1 }],
      filters: [],
      // ingress-nginx's preserve-trailing-slash "false" default (lua_ingress.lua redirect_to_https).
      httpsRedirectForm: { trimTrailingSlash: true },
    });
  });

  it('rules of several Ingresses for the same host merge into one host entry', () => {
    const result = run({
      ingresses: [
        ingress('one', { rules: [rule('example.com', ['/a'], 'web')] }),
        ingress('two', { rules: [rule('EXAMPLE.com', ['/b'], 'api')] }),
      ],
      services,
    });
    assert.deepEqual(
      result.table.hosts.map((h) => h.host),
      ['example.com'],
    );
    assert.deepEqual(routesOf(result, 'example.com'), [
      'Prefix /a -> default/web:80',
      'Prefix /b -> default/api:80',
    ]);
    assert.deepEqual(result.diagnostics, []);
  });

  it('a conflict on host + type + path is won by the oldest Ingress; the loser gets RouteConflict naming the winner', () => {
    const result = run({
      ingresses: [
        ingress(
          'newer',
          { rules: [rule('example.com', ['/shop'], 'api')] },
          { created: '2026-03-01T00:00:00Z' },
        ),
        ingress(
          'older',
          { rules: [rule('example.com', ['/shop/'], 'web')] },
          { created: '2026-02-01T00:00:00Z', namespace: 'zzz' },
        ),
      ],
      services: [...services, service('web', undefined, { namespace: 'zzz' })],
    });
    assert.deepEqual(routesOf(result, 'example.com'), ['Prefix /shop -> zzz/web:80']);
    assert.deepEqual(reasons(result), ['Ingress default/newer spec.rules[0].http.paths[0] RouteConflict']);
    assert.match(result.diagnostics[0].message, /zzz\/older/);
  });

  it('creationTimestamps are compared as dates, not strings (offsets differ)', () => {
    const result = run({
      ingresses: [
        // 01:00+02:00 is 23:00Z the day before: older, although its string sorts later.
        ingress(
          'b',
          { rules: [rule('example.com', ['/'], 'api')] },
          { created: '2026-01-02T01:00:00+02:00' },
        ),
        ingress('a', { rules: [rule('example.com', ['/'], 'web')] }, { created: '2026-01-02T00:00:00Z' }),
      ],
      services,
    });
    assert.deepEqual(routesOf(result, 'example.com'), ['Prefix / -> default/api:80']);
    assert.deepEqual(reasons(result), ['Ingress default/a spec.rules[0].http.paths[0] RouteConflict']);
  });

  it('at equal age the conflict goes to namespace/name in lexical order', () => {
    const same = '2026-01-01T00:00:00Z';
    const result = run({
      ingresses: [
        ingress('a', { rules: [rule('example.com', ['/'], 'api')] }, { namespace: 'team-b', created: same }),
        ingress('z', { rules: [rule('example.com', ['/'], 'web')] }, { namespace: 'team-a', created: same }),
        ingress('b', { rules: [rule('example.com', ['/'], 'api')] }, { namespace: 'team-b', created: same }),
      ],
      services: ['team-a', 'team-b'].flatMap((ns) => [
        service('web', undefined, { namespace: ns }),
        service('api', undefined, { namespace: ns }),
      ]),
    });
    assert.deepEqual(routesOf(result, 'example.com'), ['Prefix / -> team-a/web:80']);
    assert.deepEqual(reasons(result), [
      'Ingress team-b/a spec.rules[0].http.paths[0] RouteConflict',
      'Ingress team-b/b spec.rules[0].http.paths[0] RouteConflict',
    ]);
  });

  it('an Ingress without creationTimestamp loses to one that has it', () => {
    const undated = ingress('a', { rules: [rule('example.com', ['/'], 'api')] });
    delete undated.metadata.creationTimestamp;
    const result = run({
      ingresses: [undated, ingress('b', { rules: [rule('example.com', ['/'], 'web')] })],
      services,
    });
    assert.deepEqual(routesOf(result, 'example.com'), ['Prefix / -> default/web:80']);
  });

  it('Exact /foo and Prefix /foo do not conflict; routes are ordered longest first, Exact before Prefix', () => {
    const paths = [
      { path: '/foo', pathType: 'Prefix' as const, backend: backend('web', 80) },
      { path: '/', pathType: 'Prefix' as const, backend: backend('web', 80) },
      { path: '/foo', pathType: 'Exact' as const, backend: backend('api', 80) },
      { path: '/foo/bar', pathType: 'Prefix' as const, backend: backend('web', 80) },
    ];
    const result = run({
      ingresses: [ingress('app', { rules: [{ host: 'example.com', http: { paths } }] })],
      services,
    });
    assert.deepEqual(routesOf(result, 'example.com'), [
      'Prefix /foo/bar -> default/web:80',
      'Exact /foo -> default/api:80',
      'Prefix /foo -> default/web:80',
      'Prefix / -> default/web:80',
    ]);
    assert.deepEqual(result.diagnostics, []);
  });

  it('Prefix /foo and Prefix /foo/ are the same route after normalisation, so they conflict', () => {
    const result = run({
      ingresses: [ingress('app', { rules: [rule('example.com', ['/foo', '/foo/'])] })],
      services,
    });
    assert.deepEqual(routesOf(result, 'example.com'), ['Prefix /foo -> default/web:80']);
    assert.deepEqual(reasons(result), ['Ingress default/app spec.rules[0].http.paths[1] RouteConflict']);
    assert.match(result.diagnostics[0].message, /of this Ingress/);
  });

  it('the same path on different hosts does not conflict, nor does a wildcard with its apex', () => {
    const result = run({
      ingresses: [
        ingress('a', { rules: [rule('example.com', ['/']), rule('*.example.com', ['/'])] }),
        ingress('b', { rules: [rule(undefined, ['/'])] }),
      ],
      services,
    });
    assert.deepEqual(
      result.table.hosts.map((h) => h.host),
      ['*', '*.example.com', 'example.com'],
    );
    assert.deepEqual(result.diagnostics, []);
  });

  it('a rule with a host but no http still creates the host entry (it is served by the fallback)', () => {
    const result = run({
      ingresses: [
        ingress('app', { rules: [{ host: 'example.com' }], defaultBackend: backend('fallback', 80) }),
      ],
      services,
    });
    const entry = hostOf(result, 'example.com');
    assert.deepEqual(entry.routes, []);
    assert.equal(entry.fallback?.backends[0].backend, 'default/fallback:80');
  });

  it('an Ingress with neither rules nor defaultBackend gets a NoRules diagnostic', () => {
    const result = run({ ingresses: [ingress('empty', {})] });
    assert.deepEqual(reasons(result), ['Ingress default/empty spec NoRules']);
    assert.deepEqual(result.handled, [{ namespace: 'default', name: 'empty' }]);
  });
});

describe('spec.defaultBackend', () => {
  it("is the fallback of every host its Ingress's rules name, and the table's default route", () => {
    const result = run({
      ingresses: [
        ingress('app', {
          defaultBackend: backend('fallback', 80),
          rules: [rule('a.example.com', ['/x']), rule(undefined, ['/y'])],
        }),
      ],
      services,
    });
    for (const host of ['*', 'a.example.com']) {
      const fallback = hostOf(result, host).fallback;
      assert.equal(fallback?.id, 'ingress/default/app/defaultBackend');
      assert.deepEqual(fallback?.match.path, { type: 'Prefix', value: '/' });
      assert.deepEqual(fallback?.backends, [{ backend: 'default/fallback:80', weight: 1 }]);
    }
    assert.equal(result.table.defaultRoute?.id, 'ingress/default/app/defaultBackend');
  });

  it('does not become the fallback of hosts named only by other Ingresses', () => {
    const result = run({
      ingresses: [
        ingress('with-default', {
          defaultBackend: backend('fallback', 80),
          rules: [rule('a.example.com', ['/'])],
        }),
        ingress('plain', { rules: [rule('b.example.com', ['/'])] }),
      ],
      services,
    });
    assert.equal(hostOf(result, 'b.example.com').fallback, undefined);
  });

  it('two Ingresses giving one host a fallback: the oldest wins, the other gets RouteConflict', () => {
    const result = run({
      ingresses: [
        ingress(
          'young',
          { defaultBackend: backend('other', 80), rules: [rule('example.com', ['/b'])] },
          { created: '2026-05-01T00:00:00Z' },
        ),
        ingress(
          'old',
          { defaultBackend: backend('fallback', 80), rules: [rule('example.com', ['/a'])] },
          { created: '2026-04-01T00:00:00Z' },
        ),
      ],
      services,
    });
    assert.equal(hostOf(result, 'example.com').fallback?.id, 'ingress/default/old/defaultBackend');
    assert.equal(result.table.defaultRoute?.id, 'ingress/default/old/defaultBackend');
    // One conflict for the host's fallback, one for the table's default route.
    assert.deepEqual(reasons(result), [
      'Ingress default/young spec.defaultBackend RouteConflict',
      'Ingress default/young spec.defaultBackend RouteConflict',
    ]);
    assert.ok(result.diagnostics.some((d) => d.message.includes('host "example.com"')));
    assert.ok(result.diagnostics.some((d) => d.message.includes('default route')));
    assert.ok(result.diagnostics.every((d) => d.message.includes('default/old')));
  });

  it("the oldest Ingress with a defaultBackend sets the default route; younger ones keep their own hosts' fallback", () => {
    const result = run({
      ingresses: [
        ingress(
          'young',
          { defaultBackend: backend('other', 80), rules: [rule('b.example.com', ['/'])] },
          { created: '2026-05-01T00:00:00Z' },
        ),
        ingress('old', { defaultBackend: backend('fallback', 80) }, { created: '2026-04-01T00:00:00Z' }),
      ],
      services,
    });
    assert.equal(result.table.defaultRoute?.id, 'ingress/default/old/defaultBackend');
    assert.equal(hostOf(result, 'b.example.com').fallback?.id, 'ingress/default/young/defaultBackend');
    assert.deepEqual(reasons(result), ['Ingress default/young spec.defaultBackend RouteConflict']);
  });

  it('a defaultBackend that wins nothing adds no backend and no backend diagnostic', () => {
    const result = run({
      ingresses: [
        ingress('young', { defaultBackend: backend('missing', 80) }, { created: '2026-05-01T00:00:00Z' }),
        ingress('old', { defaultBackend: backend('fallback', 80) }, { created: '2026-04-01T00:00:00Z' }),
      ],
      services,
    });
    assert.deepEqual(Object.keys(result.table.backends), ['default/fallback:80']);
    assert.deepEqual(reasons(result), ['Ingress default/young spec.defaultBackend RouteConflict']);
    assert.match(result.diagnostics[0].message, /not used/);
  });

  it('--default-backend-service (first port) is the default route when no Ingress sets one', () => {
    const result = run(
      {
        ingresses: [ingress('app', { rules: [rule('example.com', ['/'])] })],
        services: [
          ...services,
          service(
            'catch',
            [
              { name: 'x', port: 9000 },
              { name: 'y', port: 9001 },
            ],
            { namespace: 'infra' },
          ),
        ],
      },
      { defaultBackendService: 'infra/catch' },
    );
    assert.deepEqual(result.table.defaultRoute?.backends, [{ backend: 'infra/catch:9000', weight: 1 }]);
    assert.equal(result.table.defaultRoute?.source.kind, 'Flag');
    assert.deepEqual(result.diagnostics, []);
  });

  it('an Ingress defaultBackend takes precedence over --default-backend-service', () => {
    const result = run(
      {
        ingresses: [ingress('app', { defaultBackend: backend('fallback', 80) })],
        services: [...services, service('catch', undefined, { namespace: 'infra' })],
      },
      { defaultBackendService: 'infra/catch' },
    );
    assert.equal(result.table.defaultRoute?.id, 'ingress/default/app/defaultBackend');
    assert.equal(result.table.backends['infra/catch:80'], undefined);
  });

  it('a missing --default-backend-service Service is a diagnostic on the flag; the route answers 503', () => {
    const result = run({}, { defaultBackendService: 'infra/missing' });
    assert.deepEqual(reasons(result), ['Flag /--default-backend-service - ServiceNotFound']);
    assert.deepEqual(result.table.defaultRoute?.backends, []);
  });

  it('a malformed --default-backend-service is a diagnostic and no default route', () => {
    const result = run({}, { defaultBackendService: 'no-namespace' });
    assert.deepEqual(reasons(result), ['Flag /--default-backend-service - InvalidFlag']);
    assert.equal(result.table.defaultRoute, undefined);
  });
});
