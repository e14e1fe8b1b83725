import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoutePolicySpec } from '../../policy/types.ts';
import { durationMs, policySettings as settingsOf } from './settings.ts';

const policySettings = (s: RoutePolicySpec) => settingsOf(s, { namespace: 'shop', name: 'p' });

const spec = (fields: Partial<RoutePolicySpec>): RoutePolicySpec => ({
  targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'web' }],
  ...fields,
});

describe('RoutePolicy fields → route and backend settings', () => {
  it('durations are Gateway API GEP-2257 durations', () => {
    const cases: Array<[string, number]> = [
      ['500ms', 500],
      ['2s', 2000],
      ['1m30s', 90_000],
      ['1h', 3_600_000],
      ['1h1m1s1ms', 3_661_001],
    ];
    for (const [text, ms] of cases) assert.equal(durationMs(text), ms, text);
  });

  it('a zero timeout is refused with its field', () => {
    assert.deepEqual(policySettings(spec({ timeouts: { idle: '0s' } })).problems, [
      { field: 'spec.timeouts.idle', message: '0s is not between 1ms and 24h' },
    ]);
  });

  it('balancer: RoundRobin, LeastRequest, and ConsistentHash on a header, a cookie or the client address', () => {
    const balancer = (b: RoutePolicySpec['balancer']) =>
      policySettings(spec({ balancer: b })).backend.balancer;
    assert.deepEqual(balancer({ type: 'LeastRequest' }), { type: 'LeastRequest' });
    assert.deepEqual(
      balancer({ type: 'ConsistentHash', hashOn: 'Header', hashName: 'x-user', subsetSize: 3 }),
      {
        type: 'ConsistentHash',
        on: 'Header',
        name: 'x-user',
        subsetSize: 3,
      },
    );
    assert.deepEqual(balancer({ type: 'ConsistentHash', hashOn: 'ClientAddress' }), {
      type: 'ConsistentHash',
      on: 'ClientAddress',
    });
  });

  it('balancer fields that contradict each other are refused', () => {
    const problems = (b: RoutePolicySpec['balancer']) =>
      policySettings(spec({ balancer: b })).problems.map((p) => p.field);
    assert.deepEqual(problems({ type: 'ConsistentHash' }), ['spec.balancer.hashOn']);
    assert.deepEqual(problems({ type: 'ConsistentHash', hashOn: 'Cookie' }), ['spec.balancer.hashName']);
    assert.deepEqual(problems({ type: 'ConsistentHash', hashOn: 'ClientAddress', hashName: 'x' }), [
      'spec.balancer.hashName',
    ]);
    assert.deepEqual(problems({ type: 'RoundRobin', subsetSize: 2 }), ['spec.balancer.subsetSize']);
  });

  it("CORS defaults are enable-cors's, credentials off unless asked", () => {
    const { cors } = policySettings(spec({ cors: { allowOrigins: ['*', 'https://a.example'] } })).route;
    assert.deepEqual(cors?.allowOrigins, ['*']);
    assert.equal(cors?.allowCredentials, false);
    assert.equal(cors?.allowMethods, 'GET, PUT, POST, DELETE, PATCH, OPTIONS');
  });

  it('a deny list alone lets everyone else in; an allow list refuses everyone else', () => {
    assert.equal(
      policySettings(spec({ clientAccess: { deny: ['10.0.0.1'] } })).route.clientAccess?.otherwise,
      'allow',
    );
    assert.equal(
      policySettings(spec({ clientAccess: { allow: ['10.0.0.1'] } })).route.clientAccess?.otherwise,
      'deny',
    );
  });

  it('clientCertificate: auth-tls-secret settings, verify on and depth 1 unless said (authtls defaults); a bad name is a problem', () => {
    const s = policySettings(spec({ clientCertificate: { caSecretRef: { name: 'ca' } } }));
    assert.deepEqual(s.clientCertificate, {
      secret: 'ca',
      settings: { verify: 'on', depth: 1, passCertificate: false },
    });
    assert.deepEqual(s.unsupported, []);
    assert.equal(
      policySettings(
        spec({ clientCertificate: { caSecretRef: { name: 'ca' }, verify: 'optional_no_ca', depth: 4 } }),
      ).clientCertificate?.settings.depth,
      4,
    );
    assert.deepEqual(policySettings(spec({ clientCertificate: { caSecretRef: { name: 'A_B' } } })).problems, [
      { field: 'spec.clientCertificate.caSecretRef.name', message: 'it is not a valid Secret name' },
    ]);
  });

  it('canary: a CanarySpec out of 100 (canary-weight-total default), header always/never or one value, cookie', () => {
    assert.deepEqual(policySettings(spec({ canary: { backend: { name: 'v2' } } })).canary, {
      backend: { name: 'v2' },
      spec: { weight: 0, weightTotal: 100 },
    });
    assert.deepEqual(
      policySettings(
        spec({ canary: { backend: { name: 'v2' }, weight: 5, header: { name: 'X-C' }, cookie: 'c' } }),
      ).canary?.spec,
      { weight: 5, weightTotal: 100, header: { name: 'X-C', mode: 'always-never' }, cookie: 'c' },
    );
    assert.deepEqual(
      policySettings(spec({ canary: { backend: { name: 'v2' }, header: { name: 'X-C', value: 'on' } } }))
        .canary?.spec.header,
      { name: 'X-C', mode: 'value', value: 'on' },
    );
  });

  it('regexPaths is carried as written (true or false: false turns use-regex off)', () => {
    assert.equal(policySettings(spec({ regexPaths: false })).regexPaths, false);
    assert.equal(policySettings(spec({})).regexPaths, undefined);
  });

  it('rateLimit: limit_req per client address in one budget per policy, 429 past the burst unless statusCode says', () => {
    assert.deepEqual(policySettings(spec({ rateLimit: { requestsPerSecond: 10 } })).route.rateLimit, {
      zone: 'RoutePolicy/shop/p',
      rps: 10,
      // ingress-nginx's limit-burst-multiplier default: burst = 5 × rate.
      burstMultiplier: 5,
      statusCode: 429,
    });
    assert.deepEqual(
      policySettings(spec({ rateLimit: { requestsPerSecond: 2, burst: 0, statusCode: 503 } })).route
        .rateLimit,
      { zone: 'RoutePolicy/shop/p', rps: 2, burstMultiplier: 5, burst: 0, statusCode: 503 },
    );
  });

  it('basicAuth: an htpasswd file of a Secret of the policy namespace (auth-file, as auth-secret); a bad realm is refused', () => {
    assert.deepEqual(
      policySettings(spec({ basicAuth: { secretRef: { name: 'users' }, realm: 'Shop' } })).basicAuth,
      {
        kind: 'basic',
        secret: 'users',
        secretType: 'auth-file',
        realm: 'Shop',
      },
    );
    const bad = policySettings(spec({ basicAuth: { secretRef: { name: 'users' }, realm: 'a"b' } }));
    assert.equal(bad.basicAuth, undefined);
    assert.deepEqual(
      bad.problems.map((p) => p.field),
      ['spec.basicAuth.realm'],
    );
  });

  it("externalAuth: auth-url's parsing — a Service of the policy namespace by cluster name, else an external host", () => {
    const inNamespace = policySettings(
      spec({ externalAuth: { url: 'http://auth.shop.svc:8080/check?x=1', responseHeaders: ['X-User'] } }),
    ).externalAuth;
    assert.deepEqual(inNamespace, {
      target: { kind: 'service', name: 'auth' },
      port: 8080,
      protocol: 'HTTP',
      path: '/check?x=1',
      hostname: 'auth.shop.svc:8080',
      responseHeaders: ['x-user'],
    });
    const other = policySettings(
      spec({ externalAuth: { url: 'https://auth.other.svc/', signinURL: 'https://login.example/' } }),
    ).externalAuth;
    assert.deepEqual(other?.target, { kind: 'external', host: 'auth.other.svc' });
    assert.equal(other?.signin, 'https://login.example/');
  });

  it('externalAuth: what auth-url refuses (nginx variables, credentials in the URL) is refused with its field', () => {
    for (const url of ['http://auth/$host', 'http://u:p@auth/']) {
      const s = policySettings(spec({ externalAuth: { url } }));
      assert.equal(s.externalAuth, undefined, url);
      assert.deepEqual(
        s.problems.map((p) => p.field),
        ['spec.externalAuth.url'],
        url,
      );
    }
  });

  it("hsts: the Strict-Transport-Security value ingress-nginx's nginx.tmpl writes", () => {
    const value = (h: RoutePolicySpec['hsts']) => policySettings(spec({ hsts: h })).route.hsts;
    assert.equal(value({ maxAgeSeconds: 31_536_000 }), 'max-age=31536000');
    assert.equal(
      value({ maxAgeSeconds: 60, includeSubDomains: true, preload: true }),
      'max-age=60; includeSubDomains; preload',
    );
    assert.equal(value({ maxAgeSeconds: 0, preload: true }), 'max-age=0; preload');
    assert.deepEqual(policySettings(spec({ hsts: { maxAgeSeconds: 1 } })).unsupported, []);
  });
});
