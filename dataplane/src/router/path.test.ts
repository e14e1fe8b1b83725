import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizePath, prefixKey } from './path.ts';

describe('normalizePath (RFC 3986 §5.2.4 and §6.2.2, unreserved characters only)', () => {
  const cases: Array<[raw: string, expect: string | undefined]> = [
    ['/', '/'],
    ['/a/b', '/a/b'],
    ['/a/b/', '/a/b/'],
    ['//a///b//', '/a/b/'],
    ['/a/./b', '/a/b'],
    ['/a/b/.', '/a/b/'],
    ['/a/b/..', '/a/'],
    ['/a/../../../b', '/b'],
    ['/..', '/'],
    ['/public/../admin', '/admin'],
    ['/public/%2e%2e/admin', '/admin'],
    ['/public/%2E./admin', '/admin'],
    ['/%7Euser/%41%62c', '/~user/Abc'],
    ['/a%2fb', '/a%2Fb'],
    ['/a%2Fb/../c', '/c'],
    ['/%zz/%4', '/%zz/%4'],
    ['/.well-known/acme', '/.well-known/acme'],
    ['/a..b/c.', '/a..b/c.'],
    ['*', undefined],
    ['', undefined],
  ];
  for (const [raw, expect] of cases) {
    test(`${JSON.stringify(raw)} normalises to ${JSON.stringify(expect)}`, () =>
      assert.equal(normalizePath(raw), expect));
  }

  test('an already normal path is returned as is, without a copy', () => {
    const raw = '/api/v1/users/42';
    assert.equal(normalizePath(raw), raw);
  });
});

describe('prefixKey: the trailing slash of a Prefix value is ignored', () => {
  const cases: Array<[string, string | undefined]> = [
    ['/', '/'],
    ['/foo/', '/foo'],
    ['/foo', '/foo'],
    ['/foo//', '/foo'],
    ['foo', undefined],
  ];
  for (const [value, expect] of cases) {
    test(`Prefix ${JSON.stringify(value)} is stored as ${JSON.stringify(expect)}`, () =>
      assert.equal(prefixKey(value), expect));
  }
});
