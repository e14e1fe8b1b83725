// RoutePolicy attachment (issue 27 §3): targetRefs, hosts/paths narrowing, precedence over
// annotations, conflicts between policies, and the conditions each policy is given.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Route } from '../../../../dataplane/src/table/types.ts';
import type { RoutePolicy, RoutePolicySpec } from '../../policy/types.ts';
import { hostOf, ingress, ready, reasons, rule, run, service, slice } from '../testkit.ts';
import type { TranslateResult } from '../types.ts';

const WEB = [service('web'), slice('web-1', 'web', [{ name: 'http', port: 8080 }], [ready('10.0.0.1')])];
const ref = (name = 'shop') => ({ group: 'networking.k8s.io' as const, kind: 'Ingress' as const, name });

function policy(
  name: string,
  spec: Partial<RoutePolicySpec>,
  meta: { created?: string; namespace?: string } = {},
): RoutePolicy {
  return {
    apiVersion: 'gatehouse.dev/v1alpha1',
    kind: 'RoutePolicy',
    metadata: {
      name,
      namespace: meta.namespace ?? 'default',
      generation: 3,
      creationTimestamp: meta.created ?? '2026-02-01T00:00:00Z',
    },
    spec: { targetRefs: [ref()], ...spec },
  };
}

const shop = (annotations?: Record<string, string>) =>
  ingress(
    'shop',
    { rules: [rule('shop.example.com', ['/', '/api']), rule('admin.example.com', ['/'])] },
    { annotations },
  );

function route(result: TranslateResult, host: string, path: string): Route {
  const found = hostOf(result, host).routes.find((r) => r.match.path.value === path);
  assert.ok(found, `no route ${host}${path}`);
  return found;
}

/** `Type status reason` per condition of the named policy. */
function conditions(result: TranslateResult, name: string): string[] {
  const outcome = result.policies?.find((p) => p.name === name);
  assert.ok(outcome, `no outcome for ${name}`);
  return outcome.conditions.map((c) => `${c.type} ${c.status} ${c.reason}`);
}

