// app-root, server-alias and from-to-www-redirect on the table's hosts. ingress-nginx nginx.tmpl
// (server-level `if ($uri = /) { return 302 $scheme://$http_host<app-root>; }`), controller.go
// createServers (aliases), pkg/util/ingress BuildRedirects (www servers), annotations.md notes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backend, hostOf, ingress, reasons, routesOf, rule, run, service } from '../testkit.ts';

const P = 'nginx.ingress.kubernetes.io';
const services = [service('web', [{ port: 80 }]), service('other', [{ port: 80 }])];
const ann = (values: Record<string, string>) => ({
  annotations: Object.fromEntries(Object.entries(values).map(([k, v]) => [`${P}/${k}`, v])),
});
const older = { created: '2025-01-01T00:00:00Z' };

test('app-root: an Exact / redirect 302 to the root, keeping the Host port and dropping the query', () => {
  const result = run({
    ingresses: [ingress('app', { rules: [rule('a.example', ['/'])] }, ann({ 'app-root': '/app1' }))],
    services,
  });
  assert.deepEqual(routesOf(result, 'a.example'), ['Exact / -> ', 'Prefix / -> default/web:80']);
  const root = hostOf(result, 'a.example').routes[0];
  assert.equal(root.httpsRedirect, false);
  assert.deepEqual(root.filters, [
    {
      type: 'RequestRedirect',
      path: { type: 'ReplaceFullPath', value: '/app1' },
      keepRequestPort: true,
      dropQuery: true,
      statusCode: 302,
    },
  ]);
  assert.deepEqual(reasons(result), []);
});

test("app-root wins over another Ingress's Exact / (nginx's server-level if answers first)", () => {
  const exactRule = {
    host: 'a.example',
    http: { paths: [{ path: '/', pathType: 'Exact' as const, backend: backend('other', 80) }] },
  };
  const result = run({
    ingresses: [
      ingress('exact', { rules: [exactRule] }, older),
      ingress('app', { rules: [rule('a.example', ['/app'])] }, ann({ 'app-root': '/app' })),
    ],
    services,
  });
  assert.deepEqual(
    hostOf(result, 'a.example').routes.map((r) => `${r.match.path.type} ${r.match.path.value} ${r.id}`),
    ['Exact / ingress/default/app/app-root', 'Prefix /app ingress/default/app/rules/0/paths/0'],
  );
});

test('app-root: the oldest Ingress of a host sets it; rules without a host get it on *', () => {
  const result = run({
    ingresses: [
      ingress(
        'first',
        { rules: [rule('a.example', ['/a']), rule(undefined, ['/'])] },
        { ...older, ...ann({ 'app-root': '/first' }) },
      ),
      ingress('second', { rules: [rule('a.example', ['/b'])] }, ann({ 'app-root': '/second' })),
    ],
    services,
  });
  const target = (host: string) => {
    const f = hostOf(result, host).routes[0].filters[0];
    return f.type === 'RequestRedirect' && f.path?.type === 'ReplaceFullPath' ? f.path.value : undefined;
  };
  assert.equal(target('a.example'), '/first');
  assert.equal(target('*'), '/first');
});

test('server-alias: the alias host serves a copy of the rule host, app-root and TLS included', () => {
  const result = run({
    ingresses: [
      ingress(
        'app',
        { rules: [rule('a.example', ['/'])] },
        ann({ 'server-alias': 'b.example, *.c.example', 'app-root': '/x' }),
      ),
    ],
    services,
  });
  const { host: _a, ...a } = hostOf(result, 'a.example');
  for (const alias of ['b.example', '*.c.example']) {
    const { host: _b, ...b } = hostOf(result, alias);
    assert.deepEqual(b, a);
  }
  assert.deepEqual(
    result.table.hosts.map((h) => h.host),
    ['*.c.example', 'a.example', 'b.example'],
  );
});

test("server-alias: a rule host of another Ingress wins over the alias, reported; the host's first Ingress sets the aliases", () => {
  const result = run({
    ingresses: [
      ingress(
        'first',
        { rules: [rule('a.example', ['/'])] },
        { ...older, ...ann({ 'server-alias': 'b.example,x.example' }) },
      ),
      ingress('owner', { rules: [rule('b.example', ['/'], 'other')] }, older),
      ingress('late', { rules: [rule('a.example', ['/late'])] }, ann({ 'server-alias': 'y.example' })),
    ],
    services,
  });
  assert.deepEqual(routesOf(result, 'b.example'), ['Prefix / -> default/other:80']);
  assert.deepEqual(routesOf(result, 'x.example'), routesOf(result, 'a.example'));
  assert.equal(
    result.table.hosts.find((h) => h.host === 'y.example'),
    undefined,
  );
  assert.deepEqual(reasons(result), [
    `Ingress default/first metadata.annotations["${P}/server-alias"] HostTaken`,
    `Ingress default/late metadata.annotations["${P}/server-alias"] HostTaken`,
  ]);
});

const wwwRedirect = (hostname: string) => ({
  type: 'RequestRedirect',
  hostname,
  keepRequestPort: true,
  statusCode: 308,
});

test('from-to-www-redirect: www.host redirects to host, and the reverse for a www. rule', () => {
  const result = run({
    ingresses: [
      ingress(
        'app',
        { rules: [rule('a.example', ['/']), rule('www.b.example', ['/']), rule('*.w.example', ['/'])] },
        ann({ 'from-to-www-redirect': 'true' }),
      ),
    ],
    services,
  });
  assert.deepEqual(
    result.table.hosts.map((h) => h.host),
    ['*.w.example', 'a.example', 'b.example', 'www.a.example', 'www.b.example'],
  );
  for (const [from, to] of [
    ['www.a.example', 'a.example'],
    ['b.example', 'www.b.example'],
  ]) {
    const entry = hostOf(result, from);
    assert.deepEqual(entry.routes, []);
    assert.deepEqual(entry.fallback?.filters, [wwwRedirect(to)]);
    assert.equal(entry.fallback?.httpsRedirect, false);
  }
  assert.deepEqual(reasons(result), []);
});

test('from-to-www-redirect: a name another Ingress already serves is left to it, reported', () => {
  const result = run({
    ingresses: [
      ingress('owner', { rules: [rule('www.a.example', ['/'], 'other')] }, older),
      ingress('app', { rules: [rule('a.example', ['/'])] }, ann({ 'from-to-www-redirect': 'true' })),
    ],
    services,
  });
  assert.deepEqual(routesOf(result, 'www.a.example'), ['Prefix / -> default/other:80']);
  assert.deepEqual(reasons(result), [
    `Ingress default/app metadata.annotations["${P}/from-to-www-redirect"] HostTaken`,
  ]);
});

test('a closed Ingress (unsupported access annotation) adds no host names and no redirect', () => {
  const result = run({
    ingresses: [
      ingress(
        'app',
        { rules: [rule('a.example', ['/'])] },
        ann({
          'from-to-www-redirect': 'true',
          'server-alias': 'b.example',
          'app-root': '/x',
          'auth-realm': 'r',
          'limit-rate': '5',
        }),
      ),
    ],
    services,
  });
  assert.deepEqual(
    result.table.hosts.map((h) => h.host),
    ['a.example'],
  );
  assert.deepEqual(routesOf(result, 'a.example'), ['Prefix / -> ']);
});
