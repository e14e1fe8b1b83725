import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { BlockList } from 'node:net';
import { describe, test } from 'node:test';
import { compile } from '../compile.ts';
import type { Route, RouteTable } from '../table/types.ts';
import { UpstreamPools } from '../upstream/pools.ts';
import { type ResolveListener, resolve } from './resolve.ts';

function route(id: string, prefix: string, filters: Route['filters'] = [], httpsRedirect?: boolean): Route {
  const r: Route = {
    id,
    source: { kind: 'Ingress', namespace: 'test', name: id },
    match: { path: { type: 'Prefix', value: prefix } },
    backends: [],
    filters,
  };
  if (httpsRedirect !== undefined) r.httpsRedirect = httpsRedirect;
  return r;
}

const table: RouteTable = {
  version: 1,
  hosts: [
    { host: 'shop.example.com', routes: [route('shop', '/')], tls: { certificate: 'c', redirect: true } },
    {
      host: 'moved.example.com',
      routes: [route('moved', '/')],
      tls: { certificate: 'c', redirect: true, redirectStatus: 301 },
    },
    { host: 'both.example.com', routes: [route('both', '/')], tls: { certificate: 'c', redirect: false } },
    {
      host: '*.secure.example.com',
      routes: [route('secure', '/')],
      tls: { certificate: 'c', redirect: true },
    },
    {
      host: 'mixed.example.com',
      routes: [route('open', '/open', [], false), route('closed', '/')],
      tls: { certificate: 'c', redirect: true, redirectStatus: 301 },
    },
    {
      host: 'slash.example.com',
      routes: [
        { ...route('trim', '/trim'), httpsRedirectForm: { trimTrailingSlash: true } },
        { ...route('ported', '/ported'), httpsRedirectForm: { alwaysNamePort: true } },
        route('keep', '/'),
      ],
      tls: { certificate: 'c', redirect: true },
    },
    {
      host: 'plain.example.com',
      routes: [
        route('forced', '/forced', [], true),
        route('api', '/api'),
        route('old', '/old', [
          {
            type: 'RequestRedirect',
            path: { type: 'ReplacePrefixMatch', value: '/new' },
            statusCode: 302,
          },
        ]),
      ],
    },
  ],
  defaultRoute: route('default', '/'),
  backends: {},
  certificates: {},
};

const pools = new UpstreamPools();
const runtime = compile(table, pools);
const withoutDefault = compile({ ...table, defaultRoute: undefined }, pools);

const plain: ResolveListener = { encrypted: false, httpsPort: 8443 };
const secure: ResolveListener = { encrypted: true, httpsPort: 8443 };
const standardPorts: ResolveListener = { encrypted: false, httpsPort: 443 };

interface Case {
  rule: string;
  listener?: ResolveListener;
  url: string;
  host: string | undefined;
  runtime?: typeof runtime | undefined;
  expect:
    | { kind: 'route'; route: string; path: string; query: string | undefined }
    | { kind: 'redirect'; status: number; location: string; route: string | undefined }
    | { kind: 'answer'; status: number };
}

