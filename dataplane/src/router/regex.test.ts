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
    '/(?P<tenant>[a-z]+)/home',
    '/files/[^/]+\\.(png|jpe?g)$',
    '/[a-z]{2,3}/x{0,64}',
    '/(ab)+/\\p{L}*',
    '(a+)?',
    '/ip/[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}/.*',
    '/.*x.*',
    '\\/escaped\\/slashes',
    '(?i)/CaseLess',
    // Patterns that backtrack exponentially in V8 are ordinary here: matching is linear.
    '(a+)+$',
    '(a|a)*b',
    '(a|aa)*c',
    '^.*.*.*z',
    '(a?a?)*',
    'a{1000}',
  ];
  for (const source of accepted) {
    test(`${source} is accepted`, () => assert.equal(compileBoundedRegex(source).ok, true));
  }
});

describe('compileBoundedRegex refuses what RE2 cannot run in linear time, or cannot parse', () => {
  const rejected: Array<[source: string, reason: RegExp]> = [
    ['(a)\\1', /back-references are not supported/],
    ['(?<n>a)\\k<n>', /back-references are not supported/],
    ['(?P<n>a)(?P=n)', /back-references are not supported/],
    ['/a(?=b)', /lookahead and lookbehind are not supported/],
    ['/a(?!b)', /lookahead and lookbehind are not supported/],
    ['(?<=a)b', /lookahead and lookbehind are not supported/],
    ['(?<!a)b', /lookahead and lookbehind are not supported/],
    ['a{1001}', /invalid regular expression \(RE2 syntax\): invalid repeat count/],
    ['((a{100}){100}){100}', /invalid repeat count/],
    ['\\u0041', /invalid escape sequence/],
    ['[^]', /missing closing \]/],
    ['a\\Z', /invalid escape sequence/],
    ['[a-', /missing closing \]/],
    ['(a', /missing closing \)/],
    ['a**', /invalid nested repetition/],
    ['x'.repeat(MAX_REGEX_SOURCE + 1), /longer than/],
  ];
  for (const [source, reason] of rejected) {
    test(`${source.length > 40 ? `${source.slice(0, 10)}… (${source.length} chars)` : source} is rejected`, () => {
      const result = compileBoundedRegex(source);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }
  test('an escaped parenthesis is not mistaken for lookahead', () => {
    assert.equal(compileBoundedRegex('/a\\(?=b').ok, true);
    const invalid = compileBoundedRegex('/a\\(?=b[');
    assert.equal(invalid.ok, false);
    if (!invalid.ok)
      assert.match(invalid.reason, /^invalid regular expression \(RE2 syntax\): missing closing \]/);
  });
  test('a stray closing parenthesis cannot escape the anchoring group', () => {
    // Wrapped as `^(?:a)|(b)`, this would match `b` anywhere in the path.
    for (const anchor of ['start', 'full'] as const) {
      const result = compileBoundedRegex('a)|(b', anchor);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, /unexpected \)/);
    }
  });
});

describe('RE2 semantics where they differ from a JS regex', () => {
  const matches = (source: string, value: string, anchor: 'start' | 'full' = 'full') => {
    const r = compileBoundedRegex(source, anchor);
    assert.ok(r.ok, source);
    return testBounded(r.re, value);
  };
  test('\\d, \\w and \\s are ASCII: no Arabic-Indic digit, no é, no \\v or no-break space', () => {
    assert.equal(matches('\\d', '٣'), false);
    assert.equal(matches('\\d', '7'), true);
    assert.equal(matches('\\w', 'é'), false);
    assert.equal(matches('\\s', '\v'), false);
    assert.equal(matches('\\s', '\u00a0'), false);
    assert.equal(matches('\\s', '\t'), true);
  });
  test('(?i) makes the rest of the pattern case-insensitive (ingress-nginx `location ~*`)', () => {
    assert.equal(matches('(?i)/api/v[0-9]+', '/API/V2/x', 'start'), true);
    assert.equal(matches('/api/v[0-9]+', '/API/V2/x', 'start'), false);
  });
  test('an inline flag stays inside the anchoring group: (?m) cannot unanchor ^ or $', () => {
    assert.equal(matches('(?m)b', 'a\nb', 'start'), false);
    assert.equal(matches('(?m)a', 'a\nb'), false);
  });
  test('. does not match a newline unless (?s); $ is the end of the text, not before a final newline', () => {
    assert.equal(matches('a.b', 'a\nb'), false);
    assert.equal(matches('(?s)a.b', 'a\nb'), true);
    assert.equal(matches('a$', 'a\n', 'start'), false);
  });
  test('. is one code point, as JS with the u flag', () => {
    assert.equal(matches('/.', '/😀'), true);
  });
});

describe('patterns that make V8 backtrack exponentially answer at once', () => {
  // V8 needs ~2^n steps for each of these on n characters: at 30 'a's a minute, at 4 KiB never.
  // Should the engine ever backtrack again, these tests hang until the test runner's timeout.
  const long = 'a'.repeat(MAX_REGEX_INPUT - 1);
  const cases: Array<[source: string, anchor: 'start' | 'full', input: string, expected: boolean]> = [
    ['(a+)+b', 'start', long, false],
    ['(a+)+$', 'start', `${long.slice(1)}!`, false],
    ['(a|aa)*c', 'full', long, false],
    ['(a|a)*b', 'start', long, false],
    ['(a?a?)*b', 'full', long, false],
    ['(a+)+', 'full', long, true],
    ['(a|aa)*', 'full', long, true],
    ['^.*.*.*.*z', 'start', long, false],
  ];
  for (const [source, anchor, input, expected] of cases) {
    test(`${source} (${anchor}) on ${input.length} characters is ${expected}`, () => {
      const r = compileBoundedRegex(source, anchor);
      assert.ok(r.ok);
      assert.equal(testBounded(r.re, input), expected);
    });
  }
});

describe('anchoring', () => {
  test('a path regex is anchored at the start only (ingress-nginx `^pattern`)', () => {
    const r = compileBoundedRegex('/foo/[0-9]+');
    assert.ok(r.ok);
    assert.equal(testBounded(r.re, '/foo/12/rest'), true);
    assert.equal(testBounded(r.re, '/x/foo/12'), false);
  });
  test('a path regex is case-sensitive', () => {
    const r = compileBoundedRegex('/foo');
    assert.ok(r.ok);
    assert.equal(testBounded(r.re, '/FOO'), false);
  });
  test('a full-anchored regex must match the whole value, alternation included', () => {
    const r = compileBoundedRegex('a|b', 'full');
    assert.ok(r.ok);
    assert.equal(testBounded(r.re, 'a'), true);
    assert.equal(testBounded(r.re, 'ab'), false);
    assert.equal(testBounded(r.re, 'xb'), false);
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
          route('lookahead', 'Regex', '/a(?=b)'),
          route('backref-header', 'Prefix', '/h', {
            headers: [{ name: 'x', type: 'Regex', value: '(a)\\1' }],
          }),
          route('fine', 'Prefix', '/'),
        ]),
      ]),
      bindId,
    );
    assert.deepEqual(
      router.problems.map((p) => p.routeId),
      ['lookahead', 'backref-header'],
    );
    assert.match(router.problems[0].message, /lookahead and lookbehind are not supported/);
    assert.match(router.problems[1].message, /back-references are not supported/);
    assert.equal(router.host('example.com')?.match('/ab', 'GET', {}, undefined), 'fine');
    assert.equal(router.host('example.com')?.match('/h', 'GET', { x: 'aa' }, undefined), 'fine');
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