describe('RoutePolicy attachment', () => {
  it('applies its typed fields to every route of its target: timeouts, retry, headers, body size, access, CORS', () => {
    const result = run({
      ingresses: [shop()],
      services: WEB.slice(0, 1) as never,
      endpointSlices: WEB.slice(1) as never,
      routePolicies: [
        policy('p', {
          timeouts: { connect: '2s', responseHeader: '1m30s' },
          retry: { attempts: 2 },
          requestHeaders: { set: [{ name: 'X-Env', value: 'prod' }] },
          responseHeaders: { add: [{ name: 'X-Served-By', value: 'gatehouse' }], remove: ['Server'] },
          maxRequestBodyBytes: 1024,
          clientAccess: { allow: ['10.0.0.0/8'], deny: ['10.1.2.3'] },
          cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET'] },
        }),
      ],
    });
    for (const [host, path] of [
      ['shop.example.com', '/'],
      ['shop.example.com', '/api'],
      ['admin.example.com', '/'],
    ] as const) {
      const r = route(result, host, path);
      assert.deepEqual(r.timeouts, { connectMs: 2000, responseHeaderMs: 90_000 });
      assert.deepEqual(r.retry, { attempts: 2, on: ['connect-failure', 'reset'] });
      assert.equal(r.maxRequestBodyBytes, 1024);
      assert.deepEqual(r.filters, [
        { type: 'RequestHeaderModifier', set: [{ name: 'X-Env', value: 'prod' }] },
        {
          type: 'ResponseHeaderModifier',
          add: [{ name: 'X-Served-By', value: 'gatehouse' }],
          remove: ['Server'],
        },
      ]);
      assert.deepEqual(r.clientAccess, {
        rules: [
          { action: 'deny', cidrs: ['10.1.2.3'] },
          { action: 'allow', cidrs: ['10.0.0.0/8'] },
        ],
        otherwise: 'deny',
      });
      assert.equal(r.cors?.allowMethods, 'GET');
      assert.deepEqual(r.cors?.allowOrigins, ['https://app.example.com']);
    }
    assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs True ResolvedRefs']);
    assert.equal(result.policies?.[0]?.generation, 3);
  });

  it('narrowed by hosts, then by paths (the Ingress path as written)', () => {
    const byHost = run({
      ingresses: [shop()],
      routePolicies: [policy('p', { hosts: ['admin.example.com'], maxRequestBodyBytes: 7 })],
    });
    assert.equal(route(byHost, 'admin.example.com', '/').maxRequestBodyBytes, 7);
    assert.equal(route(byHost, 'shop.example.com', '/').maxRequestBodyBytes, undefined);
    const byPath = run({
      ingresses: [shop()],
      routePolicies: [policy('p', { paths: ['/api'], maxRequestBodyBytes: 7 })],
    });
    assert.equal(route(byPath, 'shop.example.com', '/api').maxRequestBodyBytes, 7);
    assert.equal(route(byPath, 'shop.example.com', '/').maxRequestBodyBytes, undefined);
    assert.equal(route(byPath, 'admin.example.com', '/').maxRequestBodyBytes, undefined);
  });

  it('wins over the annotations field by field; what it leaves unset keeps the annotations', () => {
    const annotated = shop({
      'nginx.ingress.kubernetes.io/proxy-connect-timeout': '9',
      'nginx.ingress.kubernetes.io/proxy-body-size': '1k',
      'nginx.ingress.kubernetes.io/whitelist-source-range': '192.168.0.0/16',
    });
    const result = run({
      ingresses: [annotated],
      routePolicies: [policy('p', { timeouts: { connect: '1s' }, clientAccess: { allow: ['10.0.0.0/8'] } })],
    });
    const r = route(result, 'shop.example.com', '/');
    assert.equal(r.timeouts?.connectMs, 1000, 'the policy timeout');
    assert.equal(r.maxRequestBodyBytes, 1024, 'the annotation body size, which the policy does not set');
    assert.deepEqual(
      r.clientAccess?.rules,
      [{ action: 'allow', cidrs: ['10.0.0.0/8'] }],
      'the policy allow list',
    );
  });

  it('a redirect replaces the route; balancer and sessionAffinity set the backends of the whole Ingress', () => {
    const result = run({
      ingresses: [shop()],
      services: [WEB[0]] as never,
      endpointSlices: [WEB[1]] as never,
      routePolicies: [
        policy('p', {
          redirect: { scheme: 'https', statusCode: 308 },
          sessionAffinity: { cookieName: 'route', ttlSeconds: 60 },
        }),
      ],
    });
    const r = route(result, 'shop.example.com', '/');
    assert.deepEqual(r.filters, [{ type: 'RequestRedirect', scheme: 'https', statusCode: 308 }]);
    const key = r.backends[0]?.backend ?? '';
    assert.deepEqual(result.table.backends[key]?.balancer, {
      type: 'ConsistentHash',
      on: 'Cookie',
      name: 'route',
      setCookie: { name: 'route', ttlSeconds: 60 },
    });
  });

  it('between policies on one route: path beats host beats the whole Ingress, then the oldest, then the name', () => {
    const result = run({
      ingresses: [shop()],
      routePolicies: [
        policy('whole', { maxRequestBodyBytes: 1 }, { created: '2020-01-01T00:00:00Z' }),
        policy('host', { hosts: ['shop.example.com'], maxRequestBodyBytes: 2 }),
        policy('path-new', { paths: ['/api'], maxRequestBodyBytes: 3 }, { created: '2026-03-01T00:00:00Z' }),
        policy('path-old', { paths: ['/api'], maxRequestBodyBytes: 4 }, { created: '2026-01-01T00:00:00Z' }),
        policy(
          'path-old-b',
          { paths: ['/api'], maxRequestBodyBytes: 5 },
          { created: '2026-01-01T00:00:00Z' },
        ),
      ],
    });
    assert.equal(route(result, 'shop.example.com', '/api').maxRequestBodyBytes, 4);
    assert.equal(route(result, 'shop.example.com', '/').maxRequestBodyBytes, 2);
    assert.equal(route(result, 'admin.example.com', '/').maxRequestBodyBytes, 1);
    assert.deepEqual(conditions(result, 'path-old'), [
      'Accepted True Accepted',
      'ResolvedRefs True ResolvedRefs',
    ]);
    assert.deepEqual(conditions(result, 'path-new'), [
      'Accepted False Conflicted',
      'ResolvedRefs True ResolvedRefs',
    ]);
    assert.deepEqual(conditions(result, 'path-old-b'), [
      'Accepted False Conflicted',
      'ResolvedRefs True ResolvedRefs',
    ]);
    // Won one route, lost others: accepted, and told which.
    const whole = result.policies?.find((p) => p.name === 'whole')?.conditions[0];
    assert.equal(whole?.status, 'True');
    assert.match(whole?.message ?? '', /held by other policies/);
    const told = result.diagnostics.filter(
      (d) => d.object.kind === 'RoutePolicy' && d.reason === 'Conflicted',
    );
    assert.deepEqual(told.map((d) => d.object.name).sort(), ['host', 'path-new', 'path-old-b', 'whole']);
  });

  it('a target that is missing, of another namespace or of another class is TargetNotFound', () => {
    const other = ingress('other', { ingressClassName: 'nginx', rules: [rule('o.example.com', ['/'])] });
    const result = run({
      ingresses: [shop(), other],
      routePolicies: [
        policy('missing', { targetRefs: [ref('nope')] }),
        policy('elsewhere', { maxRequestBodyBytes: 1 }, { namespace: 'team' }),
        policy('foreign', { targetRefs: [ref('other')] }),
        policy('half', { targetRefs: [ref('shop'), ref('nope')], maxRequestBodyBytes: 5 }),
        policy('narrow', { hosts: ['none.example.com'], maxRequestBodyBytes: 6 }),
      ],
    });
    for (const name of ['missing', 'elsewhere', 'foreign'])
      assert.deepEqual(
        conditions(result, name),
        ['Accepted False TargetNotFound', 'ResolvedRefs False TargetNotFound'],
        name,
      );
    assert.deepEqual(conditions(result, 'half'), [
      'Accepted True Accepted',
      'ResolvedRefs False TargetNotFound',
    ]);
    assert.equal(route(result, 'shop.example.com', '/').maxRequestBodyBytes, 5);
    assert.deepEqual(conditions(result, 'narrow'), [
      'Accepted True Accepted',
      'ResolvedRefs False TargetNotFound',
    ]);
  });

  it('an invalid policy is refused with its field, and the others keep serving', () => {
    const bad = policy('bad', { timeouts: { connect: '48h' } });
    const schemaBad = { ...policy('schema-bad', {}), spec: { targetRefs: [ref()], timeout: '1s' } };
    const narrowBalancer = policy('narrow-balancer', {
      hosts: ['shop.example.com'],
      balancer: { type: 'LeastRequest' },
    });
    // Restricting: it closes the routes it holds (admin.example.com), tested below.
    const badCidr = policy('bad-cidr', {
      hosts: ['admin.example.com'],
      clientAccess: { allow: ['10.0.0.300/8'] },
    });
    const good = policy('good', { maxRequestBodyBytes: 9 }, { created: '2026-12-01T00:00:00Z' });
    const result = run({
      ingresses: [shop()],
      routePolicies: [bad, schemaBad as never, narrowBalancer, badCidr, good],
    });
    for (const name of ['bad', 'narrow-balancer', 'bad-cidr'])
      assert.deepEqual(
        conditions(result, name),
        ['Accepted False Invalid', 'ResolvedRefs True ResolvedRefs'],
        name,
      );
    assert.deepEqual(conditions(result, 'schema-bad'), [
      'Accepted False Invalid',
      'ResolvedRefs False Invalid',
    ]);
    assert.equal(route(result, 'shop.example.com', '/').maxRequestBodyBytes, 9);
    assert.deepEqual(conditions(result, 'good'), [
      'Accepted True Accepted',
      'ResolvedRefs True ResolvedRefs',
    ]);
    const invalid = result.diagnostics
      .filter((d) => d.reason === 'Invalid')
      .map((d) => `${d.object.name} ${d.field}`);
    assert.deepEqual(invalid.sort(), [
      'bad spec.timeouts.connect',
      'bad-cidr spec.clientAccess.allow[0]',
      'narrow-balancer spec.balancer',
      'schema-bad spec',
    ]);
  });

  it('an invalid policy that restricts access closes the routes it targets (503), never leaves them open', () => {
    for (const spec of [
      { clientAccess: { allow: ['10.0.0.300/8'] } },
      { basicAuth: { secretRef: { name: 'users' }, realm: 'a"b' } },
      { externalAuth: { url: 'http://auth/$host' } },
      // Refused by the schema (a typo in the field's name), yet plainly meant to restrict.
      { basicAuth: { secretref: { name: 'users' } } },
    ] as unknown as Partial<RoutePolicySpec>[]) {
      const result = run({
        ingresses: [shop()],
        services: [WEB[0]] as never,
        endpointSlices: [WEB[1]] as never,
        routePolicies: [policy('p', { paths: ['/api'], ...spec })],
      });
      assert.deepEqual(route(result, 'shop.example.com', '/api').backends, [], JSON.stringify(spec));
      assert.notDeepEqual(route(result, 'shop.example.com', '/').backends, [], 'other routes keep serving');
      assert.equal(conditions(result, 'p')[0], 'Accepted False Invalid');
    }
  });

  it('without RoutePolicies the result has no policies field (existing results unchanged)', () => {
    assert.equal(run({ ingresses: [shop()] }).policies, undefined);
  });
});

