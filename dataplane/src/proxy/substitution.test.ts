// RegexSubstitution: nginx's `rewrite "(?i)path" target break` as ingress-nginx writes it for
// rewrite-target (docs/examples/rewrite; test/e2e/annotations/rewrite.go).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileBoundedRegex, MAX_REGEX_INPUT } from '../router/regex.ts';
import { compilePathRegex, rewritePath } from './filters.ts';
import { compileSubstitution, substitute } from './substitution.ts';

function regex(source: string) {
  const compiled = compileBoundedRegex(source, 'start');
  assert.ok(compiled.ok);
  return compiled.re;
}

describe('RegexSubstitution', () => {
  const cases: Array<[pattern: string, value: string, path: string, expected: string]> = [
    // ingress-nginx's rewrite example: /something(/|$)(.*) with /$2.
    ['(?i)/something(/|$)(.*)', '/$2', '/something', '/'],
    ['(?i)/something(/|$)(.*)', '/$2', '/something/', '/'],
    ['(?i)/something(/|$)(.*)', '/$2', '/something/new', '/new'],
    ['(?i)/something(/|$)(.*)', '/$2', '/SOMETHING/new', '/new'],
    ['(?i)/api(/|$)(.*)', '/$2', '/api/users', '/users'],
    // No captures in the value: the whole path is replaced (nginx rewrite replaces the URI).
    ['(?i)/something', '/', '/something/deep/path', '/'],
    // Two captures, reordered; $0 is the whole match.
    ['(?i)/(\\w+)/(\\w+)', '/$2/$1', '/a/b/c', '/b/a'],
    ['(?i)/v1', '/new$0', '/v1/x', '/new/v1'],
    // A group that did not take part, or one the pattern does not have, is empty.
    ['(?i)/a(x)?(/.*)', '$1$2$9', '/a/y', '/y'],
    // A `$` not followed by a digit is text; a value without a leading slash gets one.
    ['(?i)/(.*)', '$1', '/x', '/x'],
    ['(?i)/(.*)', '/p$q/$1', '/x', '/p$q/x'],
  ];
  for (const [pattern, value, path, expected] of cases) {
    it(`${pattern} with ${value} turns ${path} into ${expected}`, () => {
      const modifier = { type: 'RegexSubstitution', value } as const;
      assert.equal(rewritePath(path, '/', modifier, compilePathRegex(modifier, regex(pattern))), expected);
    });
  }

  it('a capture is data: a `$1` inside it is not substituted again', () => {
    assert.equal(substitute('/$2x', regex('/(.*)'), compileSubstitution('/a/$1')), '/a/$2x');
  });

  it('a route whose match is not a Regex has empty captures', () => {
    assert.equal(substitute('/foo/bar', undefined, compileSubstitution('/x/$1')), '/x/');
  });

  it('a path over the regex input cap does not run the regex', () => {
    const long = `/a${'a'.repeat(MAX_REGEX_INPUT)}`;
    assert.equal(substitute(long, regex('/(a+)'), compileSubstitution('/$1')), '/');
  });

  it('splits the value once: literals and capture numbers', () => {
    assert.deepEqual(compileSubstitution('/x/$1/y$2$'), ['/x/', 1, '/y', 2, '$']);
  });
});
