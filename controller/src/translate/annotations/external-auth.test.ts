// The auth-url family as ingress-nginx reads it: annotations.md "External Authentication",
// internal/ingress/annotations/authreq/main.go (methodsRegex, headerRegexp, redirectParamRegex,
// defaultCacheDuration "200 202 401 5m", LocationDenied on an invalid auth-url, method, header
// list or cache duration) and test/e2e/annotations/auth.go (auth-url on a Service's cluster DNS
// name, auth-signin with rd, auth-response-headers, auth-cache-key "$remote_user$http_authorization").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Diagnostic } from '../../snapshot.ts';
import { ingress, ready, reasons, routesOf, rule, run, service, slice } from '../testkit.ts';
import {
  DEFAULT_AUTH_CACHE_DURATION,
  parseCacheDurations,
  parseCacheKey,
  parseExternalAuth,
} from './external-auth.ts';
import { AnnotationValues } from './values.ts';

const P = 'nginx.ingress.kubernetes.io';

function parse(values: Record<string, string>, namespace = 'ns') {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) annotations[`${P}/${k}`] = v;
  const diagnostics: Diagnostic[] = [];
  const ingress = { namespace, name: 'app', created: 0, annotations, spec: {} };
  const spec = parseExternalAuth(new AnnotationValues(ingress, P, diagnostics), namespace);
  return { spec, reported: diagnostics.map((d) => `${d.field} ${d.reason}`) };
}
const field = (k: string) => `metadata.annotations["${P}/${k}"]`;

describe('auth-url: valid values', () => {
  test('absent: no external auth', () => {
    assert.deepEqual(parse({}), { spec: undefined, reported: [] });
    // The other keys do nothing without auth-url (authreq/main.go reads auth-url first).
    assert.deepEqual(parse({ 'auth-signin': 'https://login.test/' }).spec, undefined);
  });

  test("a Service of the Ingress's namespace by its cluster DNS name (e2e auth.go: http://httpbin.<ns>.svc.cluster.local)", () => {
    for (const host of ['auth.ns', 'auth.ns.svc', 'auth.ns.svc.cluster.local']) {
      const { spec, reported } = parse({ 'auth-url': `http://${host}/verify?x=1` });
      assert.deepEqual(reported, []);
      assert.deepEqual(spec, {
        target: { kind: 'service', name: 'auth' },
        port: 80,
        protocol: 'HTTP',
        path: '/verify?x=1',
        hostname: host,
      });
    }
  });

  test('another host — a Service of another namespace too — is reached as an external host, port and scheme kept', () => {
    const { spec } = parse({ 'auth-url': 'https://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth' });
    assert.deepEqual(spec, {
      target: { kind: 'external', host: 'oauth2-proxy.auth.svc.cluster.local' },
      port: 4180,
      protocol: 'HTTPS',
      path: '/oauth2/auth',
      hostname: 'oauth2-proxy.auth.svc.cluster.local:4180',
    });
    assert.deepEqual(parse({ 'auth-url': 'https://[::1]/x' }).spec !== undefined, true);
  });

  test('every key set, as the docs and e2e auth.go write them', () => {
    const { spec, reported } = parse({
      'auth-url': 'http://auth.ns.svc.cluster.local/basic-auth/user/password',
      'auth-method': 'POST',
      'auth-signin': 'https://login.test/start?x=1',
      'auth-signin-redirect-param': 'orig',
      'auth-response-headers': 'UserID, UserRole,X-Auth-Request-Email',
      'auth-request-redirect': 'http://foo.test/redirect',
      'auth-always-set-cookie': 'true',
      'auth-cache-key': '$remote_user$http_authorization',
      'auth-cache-duration': '200 202 401 5m, 10s',
    });
    assert.deepEqual(reported, []);
    assert.ok(spec !== undefined && spec !== 'denied');
    assert.equal(spec.method, 'POST');
    assert.equal(spec.signin, 'https://login.test/start?x=1');
    assert.equal(spec.signinRedirectParam, 'orig');
    assert.deepEqual(spec.responseHeaders, ['userid', 'userrole', 'x-auth-request-email']);
    assert.equal(spec.requestRedirect, 'http://foo.test/redirect');
    assert.equal(spec.alwaysSetCookie, true);
    assert.deepEqual(spec.cache, {
      key: [{ variable: 'remote_user' }, { header: 'authorization' }],
      durations: [
        { statuses: [200, 202, 401], seconds: 300 },
        { statuses: [200, 301, 302], seconds: 10 },
      ],
    });
  });

  test('defaults: the client’s method, rd, no cache without a key, "200 202 401 5m" with one', () => {
    const bare = parse({ 'auth-url': 'http://auth.ns/' }).spec;
    assert.ok(bare !== undefined && bare !== 'denied');
    assert.equal(bare.method, undefined);
    assert.equal(bare.signinRedirectParam, undefined);
    assert.equal(bare.cache, undefined);
    assert.equal(bare.alwaysSetCookie, undefined);
    assert.equal(DEFAULT_AUTH_CACHE_DURATION, '200 202 401 5m');
    const keyed = parse({ 'auth-url': 'http://auth.ns/', 'auth-cache-key': 'k' }).spec;
    assert.ok(keyed !== undefined && keyed !== 'denied');
    assert.deepEqual(keyed.cache?.durations, [{ statuses: [200, 202, 401], seconds: 300 }]);
  });
});