const cases: Case[] = [
  {
    rule: 'a plain request to a TLS host that redirects gets 308 to https on the HTTPS port, path and query kept',
    url: '/a/b?x=1&y=%20',
    host: 'shop.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://shop.example.com:8443/a/b?x=1&y=%20',
      route: undefined,
    },
  },
  {
    rule: 'the port of the Host header is dropped and 443 is left out of the Location',
    listener: standardPorts,
    url: '/',
    host: 'shop.example.com:80',
    expect: { kind: 'redirect', status: 308, location: 'https://shop.example.com/', route: undefined },
  },
  // ingress-nginx lua_ingress.lua redirect_to_https: preserve-trailing-slash off strips one slash.
  {
    rule: 'trimTrailingSlash drops one trailing slash of the path',
    url: '/trim/a/',
    host: 'slash.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://slash.example.com:8443/trim/a',
      route: undefined,
    },
  },
  {
    rule: 'trimTrailingSlash checks the URI with its query: a slash before a query stays',
    url: '/trim/a/?x=1',
    host: 'slash.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://slash.example.com:8443/trim/a/?x=1',
      route: undefined,
    },
  },
  {
    rule: 'without trimTrailingSlash the trailing slash is kept',
    url: '/other/',
    host: 'slash.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://slash.example.com:8443/other/',
      route: undefined,
    },
  },
  {
    rule: 'alwaysNamePort names the HTTPS port even when it is 443 (use-port-in-redirects)',
    listener: standardPorts,
    url: '/ported/x',
    host: 'slash.example.com:80',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://slash.example.com:443/ported/x',
      route: undefined,
    },
  },
  {
    rule: 'without alwaysNamePort 443 is left out',
    listener: standardPorts,
    url: '/other',
    host: 'slash.example.com',
    expect: { kind: 'redirect', status: 308, location: 'https://slash.example.com/other', route: undefined },
  },
  {
    rule: "the host's redirect status is used when set",
    url: '/x',
    host: 'moved.example.com',
    expect: { kind: 'redirect', status: 301, location: 'https://moved.example.com:8443/x', route: undefined },
  },
  {
    rule: 'the Location carries the normalised path, not dot segments or doubled slashes',
    url: '/a/../b//c?q',
    host: 'shop.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://shop.example.com:8443/b/c?q',
      route: undefined,
    },
  },
  {
    rule: 'an absolute-form target redirects with its path and query only',
    url: 'http://shop.example.com/x?y=1',
    host: 'shop.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://shop.example.com:8443/x?y=1',
      route: undefined,
    },
  },
  {
    rule: 'an encoded CR LF stays encoded in the Location',
    url: '/a%0d%0aSet-Cookie:%20x=1',
    host: 'shop.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://shop.example.com:8443/a%0D%0ASet-Cookie:%20x=1',
      route: undefined,
    },
  },
  {
    rule: 'a raw CR LF in the query never reaches a Location: 400',
    url: '/a?x=1\r\nSet-Cookie: x=1',
    host: 'shop.example.com',
    expect: { kind: 'answer', status: 400 },
  },
  {
    rule: 'a raw space in the path never reaches a Location: 400',
    url: '/a b',
    host: 'shop.example.com',
    expect: { kind: 'answer', status: 400 },
  },
  {
    rule: 'the same host on the HTTPS listener is routed',
    listener: secure,
    url: '/a?x=1',
    host: 'shop.example.com',
    expect: { kind: 'route', route: 'shop', path: '/a', query: 'x=1' },
  },
  {
    rule: 'a TLS host that does not ask for the redirect is served over plain HTTP',
    url: '/a',
    host: 'both.example.com',
    expect: { kind: 'route', route: 'both', path: '/a', query: undefined },
  },
  {
    rule: 'a routed request carries its normalised path and raw query',
    url: '/api/./v1//items?id=%20',
    host: 'plain.example.com',
    expect: { kind: 'route', route: 'api', path: '/api/v1/items', query: 'id=%20' },
  },
  {
    rule: "a route's RequestRedirect filter redirects with the request's scheme",
    url: '/old/page?z=1',
    host: 'plain.example.com',
    expect: {
      kind: 'redirect',
      status: 302,
      location: 'http://plain.example.com/new/page?z=1',
      route: 'old',
    },
  },
  {
    rule: "a route's RequestRedirect filter on the HTTPS listener keeps https",
    listener: secure,
    url: '/old',
    host: 'plain.example.com',
    expect: { kind: 'redirect', status: 302, location: 'https://plain.example.com/new', route: 'old' },
  },
  {
    rule: "a host's unmatched path takes the table's default route",
    url: '/elsewhere',
    host: 'plain.example.com',
    expect: { kind: 'route', route: 'default', path: '/elsewhere', query: undefined },
  },
  {
    rule: 'an unknown host takes the default route',
    url: '/',
    host: 'unknown.example.com',
    expect: { kind: 'route', route: 'default', path: '/', query: undefined },
  },
  {
    rule: 'no Host header takes the default route',
    url: '/',
    host: undefined,
    expect: { kind: 'route', route: 'default', path: '/', query: undefined },
  },
  {
    rule: 'a wildcard TLS host redirects a name it covers',
    url: '/a',
    host: 'shop.secure.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://shop.secure.example.com:8443/a',
      route: undefined,
    },
  },
  {
    rule: 'a Host with a slash is a 400, never a redirect to another authority',
    url: '/a',
    host: 'evil/x.secure.example.com',
    expect: { kind: 'answer', status: 400 },
  },
  {
    rule: 'a Host with userinfo is a 400',
    url: '/a',
    host: 'user@shop.secure.example.com',
    expect: { kind: 'answer', status: 400 },
  },
  {
    rule: 'a Host with an empty label is a 400, even where only the default route would match',
    url: '/',
    host: 'a..example.com',
    expect: { kind: 'answer', status: 400 },
  },
  {
    rule: 'an empty Host is a 400 (an http URI never has an empty host, RFC 9110 §4.2.1)',
    url: '/',
    host: '',
    expect: { kind: 'answer', status: 400 },
  },
  {
    rule: 'a Host with a port that is not digits is a 400',
    url: '/api',
    host: 'plain.example.com:80x',
    expect: { kind: 'answer', status: 400 },
  },
  {
    rule: 'an IPv6 literal Host with a port takes the default route',
    url: '/',
    host: '[::1]:8080',
    expect: { kind: 'route', route: 'default', path: '/', query: undefined },
  },
  {
    rule: 'an unknown host without a default route is a 404',
    runtime: withoutDefault,
    url: '/',
    host: 'unknown.example.com',
    expect: { kind: 'answer', status: 404 },
  },
  {
    rule: 'a TLS redirect is decided before routes: it applies even where no route would match',
    runtime: withoutDefault,
    url: '/nothing-here',
    host: 'shop.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://shop.example.com:8443/nothing-here',
      route: undefined,
    },
  },
  {
    rule: 'ssl-redirect "false": a route that turns the redirect off is served over plain HTTP on a TLS host',
    url: '/open/x',
    host: 'mixed.example.com',
    expect: { kind: 'route', route: 'open', path: '/open/x', query: undefined },
  },
  {
    rule: "the host's other routes keep its redirect (ingress-nginx decides it per location)",
    url: '/x',
    host: 'mixed.example.com',
    expect: { kind: 'redirect', status: 301, location: 'https://mixed.example.com:8443/x', route: undefined },
  },
  {
    rule: 'force-ssl-redirect: a route that forces the redirect redirects on a host without TLS, with 308',
    url: '/forced/a?b=1',
    host: 'plain.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://plain.example.com:8443/forced/a?b=1',
      route: undefined,
    },
  },
  {
    rule: 'a forced redirect is not taken on the HTTPS listener',
    listener: secure,
    url: '/forced',
    host: 'plain.example.com',
    expect: { kind: 'route', route: 'forced', path: '/forced', query: undefined },
  },
  {
    rule: "a host's unmatched path keeps the host's redirect, whatever the default route asks",
    runtime: compile({ ...table, defaultRoute: route('default', '/', [], false) }, pools),
    url: '/nothing-here',
    host: 'shop.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://shop.example.com:8443/nothing-here',
      route: undefined,
    },
  },
  {
    rule: 'the default route of an unknown host may force the redirect',
    runtime: compile({ ...table, defaultRoute: route('default', '/', [], true) }, pools),
    url: '/',
    host: 'unknown.example.com',
    expect: {
      kind: 'redirect',
      status: 308,
      location: 'https://unknown.example.com:8443/',
      route: undefined,
    },
  },
  {
    rule: 'before the first table every request is a 503',
    runtime: undefined,
    url: '/',
    host: 'shop.example.com',
    expect: { kind: 'answer', status: 503 },
  },
  {
    rule: 'an asterisk-form target is a 400',
    url: '*',
    host: 'shop.example.com',
    expect: { kind: 'answer', status: 400 },
  },
  {
    rule: 'an absolute-form target of another scheme is a 400',
    url: 'ftp://shop.example.com/x',
    host: 'shop.example.com',
    expect: { kind: 'answer', status: 400 },
  },
];

