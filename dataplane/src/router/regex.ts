// Regexes come from users (Ingress paths with use-regex, header and query matches). V8's engine
// backtracks, so one crafted pattern could hold a worker for minutes on one request (ReDoS); they
// run on re2js instead, a port of RE2 whose automata match in time linear in the input.
//
// The syntax is RE2's (https://github.com/google/re2/wiki/Syntax), which is what nginx's PCRE users
// write, less what needs backtracking. Differences from a JS or PCRE regex a user may meet:
// - no lookahead/lookbehind and no back-references: refused here, with the reason;
// - `\d`, `\w`, `\s`, `\b` are ASCII only, and `\s` does not include `\v` (JS's does);
// - inline flags work, scoped to their group: `(?i)` makes the rest case-insensitive (ingress-nginx
//   matches use-regex paths with `~*`), `(?s)` lets `.` match a newline;
// - `\Z`, `\uXXXX` and `[^]` do not exist (`\z`, `\x{XXXX}` and `(?s:.)` do), `(?P<n>…)` and
//   `(?<n>…)` both name a group; repetition counts stop at 1000.
import { RE2JS } from 're2js';
import { MAX_REGEX_SOURCE } from '../table/types.ts';

// The longest pattern source accepted is the table's (the controller checks the same bound); RE2
// bounds the compiled program too (1000 per repetition).
export { MAX_REGEX_SOURCE } from '../table/types.ts';
/**
 * Longest input a user regex is ever run on; longer inputs do not match. Matching is linear, but a
 * pattern whose automaton has many states (`[ab]*a[ab]{30}$`) costs re2js µs per character while
 * it builds them (measured 25-40 ms at 4 KiB, 1 ms once built); longer than any sane path.
 */
export const MAX_REGEX_INPUT = 4096;

/**
 * `start`: anchored at the start only, as ingress-nginx writes `location ~ "^pattern"` (a path
 * matches when it begins with a match). `full`: the whole value must match (header and query
 * values, as Envoy's safe_regex does for Gateway API).
 */
export type RegexAnchor = 'start' | 'full';

/** A user regex compiled for the linear-time engine. */
export type UserRegex = RE2JS;

export type BoundedRegex = { ok: true; re: UserRegex } | { ok: false; reason: string };

export function compileBoundedRegex(source: string, anchor: RegexAnchor = 'start'): BoundedRegex {
  if (source.length > MAX_REGEX_SOURCE) {
    return { ok: false, reason: `pattern is longer than ${MAX_REGEX_SOURCE} characters` };
  }
  try {
    // The source alone first: wrapped in a group, `a)|(b` would parse and lose its anchor.
    RE2JS.compile(source);
    // Case-sensitive like the Exact and Prefix types unless the pattern says `(?i)`.
    return { ok: true, re: RE2JS.compile(anchor === 'start' ? `^(?:${source})` : `^(?:${source})$`) };
  } catch (err) {
    return { ok: false, reason: refusal(source, (err as Error).message) };
  }
}

/** Runs a compiled user regex on a value; values over the input cap never match. */
export function testBounded(re: UserRegex, value: string): boolean {
  return value.length <= MAX_REGEX_INPUT && re.test(value);
}

/** RE2's message names the first token it refused; say why when it is a backtracking construct. */
function refusal(source: string, message: string): string {
  const detail = message.replace(/^error parsing regexp: /, '');
  const unescaped = source.replace(/\\\\/g, '');
  if (/(^|[^\\])\(\?<?[=!]/.test(unescaped)) {
    return `lookahead and lookbehind are not supported (linear-time RE2 syntax): ${detail}`;
  }
  if (/\\([1-9]|k<)|\(\?P=/.test(unescaped)) {
    return `back-references are not supported (linear-time RE2 syntax): ${detail}`;
  }
  return `invalid regular expression (RE2 syntax): ${detail}`;
}
