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
      rule: 'a pending key that restricts nothing (rewrite-target) is a warning and the routes are served',
      annotations: { [`${P}/rewrite-target`]: '/$1' },
      routes: SERVED,
      reasons: [`Ingress default/app metadata.annotations["${P}/rewrite-target"] UnsupportedAnnotation`],
    },
    {
      rule: 'a refused key that restricts nothing (stream-snippet) is a warning and the routes are served',
      annotations: { [`${P}/stream-snippet`]: 'server {}' },
      routes: SERVED,
      reasons: [`Ingress default/app metadata.annotations["${P}/stream-snippet"] UnsupportedAnnotation`],
    },
    ...[
      'auth-url',
      'whitelist-source-range',
      'denylist-source-range',
      'limit-rps',
      'auth-tls-secret',
      'satisfy',
      'auth-type',
      'configuration-snippet',
      'global-rate-limit',
      'allowlist-source-range',
    ].map((key) => ({
      rule: `${key} cannot be honoured, so every route answers 503`,
      annotations: { [`${P}/${key}`]: key === 'satisfy' ? 'any' : 'on-value' },
      routes: CLOSED,
      reasons: [
        `Ingress default/app metadata.annotations AccessAnnotationNotHonoured`,
        `Ingress default/app metadata.annotations["${P}/${key}"] UnsupportedAnnotation`,
      ],
    })),
    {
      rule: 'an empty whitelist-source-range restricts nothing (ingress-nginx keeps its default): served',
      annotations: { [`${P}/whitelist-source-range`]: ' ' },
      routes: SERVED,
      reasons: [
        `Ingress default/app metadata.annotations["${P}/whitelist-source-range"] UnsupportedAnnotation`,
      ],
    },
    {
      rule: 'auth-tls-verify-client: off asks for no certificate: served',
      annotations: { [`${P}/auth-tls-verify-client`]: 'OFF' },
      routes: SERVED,
      reasons: [
        `Ingress default/app metadata.annotations["${P}/auth-tls-verify-client"] UnsupportedAnnotation`,
      ],
    },
    {
      rule: 'limit-rps: 0 is no limit in ingress-nginx: served',
      annotations: { [`${P}/limit-rps`]: '0' },
      routes: SERVED,
      reasons: [`Ingress default/app metadata.annotations["${P}/limit-rps"] UnsupportedAnnotation`],
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
      annotations: { 'corp.example/auth-url': 'http://auth', [`${P}/auth-url`]: 'http://auth' },
      prefix: 'corp.example',
      routes: CLOSED,
      reasons: [
        'Ingress default/app metadata.annotations AccessAnnotationNotHonoured',
        'Ingress default/app metadata.annotations["corp.example/auth-url"] UnsupportedAnnotation',
      ],
    },
    {
      rule: 'under a custom prefix, the default prefix restricts nothing',
      annotations: { [`${P}/auth-url`]: 'http://auth' },
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
    const result = run(objects({ [`${P}/auth-url`]: 'http://auth' }, { withDefaultBackend: true }));
    const host = result.table.hosts.find((h) => h.host === 'a.example');
    assert.deepEqual(host?.fallback?.backends, []);
    assert.deepEqual(result.table.defaultRoute?.backends, []);
  });

  test('the 503 diagnostic names the key and says why', () => {
    const result = run(objects({ [`${P}/auth-url`]: 'http://auth' }));
    const d = result.diagnostics.find((x) => x.reason === 'AccessAnnotationNotHonoured');
    assert.match(d?.message ?? '', /nginx\.ingress\.kubernetes\.io\/auth-url .*503/);
  });
});
