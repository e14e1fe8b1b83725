import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileBoundedRegex, MAX_REGEX_INPUT, MAX_REGEX_SOURCE, testBounded } from './regex.ts';
import { compileRouter } from './router.ts';
import { bindId, host, route, table } from './test-table.ts';

describe('compileBoundedRegex accepts ordinary patterns', () => {
  const accepted = [
    '/foo/.*',
    '/foo(/|$)(.*)',
    '/api/v[0-9]+/users',
    '/api/(.*)/users/(.*)',
    '/(?<tenant>[a-z]+)/home',
    '/files/[^/]+\\.(png|jpe?g)$',
    '/[a-z]{2,3}/x{0,64}',
    '/(ab)+/\\p{L}*',
    '(a+)?',
    '/ip/[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}/.*',
    '/.*x.*',
  ];
  for (const source of accepted) {
    test(`${source} is accepted`, () => assert.equal(compileBoundedRegex(source).ok, true));
  }
});

describe('compileBoundedRegex rejects patterns that can hang a worker or are not regular', () => {
  const rejected: Array<[source: string, reason: RegExp]> = [
    ['(a+)+$', /nested quantifiers/],
    ['(.*)*', /nested quantifiers/],
    ['(a*)*b', /nested quantifiers/],
    ['((a+))+', /nested quantifiers/],
    ['(\\d+){2}', /nested quantifiers/],
    ['(a|a)*b', /alternation inside a repeated group/],
    ['(a|aa)*', /alternation inside a repeated group/],
    ['((a|b)c)+', /alternation inside a repeated group/],
    ['(a?a?)*', /nested quantifiers/],
    ['(x?)+y', /nested quantifiers/],
    ['^.*.*.*z', /backtrack too much/],
    ['/.*x.*y.*z$', /backtrack too much/],
    ['/[0-9]+/[a-z]{1,64}/.*x', /backtrack too much/],
    [`${'a?'.repeat(30)}${'a'.repeat(30)}`, /backtrack too much/],
    [`${'(a|a)'.repeat(30)}b`, /backtrack too much/],
    ['(a)\\1', /back-references/],
    ['(?<n>a)\\k<n>', /back-references/],
    ['/a(?=b)', /lookaround/],
    ['/a(?!b)', /lookaround/],
    ['(?<=a)b', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['(?i:a)', /inline modifiers/],
    ['a{2000}', /counted repetition/],
    ['[a-', /unterminated character class/],
    ['(a', /unbalanced/],
    ['a)', /unbalanced/],
    ['a{,', /invalid regular expression/],
    ['x'.repeat(MAX_REGEX_SOURCE + 1), /longer than/],
  ];
  for (const [source, reason] of rejected) {
    test(`${source.length > 40 ? `${source.slice(0, 10)}… (${source.length} chars)` : source} is rejected`, () => {
      const result = compileBoundedRegex(source);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }
});

describe('anchoring', () => {
  test('a path regex is anchored at the start only (ingress-nginx `^pattern`)', () => {
    const r = compileBoundedRegex('/foo/[0-9]+');
    assert.ok(r.ok);
    assert.equal(r.re.test('/foo/12/rest'), true);
    assert.equal(r.re.test('/x/foo/12'), false);
  });
  test('a path regex is case-sensitive', () => {
    const r = compileBoundedRegex('/foo');
    assert.ok(r.ok);
    assert.equal(r.re.test('/FOO'), false);
  });
  test('a full-anchored regex must match the whole value, alternation included', () => {
    const r = compileBoundedRegex('a|b', 'full');
    assert.ok(r.ok);
    assert.equal(r.re.test('a'), true);
    assert.equal(r.re.test('ab'), false);
  });
  test(`input longer than ${MAX_REGEX_INPUT} characters never matches`, () => {
    const r = compileBoundedRegex('/.*');
    assert.ok(r.ok);
    assert.equal(testBounded(r.re, `/${'a'.repeat(MAX_REGEX_INPUT - 1)}`), true);
    assert.equal(testBounded(r.re, `/${'a'.repeat(MAX_REGEX_INPUT)}`), false);
  });
});

describe('Regex routes', () => {
  test('a regex route is tried before a shorter Prefix and after a longer one', () => {
    const router = compileRouter(
      table([
        host('example.com', [
          route('root', 'Prefix', '/'),
          route('regex', 'Regex', '/api/v[0-9]+'),
          route('long-prefix', 'Prefix', '/api/v1/admin/users'),
          route('short-prefix', 'Prefix', '/api'),
        ]),
      ]),
      bindId,
    );
    const match = (path: string) => router.host('example.com')?.match(path, 'GET', {}, undefined);
    assert.equal(match('/api/v2/x'), 'regex');
    assert.equal(match('/api/v1/admin/users/7'), 'long-prefix');
    assert.equal(match('/api/beta'), 'short-prefix');
    assert.equal(match('/other'), 'root');
  });

  test('at equal length the Prefix goes before the regex, and Exact before both', () => {
    const router = compileRouter(
      table([
        host('example.com', [
          route('regex', 'Regex', '/a.'),
          route('prefix', 'Prefix', '/ab'),
          route('exact', 'Exact', '/ab'),
        ]),
      ]),
      bindId,
    );
    const match = (path: string) => router.host('example.com')?.match(path, 'GET', {}, undefined);
    assert.equal(match('/ab'), 'exact');
    assert.equal(match('/ab/c'), 'prefix');
    assert.equal(match('/ax'), 'regex');
  });

  test('longer regex patterns are tried first', () => {
    const router = compileRouter(
      table([host('example.com', [route('short', 'Regex', '/.*'), route('long', 'Regex', '/img/.*\\.png')])]),
      bindId,
    );
    assert.equal(router.host('example.com')?.match('/img/a.png', 'GET', {}, undefined), 'long');
  });

  test('regexes of equal length are tried in table order', () => {
    const router = compileRouter(
      table([
        host('example.com', [
          route('listed-first', 'Regex', '/b.*'),
          route('listed-second', 'Regex', '/.*b'),
        ]),
      ]),
      bindId,
    );
    assert.equal(router.host('example.com')?.match('/bb', 'GET', {}, undefined), 'listed-first');
  });

  test('a regex runs on the normalised path, so /public/../admin is /admin', () => {
    const router = compileRouter(
      table([host('example.com', [route('public', 'Regex', '/public/.*')])]),
      bindId,
    );
    assert.equal(router.host('example.com')?.match('/public/../admin', 'GET', {}, undefined), undefined);
  });

  test('a rejected regex leaves its route out with a problem and the other routes work', () => {
    const router = compileRouter(
      table([
        host('example.com', [
          route('evil', 'Regex', '(a+)+$'),
          route('evil-header', 'Prefix', '/h', { headers: [{ name: 'x', type: 'Regex', value: '(a|a)*b' }] }),
          route('fine', 'Prefix', '/'),
        ]),
      ]),
      bindId,
    );
    assert.deepEqual(
      router.problems.map((p) => p.routeId),
      ['evil', 'evil-header'],
    );
    assert.match(router.problems[0].message, /nested quantifiers/);
    assert.equal(router.host('example.com')?.match('/aaaa', 'GET', {}, undefined), 'fine');
    assert.equal(router.host('example.com')?.match('/h', 'GET', { x: 'aab' }, undefined), 'fine');
  });

  test('a hostile 100 KB path against regex routes returns (no match beyond the input cap)', () => {
    const router = compileRouter(
      table([
        host('example.com', [route('quadratic', 'Regex', '/.*a.*bz')], route('fallback', 'Prefix', '/')),
      ]),
      bindId,
    );
    const match = (path: string) => router.host('example.com')?.match(path, 'GET', {}, undefined);
    assert.equal(match(`/${'ab'.repeat(50_000)}`), 'fallback');
    // Just under the cap the worst case still runs to completion, and the cap is the only limit.
    assert.equal(match(`/${'ab'.repeat((MAX_REGEX_INPUT - 2) / 2)}`), 'fallback');
    assert.equal(match(`/${'ab'.repeat((MAX_REGEX_INPUT - 4) / 2)}z`), 'quadratic');
  });
});
