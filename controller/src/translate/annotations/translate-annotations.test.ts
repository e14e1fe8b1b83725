// Annotations under --annotations-prefix are never silently ignored, and an access-restricting
// one Gatehouse cannot honour closes the Ingress: every route answers 503 (a route without
// backends, dataplane/src/table/types.ts). ingress-nginx annotations.md is the reference.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backend, ingress, ready, reasons, routesOf, rule, run, service, slice } from '../testkit.ts';

const P = 'nginx.ingress.kubernetes.io';

function objects(annotations: Record<string, string>, extra: { withDefaultBackend?: boolean } = {}) {
  const ing = ingress(
    'app',
    {
      rules: [rule('a.example', ['/', '/api'])],
      ...(extra.withDefaultBackend ? { defaultBackend: backend('web', 80) } : {}),
    },
    { annotations },
  );
  const other = ingress('other', { rules: [rule('b.example', ['/'])] });
  return {
    ingresses: [ing, other],
    services: [service('web', [{ port: 80, targetPort: 8080 }])],
    endpointSlices: [slice('web-1', 'web', [{ port: 8080 }], [ready('10.0.0.1')])],
  };
}

const SERVED = ['Prefix /api -> default/web:80', 'Prefix / -> default/web:80'];
const CLOSED = ['Prefix /api -> ', 'Prefix / -> '];

