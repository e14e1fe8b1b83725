// configuration-snippet and server-snippet through the whole translation. ingress-nginx
// annotations.md#configuration-snippet ("custom configuration to an nginx location"),
// #server-snippet ("custom configuration in the server configuration block"; one per host, the
// controller logs "server snippet already configured" for the next), and since v1.9 both are
// ignored unless the ConfigMap's allow-snippet-annotations is true (docs/user-guide/
// nginx-configuration/configmap.md#allow-snippet-annotations).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Route } from '../../../../../dataplane/src/table/types.ts';
import {
  backend,
  hostOf,
  ingress,
  ready,
  reasons,
  routesOf,
  rule,
  run,
  service,
  slice,
} from '../../testkit.ts';
import type { TranslateResult } from '../../types.ts';

const P = 'nginx.ingress.kubernetes.io';
const ON = { allowSnippetAnnotations: true };

function objects(annotations: Record<string, string>, others: Record<string, string> = {}) {
  return {
    ingresses: [
      ingress('app', { rules: [rule('a.example', ['/', '/api'])] }, { annotations }),
      // A younger Ingress sharing the host: server-snippet reaches its routes, configuration-snippet not.
      ingress(
        'shared',
        { rules: [rule('a.example', ['/shared'])] },
        { annotations: others, created: '2026-02-01T00:00:00Z' },
      ),
      ingress('other', { rules: [rule('b.example', ['/'])] }),
    ],
    services: [service('web', [{ port: 80, targetPort: 8080 }])],
    endpointSlices: [slice('web-1', 'web', [{ port: 8080 }], [ready('10.0.0.1')])],
  };
}

function route(result: TranslateResult, host: string, path: string): Route {
  // rewrite-target turns paths into regexes (`(?i)/api`): matched by their ending.
  const found = hostOf(result, host).routes.find((r) => r.match.path.value.replace(/^\(\?i\)/, '') === path);
  assert.ok(found, `no route ${host}${path}`);
  return found;
}

const SERVED = [
  'Prefix /shared -> default/web:80',
  'Prefix /api -> default/web:80',
  'Prefix / -> default/web:80',
];
const APP_CLOSED = ['Prefix /shared -> default/web:80', 'Prefix /api -> ', 'Prefix / -> '];

describe('snippets without --allow-snippet-annotations: ignored as ingress-nginx ignores them, never served open', () => {
  test('a snippet is ignored with a Warning naming the flag; the routes are served without it', () => {
    const result = run(objects({ [`${P}/configuration-snippet`]: 'more_set_headers "X-A: 1";' }));
    assert.deepEqual(routesOf(result, 'a.example'), SERVED);
    assert.deepEqual(route(result, 'a.example', '/').filters, []);
    assert.deepEqual(reasons(result), [
      `Ingress default/app metadata.annotations["${P}/configuration-snippet"] SnippetAnnotationsDisabled`,
    ]);
    assert.match(result.diagnostics[0].message, /--allow-snippet-annotations/);
  });

  for (const key of ['configuration-snippet', 'server-snippet']) {
    for (const text of ['allow 10.0.0.0/8;\ndeny all;', 'deny 192.0.2.1;', 'auth_basic "x";']) {
      test(`a ${key} with an access directive (${JSON.stringify(text)}) closes the Ingress: 503`, () => {
        const result = run(objects({ [`${P}/${key}`]: text }));
        assert.deepEqual(routesOf(result, 'a.example'), APP_CLOSED);
        assert.deepEqual(routesOf(result, 'b.example'), ['Prefix / -> default/web:80']);
        assert.deepEqual(reasons(result), [
          'Ingress default/app metadata.annotations AccessAnnotationNotHonoured',
          `Ingress default/app metadata.annotations["${P}/${key}"] SnippetAnnotationsDisabled`,
        ]);
      });
    }
  }
});