describe('RoutePolicy access fields', () => {
  const users = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: 'users', namespace: 'default' },
    // htpasswd -bs: alice / secret ({SHA}).
    data: { auth: Buffer.from('alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n').toString('base64') },
  };

  it('rateLimit, basicAuth and externalAuth become the route fields the annotations make', () => {
    const result = run({
      ingresses: [shop()],
      services: [WEB[0], service('auth')] as never,
      endpointSlices: [
        WEB[1],
        slice('auth-1', 'auth', [{ name: 'http', port: 9000 }], [ready('10.0.0.9')]),
      ] as never,
      secrets: [users] as never,
      routePolicies: [
        policy('p', {
          paths: ['/api'],
          rateLimit: { requestsPerSecond: 5, burst: 2 },
          basicAuth: { secretRef: { name: 'users' }, realm: 'Shop' },
          externalAuth: { url: 'http://auth.default.svc/check', responseHeaders: ['X-User'] },
          hsts: { maxAgeSeconds: 600, includeSubDomains: true },
        }),
      ],
    });
    const r = route(result, 'shop.example.com', '/api');
    assert.deepEqual(r.rateLimit, {
      zone: 'RoutePolicy/default/p',
      rps: 5,
      burstMultiplier: 5,
      burst: 2,
      statusCode: 429,
    });
    assert.deepEqual(r.basicAuth, {
      realm: 'Shop',
      users: [{ user: 'alice', hash: '{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=' }],
    });
    // nginx.tmpl: the credentials are not passed upstream after auth_basic.
    assert.deepEqual(r.filters[0], { type: 'RequestHeaderModifier', remove: ['authorization'] });
    assert.equal(r.externalAuth?.path, '/check');
    assert.equal(r.externalAuth?.hostname, 'auth.default.svc');
    assert.deepEqual(r.externalAuth?.responseHeaders, ['x-user']);
    assert.equal(result.table.backends[r.externalAuth!.backend]?.endpoints[0]?.address, '10.0.0.9');
    assert.equal(r.hsts, 'max-age=600; includeSubDomains');
    const open = route(result, 'shop.example.com', '/');
    assert.equal(
      open.rateLimit ?? open.basicAuth ?? open.externalAuth ?? open.hsts,
      undefined,
      'other routes untouched',
    );
    assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs True ResolvedRefs']);
  });

  it('an externalAuth host outside the namespace is an external backend: the worker guards its address', () => {
    const result = run({
      ingresses: [shop()],
      routePolicies: [policy('p', { externalAuth: { url: 'https://auth.example.net/verify' } })],
    });
    const auth = route(result, 'shop.example.com', '/').externalAuth;
    assert.ok(auth);
    assert.equal(result.table.backends[auth.backend]?.external, true);
    assert.equal(result.table.backends[auth.backend]?.protocol, 'HTTPS');
  });

  it('a basicAuth Secret that is missing or has no auth key closes the routes: 503, ResolvedRefs False', () => {
    for (const secrets of [[], [{ ...users, data: { other: 'eA==' } }]]) {
      const result = run({
        ingresses: [shop()],
        services: [WEB[0]] as never,
        endpointSlices: [WEB[1]] as never,
        secrets: secrets as never,
        routePolicies: [policy('p', { basicAuth: { secretRef: { name: 'users' } } })],
      });
      assert.deepEqual(route(result, 'shop.example.com', '/').backends, []);
      assert.deepEqual(route(result, 'shop.example.com', '/').filters, []);
      assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs False RefNotFound']);
      assert.ok(result.diagnostics.some((d) => d.object.name === 'p' && d.reason === 'RefNotFound'));
    }
  });

  it("errorPages: the codes answered by a Service of the namespace, with the route's X-Service-Name/-Port (custom-http-errors)", () => {
    const result = run({
      ingresses: [shop()],
      services: [WEB[0], service('errors')] as never,
      endpointSlices: [
        WEB[1],
        slice('errors-1', 'errors', [{ name: 'http', port: 8080 }], [ready('10.0.0.7')]),
      ] as never,
      routePolicies: [policy('p', { errorPages: { codes: [503, 404, 503], backend: { name: 'errors' } } })],
    });
    const pages = route(result, 'shop.example.com', '/').errorPages;
    assert.ok(pages);
    assert.deepEqual(pages.codes, [404, 503]);
    assert.equal(pages.service, 'web');
    assert.equal(pages.servicePort, '80');
    assert.equal(result.table.backends[pages.backend]?.endpoints[0]?.address, '10.0.0.7');
    assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs True ResolvedRefs']);
  });

  it('an errorPages Service that does not exist is reported; the routes keep serving, answers relayed', () => {
    const result = run({
      ingresses: [shop()],
      services: [WEB[0]] as never,
      endpointSlices: [WEB[1]] as never,
      routePolicies: [
        policy('p', { errorPages: { codes: [404], backend: { name: 'gone' } }, maxRequestBodyBytes: 9 }),
      ],
    });
    const r = route(result, 'shop.example.com', '/');
    assert.notDeepEqual(r.backends, []);
    assert.equal(r.errorPages, undefined);
    assert.equal(r.maxRequestBodyBytes, 9, 'the rest of the policy applies');
    assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs False RefNotFound']);
  });

  it('an externalAuth Service of the namespace that does not exist closes the routes', () => {
    const result = run({
      ingresses: [shop()],
      services: [WEB[0]] as never,
      endpointSlices: [WEB[1]] as never,
      routePolicies: [policy('p', { externalAuth: { url: 'http://missing.default.svc.cluster.local/' } })],
    });
    assert.deepEqual(route(result, 'shop.example.com', '/').backends, []);
    assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs False RefNotFound']);
  });
});