describe('annotations: reported, and restricting ones fail closed', () => {
  const cases: Array<{
    rule: string;
    annotations: Record<string, string>;
    prefix?: string;
    routes: string[];
    reasons: string[];
  }> = [
    {
      rule: 'an unknown key under the prefix is a warning and the routes are still served',
      annotations: { [`${P}/no-such-thing`]: 'x' },
      routes: SERVED,
      reasons: [`Ingress default/app metadata.annotations["${P}/no-such-thing"] UnknownAnnotation`],
    },
    {
      rule: 'a pending key that restricts nothing (enable-opentelemetry) is a warning and the routes are served',
      annotations: { [`${P}/enable-opentelemetry`]: 'true' },
      routes: SERVED,
      reasons: [
        `Ingress default/app metadata.annotations["${P}/enable-opentelemetry"] UnsupportedAnnotation`,
      ],
    },
    {
      rule: 'a refused key that restricts nothing (stream-snippet) is a warning and the routes are served',
      annotations: { [`${P}/stream-snippet`]: 'server {}' },
      routes: SERVED,
      reasons: [`Ingress default/app metadata.annotations["${P}/stream-snippet"] UnsupportedAnnotation`],
    },
    ...[
      'auth-snippet',
      'limit-rate',
      // configuration-snippet / server-snippet close only when they name allow/deny (snippet/*.test.ts).
      'modsecurity-snippet',
    ].map((key) => ({
      rule: `${key} cannot be honoured, so every route answers 503`,
      annotations: { [`${P}/${key}`]: 'on-value' },
      routes: CLOSED,
      reasons: [
        `Ingress default/app metadata.annotations AccessAnnotationNotHonoured`,
        `Ingress default/app metadata.annotations["${P}/${key}"] UnsupportedAnnotation`,
      ],
    })),
    {
      rule: 'an auth-type that is neither basic nor digest cannot be honoured (LocationDenied): 503',
      annotations: { [`${P}/auth-type`]: 'on-value' },
      routes: CLOSED,
      reasons: [`Ingress default/app metadata.annotations["${P}/auth-type"] InvalidAccessAnnotation`],
    },
    ...['whitelist-source-range', 'allowlist-source-range', 'denylist-source-range'].map((key) => ({
      rule: `${key} that is not a CIDR list cannot be honoured (ingress-nginx LocationDenied), so every route answers 503`,
      annotations: { [`${P}/${key}`]: '10.0.0.0/8,on-value' },
      routes: CLOSED,
      reasons: [`Ingress default/app metadata.annotations["${P}/${key}"] InvalidAccessAnnotation`],
    })),
    {
      rule: 'a blank whitelist-source-range is read (the alias is taken when not "") and refused: 503',
      annotations: { [`${P}/whitelist-source-range`]: ' ' },
      routes: CLOSED,
      reasons: [
        `Ingress default/app metadata.annotations["${P}/whitelist-source-range"] InvalidAccessAnnotation`,
      ],
    },
    {
      rule: 'an empty whitelist-source-range alias is never read (ingress-nginx checkAnnotation): served',
      annotations: { [`${P}/whitelist-source-range`]: '' },
      routes: SERVED,
      reasons: [],
    },
    {
      rule: 'a valid source range is honoured: the routes are served (with clientAccess)',
      annotations: { [`${P}/whitelist-source-range`]: '10.0.0.0/8' },
      routes: SERVED,
      reasons: [],
    },
    {
      rule: 'auth-tls-secret that is not namespace/name (authtls k8s.ParseNameNS, LocationDenied): 503',
      annotations: { [`${P}/auth-tls-secret`]: 'on-value' },
      routes: CLOSED,
      reasons: [`Ingress default/app metadata.annotations["${P}/auth-tls-secret"] InvalidAccessAnnotation`],
    },
    {
      rule: 'auth-tls-verify-client without auth-tls-secret is not read (authtls parses nothing else): served',
      annotations: { [`${P}/auth-tls-verify-client`]: 'OFF' },
      routes: SERVED,
      reasons: [],
    },
    {
      rule: 'satisfy any without source ranges or auth changes nothing: served',
      annotations: { [`${P}/satisfy`]: 'any' },
      routes: SERVED,
      reasons: [],
    },
    {
      rule: 'limit-rps: 0 is no limit in ingress-nginx: served',
      annotations: { [`${P}/limit-rps`]: '0' },
      routes: SERVED,
      reasons: [],
    },
    {
      rule: 'a valid limit-rps is honoured: the routes are served (with rateLimit)',
      annotations: { [`${P}/limit-rps`]: '5' },
      routes: SERVED,
      reasons: [],
    },
    {
      rule: 'limit-rps that is no number cannot be honoured, so every route answers 503',
      annotations: { [`${P}/limit-rps`]: 'on-value' },
      routes: CLOSED,
      reasons: [`Ingress default/app metadata.annotations["${P}/limit-rps"] InvalidAccessAnnotation`],
    },
    {
      rule: 'keys of another prefix are ignored entirely',
      annotations: {
        'example.com/auth-url': 'http://auth',
        'example.com/whitelist-source-range': '10.0.0.0/8',
      },
      routes: SERVED,
      reasons: [],
    },
    {
      rule: 'a custom --annotations-prefix is honoured, and the default prefix is then another prefix',
      annotations: { 'corp.example/auth-snippet': 'deny all;', [`${P}/auth-snippet`]: 'deny all;' },
      prefix: 'corp.example',
      routes: CLOSED,
      reasons: [
        'Ingress default/app metadata.annotations AccessAnnotationNotHonoured',
        'Ingress default/app metadata.annotations["corp.example/auth-snippet"] UnsupportedAnnotation',
      ],
    },
    {
      rule: 'under a custom prefix, the default prefix restricts nothing',
      annotations: { [`${P}/auth-snippet`]: 'deny all;' },
      prefix: 'corp.example',
      routes: SERVED,
      reasons: [],
    },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      const result = run(
        objects(c.annotations),
        c.prefix === undefined ? {} : { annotationsPrefix: c.prefix },
      );
      assert.deepEqual(routesOf(result, 'a.example'), c.routes);
      assert.deepEqual(
        routesOf(result, 'b.example'),
        ['Prefix / -> default/web:80'],
        'the other Ingress is served',
      );
      assert.deepEqual(reasons(result), c.reasons);
    });
  }

  test('a closed Ingress closes its defaultBackend too: the host fallback and the default route answer 503', () => {
    const result = run(objects({ [`${P}/auth-snippet`]: 'deny all;' }, { withDefaultBackend: true }));
    const host = result.table.hosts.find((h) => h.host === 'a.example');
    assert.deepEqual(host?.fallback?.backends, []);
    assert.deepEqual(result.table.defaultRoute?.backends, []);
  });

  test('the 503 diagnostic names the key and says why', () => {
    const result = run(objects({ [`${P}/auth-snippet`]: 'deny all;' }));
    const d = result.diagnostics.find((x) => x.reason === 'AccessAnnotationNotHonoured');
    assert.match(d?.message ?? '', /nginx\.ingress\.kubernetes\.io\/auth-snippet .*503/);
  });
});