describe('resolve: one routing decision for requests and upgrades', () => {
  for (const c of cases) {
    test(c.rule, () => {
      const headers: IncomingHttpHeaders = c.host === undefined ? {} : { host: c.host };
      const r = resolve('runtime' in c ? c.runtime : runtime, c.listener ?? plain, c.url, 'GET', headers);
      const e = c.expect;
      assert.equal(r.kind, e.kind);
      assert.equal(r.status, e.kind === 'route' ? 0 : e.status);
      if (e.kind === 'redirect') {
        assert.equal(r.location, e.location);
        assert.equal(r.route?.route.id, e.route);
      }
      if (e.kind === 'route') {
        assert.equal(r.route?.route.id, e.route);
        assert.equal(r.path, e.path);
        assert.equal(r.query, e.query);
      }
      if (e.kind === 'answer') assert.equal(r.location, undefined);
    });
  }

  test('answers are shared values, so answering allocates nothing', () => {
    const first = resolve(withoutDefault, plain, '/', 'GET', { host: 'unknown.example.com' });
    const second = resolve(withoutDefault, plain, '/x', 'GET', { host: 'other.example.com' });
    assert.equal(first.status, 404);
    assert.equal(first, second);
  });
});

describe('resolve: the scheme a trusted proxy forwarded (X-Forwarded-Proto)', () => {
  const trusted = new BlockList();
  trusted.addSubnet('10.0.0.0', 8, 'ipv4');
  const PROXY = '10.0.0.5';
  const CLIENT = '192.0.2.7';

  const cases: Array<{
    rule: string;
    listener?: ResolveListener;
    host: string;
    url?: string;
    proto: string | undefined;
    peer: string;
    expect: { kind: 'route' } | { kind: 'redirect'; location: string };
  }> = [
    {
      rule: "a trusted proxy's https counts as HTTPS: no redirect loop behind a TLS-terminating balancer",
      host: 'shop.example.com',
      proto: 'https',
      peer: PROXY,
      expect: { kind: 'route' },
    },
    {
      rule: 'the forwarded scheme is matched without regard to case',
      host: 'shop.example.com',
      proto: 'HTTPS',
      peer: PROXY,
      expect: { kind: 'route' },
    },
    {
      rule: 'an IPv4-mapped trusted proxy is trusted too',
      host: 'shop.example.com',
      proto: 'https',
      peer: `::ffff:${PROXY}`,
      expect: { kind: 'route' },
    },
    {
      rule: "an untrusted client's https is ignored: still redirected",
      host: 'shop.example.com',
      proto: 'https',
      peer: CLIENT,
      expect: { kind: 'redirect', location: 'https://shop.example.com:8443/' },
    },
    {
      rule: 'a trusted proxy saying http is redirected',
      host: 'shop.example.com',
      proto: 'http',
      peer: PROXY,
      expect: { kind: 'redirect', location: 'https://shop.example.com:8443/' },
    },
    {
      rule: 'a trusted proxy saying http on the HTTPS listener is redirected (ingress-nginx: "https:http")',
      listener: secure,
      host: 'shop.example.com',
      proto: 'http',
      peer: PROXY,
      expect: { kind: 'redirect', location: 'https://shop.example.com:8443/' },
    },
    {
      rule: "an untrusted client's http on the HTTPS listener changes nothing",
      listener: secure,
      host: 'shop.example.com',
      proto: 'http',
      peer: CLIENT,
      expect: { kind: 'route' },
    },
    {
      rule: "force-ssl-redirect believes a trusted proxy's https: no redirect loop",
      host: 'plain.example.com',
      url: '/forced',
      proto: 'https',
      peer: PROXY,
      expect: { kind: 'route' },
    },
    {
      rule: "force-ssl-redirect ignores an untrusted client's https",
      host: 'plain.example.com',
      url: '/forced',
      proto: 'https',
      peer: CLIENT,
      expect: { kind: 'redirect', location: 'https://plain.example.com:8443/forced' },
    },
    {
      rule: "a route's RequestRedirect keeps the scheme a trusted proxy forwarded",
      host: 'plain.example.com',
      url: '/old',
      proto: 'https',
      peer: PROXY,
      expect: { kind: 'redirect', location: 'https://plain.example.com/new' },
    },
    {
      rule: "a route's RequestRedirect ignores an untrusted client's scheme",
      host: 'plain.example.com',
      url: '/old',
      proto: 'https',
      peer: CLIENT,
      expect: { kind: 'redirect', location: 'http://plain.example.com/new' },
    },
  ];

  for (const c of cases) {
    test(c.rule, () => {
      const headers: IncomingHttpHeaders = { host: c.host };
      if (c.proto !== undefined) headers['x-forwarded-proto'] = c.proto;
      const r = resolve(
        runtime,
        c.listener ?? plain,
        c.url ?? '/',
        'GET',
        headers,
        undefined,
        c.peer,
        trusted,
      );
      assert.equal(r.kind, c.expect.kind);
      if (c.expect.kind === 'redirect') assert.equal(r.location, c.expect.location);
    });
  }
});