describe('RoutePolicy on a closed Ingress', () => {
  it('an Ingress closed by a refused access annotation stays 503: a policy redirect does not answer for it', () => {
    const closed = shop({ 'nginx.ingress.kubernetes.io/whitelist-source-range': 'not-a-cidr' });
    const result = run({
      ingresses: [closed],
      services: [WEB[0]] as never,
      endpointSlices: [WEB[1]] as never,
      routePolicies: [policy('p', { redirect: { scheme: 'https', statusCode: 301 } })],
    });
    const r = route(result, 'shop.example.com', '/');
    assert.deepEqual(r.backends, []);
    assert.deepEqual(r.filters, []);
  });
});

describe('RoutePolicy clientCertificate (as auth-tls-*, annotations.md "Client Certificate Authentication")', () => {
  const CA = readFileSync(new URL('../annotations/testdata/client-ca.crt', import.meta.url), 'utf8');
  const caSecret = (name: string, data: Record<string, string> = { 'ca.crt': CA }) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
  const translate = (
    spec: Partial<RoutePolicySpec>,
    secrets = [caSecret('client-ca')],
    annotations?: Record<string, string>,
  ) =>
    run({
      ingresses: [shop(annotations)],
      services: [WEB[0]] as never,
      endpointSlices: [WEB[1]] as never,
      secrets: secrets as never,
      routePolicies: [policy('p', spec)],
    });

  it('sets the client certificate of every host of its target, verify on and depth 1 by default (authtls defaults)', () => {
    const result = translate({ clientCertificate: { caSecretRef: { name: 'client-ca' } } });
    for (const host of ['shop.example.com', 'admin.example.com'])
      assert.deepEqual(hostOf(result, host).clientCertificate, {
        verify: 'on',
        depth: 1,
        passCertificate: false,
        caPem: CA,
      });
    assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs True ResolvedRefs']);
  });

  it('narrowed to hosts, only those hosts; verify and depth as written; it wins over auth-tls-secret', () => {
    const result = translate(
      {
        hosts: ['admin.example.com'],
        clientCertificate: { caSecretRef: { name: 'client-ca' }, verify: 'optional', depth: 3 },
      },
      [caSecret('client-ca'), caSecret('annotation-ca')],
      {
        'nginx.ingress.kubernetes.io/auth-tls-secret': 'default/annotation-ca',
        'nginx.ingress.kubernetes.io/auth-tls-verify-depth': '2',
      },
    );
    assert.deepEqual(hostOf(result, 'admin.example.com').clientCertificate, {
      verify: 'optional',
      depth: 3,
      passCertificate: false,
      caPem: CA,
    });
    assert.equal(
      hostOf(result, 'shop.example.com').clientCertificate?.depth,
      2,
      'the annotation keeps the other host',
    );
  });

  it('a policy that won no route of a host (Conflicted) sets nothing there: the winner, without one, leaves it unset', () => {
    const result = run({
      ingresses: [shop()],
      services: [WEB[0]] as never,
      endpointSlices: [WEB[1]] as never,
      secrets: [caSecret('client-ca')] as never,
      routePolicies: [
        policy('older', { maxRequestBodyBytes: 5 }, { created: '2026-01-01T00:00:00Z' }),
        policy('newer', { clientCertificate: { caSecretRef: { name: 'client-ca' } } }),
      ],
    });
    assert.equal(conditions(result, 'newer')[0], 'Accepted False Conflicted');
    assert.equal(hostOf(result, 'shop.example.com').clientCertificate, undefined);
  });

  it('narrowed to paths: Invalid (the handshake comes before the path), its routes closed (503), no host setting', () => {
    const result = translate({ paths: ['/api'], clientCertificate: { caSecretRef: { name: 'client-ca' } } });
    assert.equal(conditions(result, 'p')[0], 'Accepted False Invalid');
    const message = result.policies?.[0]?.conditions[0]?.message ?? '';
    assert.match(
      message,
      /clientCertificate is checked in the TLS handshake of the whole host.*without paths/,
    );
    assert.deepEqual(route(result, 'shop.example.com', '/api').backends, []);
    assert.notDeepEqual(route(result, 'shop.example.com', '/').backends, [], 'other routes keep serving');
    assert.equal(hostOf(result, 'shop.example.com').clientCertificate, undefined);
  });

  it('a CA Secret missing or without ca.crt: ResolvedRefs False, the host requires a CA it cannot verify (503)', () => {
    for (const secrets of [[], [caSecret('client-ca', { 'tls.crt': CA })]]) {
      const result = translate({ clientCertificate: { caSecretRef: { name: 'client-ca' } } }, secrets);
      assert.deepEqual(hostOf(result, 'shop.example.com').clientCertificate, {
        verify: 'on',
        depth: 1,
        passCertificate: false,
      });
      assert.deepEqual(route(result, 'shop.example.com', '/').backends, []);
      assert.equal(conditions(result, 'p')[1], 'ResolvedRefs False RefNotFound');
    }
  });

  it('a Secret name that cannot be one: Invalid, the routes closed', () => {
    const result = translate({ clientCertificate: { caSecretRef: { name: 'Not_A_Name' } } });
    assert.equal(conditions(result, 'p')[0], 'Accepted False Invalid');
    assert.deepEqual(route(result, 'shop.example.com', '/').backends, []);
  });
});