describe('snippets with --allow-snippet-annotations: translated into typed values', () => {
  test("configuration-snippet: the Ingress's own routes get its filters, other Ingresses' routes on the host do not", () => {
    const result = run(
      objects({
        [`${P}/configuration-snippet`]:
          'more_set_headers "X-Frame-Options: DENY";\nproxy_set_header X-Tenant blue;\nexpires 1h;',
      }),
      ON,
    );
    assert.deepEqual(reasons(result), []);
    for (const path of ['/', '/api'])
      assert.deepEqual(route(result, 'a.example', path).filters, [
        { type: 'RequestHeaderModifier', set: [{ name: 'X-Tenant', value: 'blue' }] },
        { type: 'ResponseHeaderModifier', set: [{ name: 'X-Frame-Options', value: 'DENY' }] },
        // expires, like add_header without always, only on nginx's success statuses.
        {
          type: 'ResponseHeaderModifier',
          set: [{ name: 'Cache-Control', value: 'max-age=3600' }],
          statuses: [200, 201, 204, 206, 301, 302, 303, 304, 307, 308],
        },
      ]);
    assert.deepEqual(route(result, 'a.example', '/shared').filters, []);
  });

  test('server-snippet: every route of the host, those of other Ingresses included (the server block)', () => {
    const result = run(objects({ [`${P}/server-snippet`]: 'add_header X-Served-By edge always;' }), ON);
    for (const path of ['/', '/api', '/shared'])
      assert.deepEqual(route(result, 'a.example', path).filters, [
        { type: 'ResponseHeaderModifier', add: [{ name: 'X-Served-By', value: 'edge' }] },
      ]);
    assert.deepEqual(hostOf(result, 'b.example').routes[0].filters, []);
  });

  test('two server-snippets for one host: the oldest Ingress wins, the other gets ServerSnippetConflict', () => {
    const result = run(
      objects(
        { [`${P}/server-snippet`]: 'add_header X-Old 1 always;' },
        { [`${P}/server-snippet`]: 'add_header X-New 1 always;' },
      ),
      ON,
    );
    assert.deepEqual(route(result, 'a.example', '/shared').filters, [
      { type: 'ResponseHeaderModifier', add: [{ name: 'X-Old', value: '1' }] },
    ]);
    assert.deepEqual(reasons(result), [
      `Ingress default/shared metadata.annotations["${P}/server-snippet"] ServerSnippetConflict`,
    ]);
  });

  test("allow / deny become the routes' clientAccess (ngx_http_access_module order)", () => {
    const result = run(objects({ [`${P}/configuration-snippet`]: 'allow 10.0.0.0/8;\ndeny all;' }), ON);
    assert.deepEqual(routesOf(result, 'a.example'), SERVED);
    assert.deepEqual(route(result, 'a.example', '/').clientAccess, {
      rules: [{ action: 'allow', cidrs: ['10.0.0.0/8'] }],
      otherwise: 'deny',
    });
    assert.equal(route(result, 'a.example', '/shared').clientAccess, undefined);
  });

  test("source ranges come first, as nginx.tmpl writes them before the snippet: after an allow list's deny-all the snippet's rules are never reached", () => {
    const snippet = 'allow 192.168.0.0/16;\ndeny all;';
    const allowList = run(
      objects({ [`${P}/whitelist-source-range`]: '10.0.0.0/8', [`${P}/configuration-snippet`]: snippet }),
      ON,
    );
    assert.deepEqual(route(allowList, 'a.example', '/').clientAccess, {
      rules: [{ action: 'allow', cidrs: ['10.0.0.0/8'] }],
      otherwise: 'deny',
    });
    const denyList = run(
      objects({ [`${P}/denylist-source-range`]: '192.168.1.0/24', [`${P}/configuration-snippet`]: snippet }),
      ON,
    );
    assert.deepEqual(route(denyList, 'a.example', '/').clientAccess, {
      rules: [
        { action: 'deny', cidrs: ['192.168.1.0/24'] },
        { action: 'allow', cidrs: ['192.168.0.0/16'] },
      ],
      otherwise: 'deny',
    });
  });

  test('return 403 answers directly; a rewrite … break replaces rewrite-target (the snippet runs first in nginx.tmpl)', () => {
    const result = run(
      objects({
        [`${P}/configuration-snippet`]: 'rewrite ^/api/(.*)$ /v2/$1 break;',
        [`${P}/rewrite-target`]: '/',
      }),
      ON,
    );
    assert.deepEqual(route(result, 'a.example', '/api').filters, [
      { type: 'URLRewrite', path: { type: 'RegexReplace', pattern: '^/api/(.*)$', value: '/v2/$1' } },
    ]);
    const answered = run(objects({ [`${P}/server-snippet`]: 'return 403;' }), ON);
    assert.deepEqual(route(answered, 'a.example', '/shared').filters, [
      { type: 'DirectResponse', statusCode: 403 },
    ]);
  });

  test('a refused snippet is a Warning naming the directive and line; the rest of the Ingress is served', () => {
    const result = run(
      objects({
        [`${P}/configuration-snippet`]: 'add_header X-A 1;\nproxy_pass http://169.254.169.254;',
        [`${P}/proxy-read-timeout`]: '5',
      }),
      ON,
    );
    assert.deepEqual(routesOf(result, 'a.example'), SERVED);
    assert.deepEqual(route(result, 'a.example', '/').filters, []);
    assert.equal(route(result, 'a.example', '/').timeouts?.idleMs, 5000);
    assert.deepEqual(reasons(result), [
      `Ingress default/app metadata.annotations["${P}/configuration-snippet"] SnippetRefused`,
    ]);
    assert.match(result.diagnostics[0].message, /line 2, "proxy_pass"/);
  });

  test('a refused snippet holding an access directive closes the Ingress (503), never serves it open', () => {
    const result = run(
      objects({ [`${P}/server-snippet`]: 'allow 10.0.0.0/8;\ndeny all;\nlocation /x { }' }),
      ON,
    );
    assert.deepEqual(routesOf(result, 'a.example'), APP_CLOSED);
    assert.deepEqual(reasons(result), [
      `Ingress default/app metadata.annotations["${P}/server-snippet"] SnippetRefused`,
    ]);
    assert.match(result.diagnostics[0].message, /503/);
  });

  test('a canary Ingress keeps no snippet (ingress-nginx ignores it there)', () => {
    const canary = ingress(
      'app-canary',
      { rules: [rule('a.example', ['/'])] },
      {
        annotations: {
          [`${P}/canary`]: 'true',
          [`${P}/canary-weight`]: '10',
          [`${P}/configuration-snippet`]: 'return 403;',
        },
      },
    );
    const input = objects({});
    const result = run({ ...input, ingresses: [...input.ingresses, canary] }, ON);
    assert.ok(!JSON.stringify(result.table).includes('DirectResponse'));
  });
});

void backend;