describe('auth-url: invalid values', () => {
  // Restricting: authreq's LocationDenied (503), never served without its auth.
  const denied: Array<[string, Record<string, string>, string]> = [
    ['not a URL', { 'auth-url': 'auth-service' }, 'auth-url'],
    ['a scheme other than http(s)', { 'auth-url': 'ftp://auth.ns/x' }, 'auth-url'],
    ['nginx variables (never expanded)', { 'auth-url': 'https://$host/oauth2/auth' }, 'auth-url'],
    ['user and password', { 'auth-url': 'http://user:pw@auth.ns/x' }, 'auth-url'],
    ['an unknown method', { 'auth-url': 'http://auth.ns/', 'auth-method': 'FETCH' }, 'auth-method'],
    [
      'a lower-case method (methodsRegex)',
      { 'auth-url': 'http://auth.ns/', 'auth-method': 'get' },
      'auth-method',
    ],
    [
      'a header list entry that is no name',
      { 'auth-url': 'http://auth.ns/', 'auth-response-headers': 'X-A, X B' },
      'auth-response-headers',
    ],
    [
      'a cache duration with an unknown unit',
      { 'auth-url': 'http://auth.ns/', 'auth-cache-duration': '200 5x' },
      'auth-cache-duration',
    ],
    [
      'a cache key naming an unknown variable',
      { 'auth-url': 'http://auth.ns/', 'auth-cache-key': '$request_id' },
      'auth-cache-key',
    ],
  ];
  for (const [what, values, key] of denied) {
    test(`${what}: the Ingress is closed with a diagnostic on ${key}`, () => {
      const { spec, reported } = parse(values);
      assert.equal(spec, 'denied');
      assert.deepEqual(reported, [`${field(key)} InvalidAccessAnnotation`]);
    });
  }

  const invalid: Array<[string, Record<string, string>, string]> = [
    ['auth-signin not a URL: 401 stays 401', { 'auth-signin': 'login' }, 'auth-signin'],
    ['auth-signin with variables', { 'auth-signin': 'https://$host/login' }, 'auth-signin'],
    [
      'auth-signin-redirect-param not a name',
      { 'auth-signin-redirect-param': 'r d' },
      'auth-signin-redirect-param',
    ],
    ['auth-always-set-cookie not a boolean', { 'auth-always-set-cookie': 'yes' }, 'auth-always-set-cookie'],
  ];
  for (const [what, values, key] of invalid) {
    test(`${what}: a warning, the default applies`, () => {
      const { spec, reported } = parse({ 'auth-url': 'http://auth.ns/', ...values });
      assert.ok(spec !== undefined && spec !== 'denied');
      assert.deepEqual(reported, [`${field(key)} InvalidAnnotation`]);
      assert.equal(spec.signin, undefined);
      assert.equal(spec.signinRedirectParam, undefined);
    });
  }
});