describe('RoutePolicy canary (as a canary Ingress, annotations.md#canary, merge-canaries.ts)', () => {
  const BACKENDS = {
    services: [service('web'), service('web-v2', [{ name: 'http', port: 80, targetPort: 8080 }])] as never,
    endpointSlices: [
      slice('web-1', 'web', [{ name: 'http', port: 8080 }], [ready('10.0.0.1')]),
      slice('web-v2-1', 'web-v2', [{ name: 'http', port: 8080 }], [ready('10.0.0.2')]),
    ] as never,
  };
  const MAIN = 'default/web:80';
  const CANARY = 'default/web-v2:80';
  const NAMED = 'default/web-v2:http';
  const lines = (result: TranslateResult, host = 'shop.example.com') =>
    hostOf(result, host).routes.map((r) => {
      const headers = (r.match.headers ?? []).map((h) => ` [header ${h.name} ${h.type} ${h.value}]`).join('');
      const cookies = (r.match.cookies ?? []).map((c) => ` [cookie ${c.name} ${c.type} ${c.value}]`).join('');
      const to = r.backends
        .map((b) => (r.backends.length > 1 ? `${b.backend}=${b.weight}` : b.backend))
        .join(' ');
      return `${r.match.path.value}${headers}${cookies} -> ${to}`;
    });
  const translate = (
    spec: Partial<RoutePolicySpec>,
    more: { ingresses?: ReturnType<typeof ingress>[] } = {},
  ) =>
    run({ ingresses: [shop(), ...(more.ingresses ?? [])], ...BACKENDS, routePolicies: [policy('p', spec)] });

  it('weight 30 splits each route of its target 70:30 to the named Service (its first port when none is named)', () => {
    const result = translate({ canary: { backend: { name: 'web-v2' }, weight: 30 } });
    assert.deepEqual(lines(result), [`/api -> ${MAIN}=70 ${CANARY}=30`, `/ -> ${MAIN}=70 ${CANARY}=30`]);
    assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs True ResolvedRefs']);
  });

  it('header without value: "always" to the canary, "never" to the main backend; with value: that value; then the weight', () => {
    assert.deepEqual(
      lines(
        translate({
          paths: ['/api'],
          canary: { backend: { name: 'web-v2', port: 80 }, header: { name: 'X-Canary' } },
        }),
      ),
      [
        `/api [header X-Canary Exact always] -> ${CANARY}`,
        `/api [header X-Canary Exact never] -> ${MAIN}`,
        `/api -> ${MAIN}`,
        `/ -> ${MAIN}`,
      ],
    );
    assert.deepEqual(
      lines(
        translate({
          paths: ['/api'],
          canary: {
            backend: { name: 'web-v2', portName: 'http' },
            header: { name: 'X-Canary', value: 'yes' },
            weight: 10,
          },
        }),
      ),
      [`/api [header X-Canary Exact yes] -> ${NAMED}`, `/api -> ${MAIN}=90 ${NAMED}=10`, `/ -> ${MAIN}`],
    );
  });

  it('cookie: "always" to the canary, "never" to the main backend', () => {
    assert.deepEqual(
      lines(translate({ paths: ['/'], canary: { backend: { name: 'web-v2' }, cookie: 'beta' } })),
      [
        `/api -> ${MAIN}`,
        `/ [cookie beta Exact always] -> ${CANARY}`,
        `/ [cookie beta Exact never] -> ${MAIN}`,
        `/ -> ${MAIN}`,
      ],
    );
  });

  it('its canary Service missing: ResolvedRefs False, everything to the main backends', () => {
    const result = translate({ canary: { backend: { name: 'gone' }, weight: 50 } });
    assert.deepEqual(lines(result), [`/api -> ${MAIN}`, `/ -> ${MAIN}`]);
    assert.equal(conditions(result, 'p')[1], 'ResolvedRefs False RefNotFound');
  });

  it('port and portName both: Invalid, the policy left out', () => {
    const result = translate({
      canary: { backend: { name: 'web-v2', port: 80, portName: 'http' }, weight: 50 },
    });
    assert.equal(conditions(result, 'p')[0], 'Accepted False Invalid');
    assert.deepEqual(lines(result), [`/api -> ${MAIN}`, `/ -> ${MAIN}`]);
  });

  it('a canary Ingress on the same path: the policy canary is used, the Ingress told (RouteConflict)', () => {
    const canaryIngress = ingress(
      'shop-canary',
      { rules: [rule('shop.example.com', ['/'], 'web-v2')] },
      {
        annotations: {
          'nginx.ingress.kubernetes.io/canary': 'true',
          'nginx.ingress.kubernetes.io/canary-weight': '90',
        },
      },
    );
    const result = translate(
      { paths: ['/'], canary: { backend: { name: 'web-v2' }, weight: 20 } },
      { ingresses: [canaryIngress] },
    );
    assert.deepEqual(lines(result), [`/api -> ${MAIN}`, `/ -> ${MAIN}=80 ${CANARY}=20`]);
    assert.ok(
      reasons(result).some((r) => r.startsWith('Ingress default/shop-canary') && r.endsWith('RouteConflict')),
      reasons(result).join(),
    );
  });
});

