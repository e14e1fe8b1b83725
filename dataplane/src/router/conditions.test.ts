import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import type { Route } from '../table/types.ts';
import { parseQuery } from './conditions.ts';
import { compileRouter } from './router.ts';
import { bindId, host, route, table } from './test-table.ts';

function matcher(routes: Route[], fallback?: Route) {
  const router = compileRouter(table([host('example.com', routes, fallback)]), bindId);
  assert.deepEqual(router.problems, []);
  return (path: string, method = 'GET', headers: IncomingHttpHeaders = {}, query?: string) =>
    router.host('example.com')?.match(path, method, headers, query);
}

describe('method matches', () => {
  const match = matcher([
    route('get-only', 'Prefix', '/api', { methods: ['GET', 'HEAD'] }),
    route('any', 'Prefix', '/api'),
  ]);

  test('a route limited to GET and HEAD takes GET', () => assert.equal(match('/api', 'GET'), 'get-only'));
  test('a route limited to GET and HEAD skips POST for the next candidate', () =>
    assert.equal(match('/api', 'POST'), 'any'));
  test('methods are compared case-sensitively (RFC 9110 §9.1)', () =>
    assert.equal(match('/api', 'get'), 'any'));
});

describe('header matches', () => {
  const match = matcher([
    route('env-canary', 'Prefix', '/', { headers: [{ name: 'X-Env', type: 'Exact', value: 'canary' }] }),
    route('agent-regex', 'Prefix', '/', {
      headers: [{ name: 'user-agent', type: 'Regex', value: 'curl/[0-9.]+' }],
    }),
    route('cookies', 'Prefix', '/', { headers: [{ name: 'Set-Cookie', type: 'Exact', value: 'a=1, b=2' }] }),
    route('plain', 'Prefix', '/'),
  ]);

  test('a header name matches case-insensitively', () =>
    assert.equal(match('/', 'GET', { 'x-env': 'canary' }), 'env-canary'));
  test('an Exact header value is case-sensitive', () =>
    assert.equal(match('/', 'GET', { 'x-env': 'Canary' }), 'plain'));
  test('a missing header fails the match and the next candidate is tried', () =>
    assert.equal(match('/'), 'plain'));
  test('a Regex header value must match the whole value', () => {
    assert.equal(match('/', 'GET', { 'user-agent': 'curl/8.5.0' }), 'agent-regex');
    assert.equal(match('/', 'GET', { 'user-agent': 'curl/8.5.0 (x86_64)' }), 'plain');
  });
  test('a multi-valued header is matched as its values joined by ", "', () => {
    assert.equal(match('/', 'GET', { 'set-cookie': ['a=1', 'b=2'] }), 'cookies');
  });
});

describe('query parameter matches', () => {
  const match = matcher([
    route('beta', 'Prefix', '/', { queryParams: [{ name: 'version', type: 'Exact', value: 'beta 2' }] }),
    route('numeric', 'Prefix', '/', { queryParams: [{ name: 'id', type: 'Regex', value: '[0-9]+' }] }),
    route('plain', 'Prefix', '/'),
  ]);

  test('an Exact query value matches after decoding + and %XX', () => {
    assert.equal(match('/', 'GET', {}, 'version=beta+2'), 'beta');
    assert.equal(match('/', 'GET', {}, 'x=1&version=beta%202'), 'beta');
  });
  test('only the first occurrence of a parameter counts', () => {
    assert.equal(match('/', 'GET', {}, 'version=old&version=beta+2'), 'plain');
  });
  test('query parameter names are case-sensitive', () =>
    assert.equal(match('/', 'GET', {}, 'Version=beta+2'), 'plain'));
  test('a Regex query value must match the whole value', () => {
    assert.equal(match('/', 'GET', {}, 'id=42'), 'numeric');
    assert.equal(match('/', 'GET', {}, 'id=42x'), 'plain');
  });
  test('no query string fails every query condition', () =>
    assert.equal(match('/', 'GET', {}, undefined), 'plain'));
});

describe("cookie matches (ingress-nginx canary-by-cookie reads nginx's $cookie_NAME)", () => {
  const match = matcher([
    route('always', 'Prefix', '/', { cookies: [{ name: 'Canary', type: 'Exact', value: 'always' }] }),
    route('numeric', 'Prefix', '/', { cookies: [{ name: 'id', type: 'Regex', value: '[0-9]+' }] }),
    route('plain', 'Prefix', '/'),
  ]);
  const cases: Array<[string, string | undefined, string]> = [
    ['the named cookie with the value matches', 'canary=always', 'always'],
    ['among other cookies, with spaces around', 'a=1;  canary = always ; b=2', 'always'],
    ['the cookie name is case-insensitive, as nginx compares it', 'CANARY=always', 'always'],
    ['the value is case-sensitive', 'canary=Always', 'plain'],
    ['the first occurrence of a name counts', 'canary=never; canary=always', 'plain'],
    ['a cookie whose name only ends with the name does not count', 'xcanary=always', 'plain'],
    ['no Cookie header fails the match', undefined, 'plain'],
    ['a Regex value must match the whole value', 'id=42', 'numeric'],
    ['a Regex value that matches only part does not count', 'id=42x', 'plain'],
  ];
  for (const [name, cookie, expected] of cases) {
    test(`${name}: ${JSON.stringify(cookie)} → ${expected}`, () =>
      assert.equal(match('/', 'GET', cookie === undefined ? {} : { cookie }), expected));
  }
});