describe('auth-cache-key and auth-cache-duration', () => {
  test('nginx variables become typed parts; text stays text', () => {
    assert.deepEqual(parseCacheKey(['u:$remote_user/$', '{http_x_api_key}/$cookie_Session$host'].join('')), [
      { text: 'u:' },
      { variable: 'remote_user' },
      { text: '/' },
      { header: 'x-api-key' },
      { text: '/' },
      { cookie: 'Session' },
      { variable: 'host' },
    ]);
    assert.match(String(parseCacheKey('$upstream_addr')), /not a variable Gatehouse computes/);
    assert.match(String(parseCacheKey('a$')), /names no variable/);
  });

  test('proxy_cache_valid forms: units, a time alone for 200/301/302, several per comma', () => {
    assert.deepEqual(parseCacheDurations('401 1h'), [{ statuses: [401], seconds: 3600 }]);
    assert.deepEqual(parseCacheDurations('30'), [{ statuses: [200, 301, 302], seconds: 30 }]);
    assert.deepEqual(parseCacheDurations('200 1d,404 1m'), [
      { statuses: [200], seconds: 86400 },
      { statuses: [404], seconds: 60 },
    ]);
    for (const bad of ['', '5x', '200 5m,', '99 5m', '200 0s', '200 -5m'])
      assert.equal(parseCacheDurations(bad), undefined, bad);
  });
});

describe('auth-url through translate', () => {
  function objects(annotations: Record<string, string>) {
    return {
      ingresses: [ingress('app', { rules: [rule('a.example', ['/'])] }, { annotations })],
      services: [
        service('web', [{ port: 80, targetPort: 8080 }]),
        service('auth', [{ port: 80, targetPort: 9000 }]),
      ],
      endpointSlices: [
        slice('web-1', 'web', [{ port: 8080 }], [ready('10.0.0.1')]),
        slice('auth-1', 'auth', [{ port: 9000 }], [ready('10.0.0.2')]),
      ],
    };
  }

  test("a Service of the namespace resolves to its endpoints; the route carries the table's externalAuth", () => {
    const result = run(
      objects({
        [`${P}/auth-url`]: 'http://auth.default.svc.cluster.local/verify',
        [`${P}/auth-signin`]: 'https://login.test/',
      }),
    );
    assert.deepEqual(reasons(result), []);
    const route = result.table.hosts.find((h) => h.host === 'a.example')?.routes[0];
    assert.deepEqual(route?.externalAuth, {
      backend: 'default/auth:80',
      path: '/verify',
      hostname: 'auth.default.svc.cluster.local',
      signin: 'https://login.test/',
    });
    assert.deepEqual(result.table.backends['default/auth:80']?.endpoints, [
      { address: '10.0.0.2', port: 9000 },
    ]);
  });

  test('another host is an external backend: every connection goes through the address guard', () => {
    const result = run(objects({ [`${P}/auth-url`]: 'http://127.0.0.1:10254/metrics' }));
    const route = result.table.hosts.find((h) => h.host === 'a.example')?.routes[0];
    assert.equal(route?.externalAuth?.backend, 'auth/default/127.0.0.1:10254');
    assert.equal(result.table.backends['auth/default/127.0.0.1:10254']?.external, true);
  });

  test('a missing Service of the namespace closes the Ingress (503), never served without its auth', () => {
    const result = run(objects({ [`${P}/auth-url`]: 'http://nope.default.svc/verify' }));
    assert.deepEqual(routesOf(result, 'a.example'), ['Prefix / -> ']);
    assert.ok(reasons(result).some((r) => r.includes(`["${P}/auth-url"]`)));
  });

  test('an invalid auth-url closes the Ingress', () => {
    const result = run(objects({ [`${P}/auth-url`]: 'http://$host/verify' }));
    assert.deepEqual(routesOf(result, 'a.example'), ['Prefix / -> ']);
    assert.deepEqual(reasons(result), [
      `Ingress default/app metadata.annotations["${P}/auth-url"] InvalidAccessAnnotation`,
    ]);
  });
});