describe('RoutePolicy regexPaths (as use-regex, ingress-path-matching.md)', () => {
  const regexIngress = (annotations?: Record<string, string>) =>
    ingress(
      'shop',
      {
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/api/v[0-9]+',
                  pathType: 'ImplementationSpecific',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
      { annotations },
    );
  const match = (result: TranslateResult) => hostOf(result, 'shop.example.com').routes[0]?.match.path;

  it('true: the ImplementationSpecific paths of its target are case-insensitive regexes (nginx `~*`)', () => {
    const result = run({ ingresses: [regexIngress()], routePolicies: [policy('p', { regexPaths: true })] });
    assert.deepEqual(match(result), { type: 'Regex', value: '(?i)/api/v[0-9]+' });
    assert.deepEqual(conditions(result, 'p'), ['Accepted True Accepted', 'ResolvedRefs True ResolvedRefs']);
  });

  it('false wins over use-regex: the path is read as a plain prefix', () => {
    const useRegex = { 'nginx.ingress.kubernetes.io/use-regex': 'true' };
    assert.equal(match(run({ ingresses: [regexIngress(useRegex)] }))?.type, 'Regex');
    const result = run({
      ingresses: [regexIngress(useRegex)],
      routePolicies: [policy('p', { regexPaths: false })],
    });
    assert.notEqual(match(result)?.type, 'Regex');
  });

  it('narrowed to hosts or paths: Invalid (use-regex reads every path of the Ingress), the policy left out', () => {
    for (const narrowing of [{ hosts: ['shop.example.com'] }, { paths: ['/api/v[0-9]+'] }]) {
      const result = run({
        ingresses: [regexIngress()],
        routePolicies: [policy('p', { ...narrowing, regexPaths: true })],
      });
      assert.equal(conditions(result, 'p')[0], 'Accepted False Invalid');
      assert.match(
        result.policies?.[0]?.conditions[0]?.message ?? '',
        /regexPaths is how every path of the Ingress is read/,
      );
      assert.notEqual(match(result)?.type, 'Regex');
    }
  });
});