describe('precedence among routes with the same path (Gateway API)', () => {
  test('more header matches are tried before fewer, whatever the table order', () => {
    const match = matcher([
      route('one-header', 'Prefix', '/a', { headers: [{ name: 'x-a', type: 'Exact', value: '1' }] }),
      route('two-headers', 'Prefix', '/a', {
        headers: [
          { name: 'x-a', type: 'Exact', value: '1' },
          { name: 'x-b', type: 'Exact', value: '2' },
        ],
      }),
    ]);
    assert.equal(match('/a', 'GET', { 'x-a': '1', 'x-b': '2' }), 'two-headers');
    assert.equal(match('/a', 'GET', { 'x-a': '1' }), 'one-header');
  });

  test('a method match goes before any number of header matches', () => {
    const match = matcher([
      route('headers', 'Prefix', '/a', {
        headers: [
          { name: 'x-a', type: 'Exact', value: '1' },
          { name: 'x-b', type: 'Exact', value: '2' },
        ],
      }),
      route('method', 'Prefix', '/a', { methods: ['POST'] }),
    ]);
    assert.equal(match('/a', 'POST', { 'x-a': '1', 'x-b': '2' }), 'method');
  });

  test('header matches go before query parameter matches', () => {
    const match = matcher([
      route('query', 'Prefix', '/a', { queryParams: [{ name: 'q', type: 'Exact', value: '1' }] }),
      route('header', 'Prefix', '/a', { headers: [{ name: 'x-a', type: 'Exact', value: '1' }] }),
    ]);
    assert.equal(match('/a', 'GET', { 'x-a': '1' }, 'q=1'), 'header');
  });

  test('header matches go before cookie matches (canary-by-header before canary-by-cookie)', () => {
    const match = matcher([
      route('cookie', 'Prefix', '/a', { cookies: [{ name: 'c', type: 'Exact', value: 'always' }] }),
      route('header', 'Prefix', '/a', { headers: [{ name: 'x-a', type: 'Exact', value: 'never' }] }),
      route('plain', 'Prefix', '/a'),
    ]);
    assert.equal(match('/a', 'GET', { 'x-a': 'never', cookie: 'c=always' }), 'header');
    assert.equal(match('/a', 'GET', { cookie: 'c=always' }), 'cookie');
  });

  test('an Exact route whose conditions fail falls through to the longest matching Prefix', () => {
    const match = matcher(
      [
        route('exact-admin', 'Exact', '/app/login', {
          headers: [{ name: 'x-admin', type: 'Exact', value: 'yes' }],
        }),
        route('short', 'Prefix', '/'),
        route('app', 'Prefix', '/app'),
      ],
      route('fallback', 'Prefix', '/'),
    );
    assert.equal(match('/app/login', 'GET', { 'x-admin': 'yes' }), 'exact-admin');
    assert.equal(match('/app/login'), 'app');
  });

  test('when every candidate fails its conditions the host fallback answers', () => {
    const match = matcher(
      [route('post-only', 'Prefix', '/', { methods: ['POST'] })],
      route('fallback', 'Prefix', '/'),
    );
    assert.equal(match('/x', 'GET'), 'fallback');
  });
});

describe('parseQuery', () => {
  const cases: Array<[string, Array<[string, string]>]> = [
    [
      'a=1&b=2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    ['a=1&a=2', [['a', '1']]],
    [
      'flag&x=',
      [
        ['flag', ''],
        ['x', ''],
      ],
    ],
    ['&&a=b=c&', [['a', 'b=c']]],
    [
      'q=%E2%9C%93&bad=%zz',
      [
        ['q', '✓'],
        ['bad', '%zz'],
      ],
    ],
    [
      'sp=a+b&n%61me=v',
      [
        ['sp', 'a b'],
        ['name', 'v'],
      ],
    ],
  ];
  for (const [raw, expect] of cases) {
    test(`${JSON.stringify(raw)} parses to ${JSON.stringify(expect)}`, () =>
      assert.deepEqual([...parseQuery(raw)], expect));
  }
});
