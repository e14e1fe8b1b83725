import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hostWithoutPort,
  modifyRequestHeaders,
  modifyResponseHeaders,
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
});