describe('annotations: supported ones reach the route table', () => {
  test('route settings land on every route of the Ingress, and only its own', () => {
    const result = run(
      objects(
        { [`${P}/proxy-read-timeout`]: '1', [`${P}/proxy-body-size`]: '8m' },
        { withDefaultBackend: true },
      ),
    );
    const host = result.table.hosts.find((h) => h.host === 'a.example');
    for (const route of [...(host?.routes ?? []), host?.fallback]) {
      assert.deepEqual(route?.timeouts, { responseHeaderMs: 1000, idleMs: 1000 }, route?.id ?? 'fallback');
      assert.equal(route?.maxRequestBodyBytes, 8 * 1024 ** 2);
    }
    const other = result.table.hosts.find((h) => h.host === 'b.example');
    assert.equal(other?.routes[0]?.timeouts, undefined);
  });

  test('two Ingresses on one Service with different backend settings get distinct backends; plain keys stay', () => {
    const base = objects({ [`${P}/backend-protocol`]: 'HTTPS' });
    const third = ingress(
      'grpc',
      { rules: [rule('c.example', ['/'])] },
      { annotations: { [`${P}/backend-protocol`]: 'GRPC' } },
    );
    const result = run({ ...base, ingresses: [...base.ingresses, third] });
    const keyOf = (host: string) =>
      result.table.hosts.find((h) => h.host === host)?.routes[0]?.backends[0]?.backend ?? '';
    assert.equal(keyOf('b.example'), 'default/web:80');
    assert.match(keyOf('a.example'), /^default\/web:80~[0-9a-f]{8}$/);
    assert.match(keyOf('c.example'), /^default\/web:80~[0-9a-f]{8}$/);
    assert.notEqual(keyOf('a.example'), keyOf('c.example'));
    assert.equal(result.table.backends[keyOf('a.example')]?.protocol, 'HTTPS');
    assert.equal(result.table.backends[keyOf('c.example')]?.protocol, 'H2C');
    assert.equal(result.table.backends['default/web:80']?.protocol, 'HTTP');
  });

  test('a closed Ingress gets no redirect: it answers 503', () => {
    const result = run(
      objects({
        [`${P}/auth-snippet`]: 'deny all;',
        [`${P}/permanent-redirect`]: 'https://example.com/',
      }),
    );
    const host = result.table.hosts.find((h) => h.host === 'a.example');
    for (const route of host?.routes ?? []) assert.deepEqual(route.filters, []);
    assert.deepEqual(routesOf(result, 'a.example'), CLOSED);
  });

  test('an invalid value is a Warning with the key, and the route keeps its default', () => {
    const result = run(objects({ [`${P}/proxy-read-timeout`]: 'soon' }));
    assert.ok(reasons(result).some((r) => r.endsWith(' InvalidAnnotation')));
    assert.equal(result.table.hosts.find((h) => h.host === 'a.example')?.routes[0]?.timeouts, undefined);
    assert.ok(
      result.diagnostics.some(
        (d) => d.message.includes('"soon"') && d.message.includes('proxy-read-timeout'),
      ),
    );
  });
});
