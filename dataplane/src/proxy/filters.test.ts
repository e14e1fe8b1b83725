import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compilePathRegex,
  hostWithoutPort,
  modifyRequestHeaders,
  modifyResponseHeaders,
  pathModifierApplies,
  redirectLocation,
  rewritePath,
} from './filters.ts';

describe('route filters', () => {
  const cases: Array<[string, string, string, string]> = [
    ['/foo/bar', '/foo', '/baz', '/baz/bar'],
    ['/foo', '/foo', '/baz', '/baz'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo/bar', '/foo', '/', '/bar'],
    ['/anything', '/', '/v2', '/v2/anything'],
  ];
  for (const [path, prefix, value, expected] of cases) {
    it(`ReplacePrefixMatch ${prefix} → ${value} turns ${path} into ${expected}`, () => {
      assert.equal(rewritePath(path, prefix, { type: 'ReplacePrefixMatch', value }), expected);
    });
  }

  it('ReplaceFullPath replaces the whole path', () => {
    assert.equal(rewritePath('/a/b', '/a', { type: 'ReplaceFullPath', value: '/x' }), '/x');
  });

  it('a redirect keeps the query and drops a default port', () => {
    const loc = redirectLocation(
      { type: 'RequestRedirect', scheme: 'https', port: 443, statusCode: 301 },
      'http',
      'a.com:8080',
      '/p',
      'q=1',
      '/',
    );
    assert.equal(loc, 'https://a.com/p?q=1');
  });

  // ingress-nginx app-root: `return 302 $scheme://$http_host/app` keeps the Host's port, no query.
  const hostCases: Array<[string, string, string, string | undefined, string]> = [
    ['keeps the request port', 'a.com:8080', '/app', 'q=1', 'http://a.com:8080/app'],
    ['no request port, none added', 'a.com', '/app', undefined, 'http://a.com/app'],
    ['an IPv6 literal keeps its port', '[::1]:8080', '/app', undefined, 'http://[::1]:8080/app'],
    ['an explicit hostname keeps the request port', 'www.a.com:81', '/', 'q=1', 'http://b.com:81/'],
  ];
  for (const [name, host, target, query, expected] of hostCases) {
    it(`a redirect with keepRequestPort and dropQuery: ${name}`, () => {
      const loc = redirectLocation(
        {
          type: 'RequestRedirect',
          ...(host.startsWith('www.') ? { hostname: 'b.com' } : {}),
          path: { type: 'ReplaceFullPath', value: target },
          keepRequestPort: true,
          dropQuery: true,
          statusCode: 302,
        },
        'http',
        host,
        '/',
        query,
        '/',
      );
      assert.equal(loc, expected);
    });
  }

  // ingress-nginx relative-redirects (nginx absolute_redirect off; e2e relativeredirects.go).
  const relativeCases: Array<[string, string, string | undefined, string]> = [
    ['is the path alone', '/new-location', undefined, '/new-location'],
    ['keeps the query', '/new-location', 'a=1', '/new-location?a=1'],
    [
      'never starts with // (another host): written absolute',
      '//evil.example/x',
      undefined,
      'http://a.com//evil.example/x',
    ],
  ];
  for (const [name, target, query, expected] of relativeCases) {
    it(`a relative redirect ${name}`, () => {
      const loc = redirectLocation(
        {
          type: 'RequestRedirect',
          path: { type: 'ReplaceFullPath', value: target },
          relative: true,
          statusCode: 301,
        },
        'http',
        'a.com:8080',
        '/something',
        query,
        '/',
      );
      assert.equal(loc, expected);
    });
  }

  it('an explicit port wins over keepRequestPort', () => {
    const loc = redirectLocation(
      { type: 'RequestRedirect', port: 9000, keepRequestPort: true, statusCode: 302 },
      'http',
      'a.com:8080',
      '/p',
      'q=1',
      '/',
    );
    assert.equal(loc, 'http://a.com:9000/p?q=1');
  });

  it('request header modifier removes, sets and adds case-insensitively', () => {
    const out = modifyRequestHeaders(['Host', 'a', 'X-A', '1', 'x-b', '2'], {
      remove: ['x-a'],
      set: [{ name: 'X-B', value: '3' }],
      add: [{ name: 'x-c', value: '4' }],
    });
    assert.deepEqual(out, ['Host', 'a', 'X-B', '3', 'x-c', '4']);
  });

  it('response header modifier appends to an existing header', () => {
    const h = modifyResponseHeaders({ vary: 'a' }, { add: [{ name: 'Vary', value: 'b' }] });
    assert.deepEqual(h.vary, ['a', 'b']);
  });

  it('strips the port of IPv4, names and bracketed IPv6 hosts', () => {
    assert.equal(hostWithoutPort('a.com:80'), 'a.com');
    assert.equal(hostWithoutPort('[::1]:80'), '[::1]');
    assert.equal(hostWithoutPort('a.com'), 'a.com');
  });

  // nginx ngx_http_rewrite_module: `rewrite regex replacement` (a snippet's rewrite).
  describe('RegexReplace, nginx rewrite: unanchored pattern, $1… captures, unmatched paths kept', () => {
    const cases: Array<[pattern: string, value: string, path: string, expected: string, applies: boolean]> = [
      ['^/old/(.*)$', '/new/$1', '/old/a/b', '/new/a/b', true],
      ['^/old/(.*)$', '/new/$1', '/other/a', '/other/a', false],
      ['/v1/', '/v2/', '/api/v1/x', '/v2/', true],
      ['(?i)^/UP(.*)', '/up$1', '/up/x', '/up/x', true],
      ['^/a/(\\d+)/(\\w+)$', '/b/$2/$1', '/a/12/cd', '/b/cd/12', true],
    ];
    for (const [pattern, value, path, expected, applies] of cases) {
      it(`${pattern} → ${value}: ${path} becomes ${expected}`, () => {
        const modifier = { type: 'RegexReplace', pattern, value } as const;
        const compiled = compilePathRegex(modifier, undefined);
        assert.equal(pathModifierApplies(path, compiled), applies);
        assert.equal(rewritePath(path, '/', modifier, compiled), expected);
      });
    }
    it('a pattern the engine refuses (lookahead) never applies', () => {
      const modifier = { type: 'RegexReplace', pattern: '^/(?=a)', value: '/b' } as const;
      const compiled = compilePathRegex(modifier, undefined);
      assert.equal(pathModifierApplies('/a', compiled), false);
      assert.equal(rewritePath('/a', '/', modifier, compiled), '/a');
    });
  });
});
