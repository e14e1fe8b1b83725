// Regexes come from users (Ingress paths with use-regex, header and query matches) and V8's
// engine backtracks, so a bad pattern could hang a worker on one request (ReDoS). We accept only a
// conservative subset whose backtracking is bounded by a budget, and cap the input length.

/** Longest pattern source accepted. */
export const MAX_REGEX_SOURCE = 1024;
/** Longest input a user regex is ever run on; longer inputs do not match. */
export const MAX_REGEX_INPUT = 2048;
/**
 * Backtracking budget, in bits: the product of every quantifier's choices (an unbounded one has
 * MAX_REGEX_INPUT) and every alternation's branches, over k! for k unbounded quantifiers (they
 * share one input), stays within 2^21 ≈ 2M paths: two `.*` fit, three do not. PCRE's default
 * match limit, which ingress-nginx runs with, is 10M. Measured worst cases here: 3–20 ms.
 */
const MAX_COST_BITS = 2 * Math.log2(MAX_REGEX_INPUT) - 1;
/** Counted repetition beyond this is refused outright. */
const MAX_COUNT = 1000;

/**
 * `start`: anchored at the start only, as ingress-nginx writes `location ~ "^pattern"` (a path
 * matches when it begins with a match). `full`: the whole value must match (header and query
 * values, as Envoy's safe_regex does for Gateway API).
 */
export type RegexAnchor = 'start' | 'full';

export type BoundedRegex = { ok: true; re: RegExp } | { ok: false; reason: string };

interface Frame {
  /** A quantifier occurs inside, at any depth. */
  quantified: boolean;
  /** An alternation `|` occurs inside, at any depth. */
  alternates: boolean;
  /** Alternatives at this level. */
  branches: number;
}

interface Atom {
  /** The atom is a group whose content has quantifiers or alternations. */
  quantified: boolean;
  alternates: boolean;
}

const PLAIN_ATOM: Atom = { quantified: false, alternates: false };

export function compileBoundedRegex(source: string, anchor: RegexAnchor = 'start'): BoundedRegex {
  if (source.length > MAX_REGEX_SOURCE) {
    return { ok: false, reason: `pattern is longer than ${MAX_REGEX_SOURCE} characters` };
  }
  const reason = unsafeConstruct(source, anchor);
  if (reason !== undefined) return { ok: false, reason };
  const wrapped = anchor === 'start' ? `^(?:${source})` : `^(?:${source})$`;
  try {
    // Case-sensitive like the Exact and Prefix types; `u` makes the syntax strict.
    return { ok: true, re: new RegExp(wrapped, 'u') };
  } catch (err) {
    return { ok: false, reason: `invalid regular expression: ${(err as Error).message}` };
  }
}

/** Runs a bounded regex on a value; values over the input cap never match. */
export function testBounded(re: RegExp, value: string): boolean {
  return value.length <= MAX_REGEX_INPUT && re.test(value);
}

/** Why the pattern is outside the safe subset, or undefined when it is inside. */
function unsafeConstruct(src: string, anchor: RegexAnchor): string | undefined {
  const stack: Frame[] = [{ quantified: false, alternates: false, branches: 1 }];
  let last: Atom | undefined;
  let cost = 0;
  let unbounded = 0;
  /** Index just after the last quantifier, and what it added to the cost. */
  let lastQuantifierEnd = -1;
  let lastQuantifierCost = 0;
  let lastQuantifierUnbounded = false;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const top = stack[stack.length - 1];
    if (c === '\\') {
      const next = src[i + 1];
      if (next === undefined) return 'pattern ends with a lone backslash';
      if ((next >= '1' && next <= '9') || next === 'k') return 'back-references are not allowed';
      i += 2;
      if ((next === 'p' || next === 'P' || next === 'u') && src[i] === '{') {
        const close = src.indexOf('}', i);
        if (close < 0) return 'unterminated escape';
        i = close + 1;
      }
      last = PLAIN_ATOM;
    } else if (c === '[') {
      i = classEnd(src, i);
      if (i < 0) return 'unterminated character class';
      last = PLAIN_ATOM;
    } else if (c === '(') {
      let open = i + 1;
      if (src[i + 1] === '?') {
        const kind = src[i + 2];
        const named = kind === '<' && src[i + 3] !== '=' && src[i + 3] !== '!';
        if (kind !== ':' && !named) return 'lookaround and inline modifiers are not allowed';
        open = named ? src.indexOf('>', i) + 1 : i + 3;
        if (open === 0) return 'unterminated group name';
      }
      stack.push({ quantified: false, alternates: false, branches: 1 });
      last = undefined;
      i = open;
    } else if (c === ')') {
      if (stack.length === 1) return 'unbalanced parenthesis';
      const group = stack.pop()!;
      const parent = stack[stack.length - 1];
      parent.quantified ||= group.quantified;
      parent.alternates ||= group.alternates;
      cost += Math.log2(group.branches);
      last = { quantified: group.quantified, alternates: group.alternates };
      i += 1;
    } else if (c === '|') {
      top.alternates = true;
      top.branches += 1;
      last = undefined;
      i += 1;
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(src.slice(i)))) {
      if (last === undefined) return 'quantifier without an atom';
      const { min, max, length } = quantifier(src, i);
      if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT)) {
        return `counted repetition above ${MAX_COUNT} is not allowed`;
      }
      i += length;
      if (src[i] === '?') i += 1;
      // Star height 1: `(a+)+`, `(a?a?)*` or `(a|aa)*` backtrack exponentially on a near-miss.
      if (max > 1 && last.quantified)
        return 'nested quantifiers (a repeated group containing a quantifier) are not allowed';
      if (max > 1 && last.alternates)
        return 'alternation inside a repeated group is not allowed; use a character class';
      top.quantified = true;
      lastQuantifierCost = Math.log2(Math.min(max - min + 1, MAX_REGEX_INPUT));
      lastQuantifierEnd = i;
      cost += lastQuantifierCost;
      lastQuantifierUnbounded = max === Infinity;
      if (lastQuantifierUnbounded) unbounded += 1;
      last = undefined;
    } else {
      last = PLAIN_ATOM;
      i += 1;
    }
  }
  if (stack.length !== 1) return 'unbalanced parenthesis';
  cost += Math.log2(stack[0].branches);
  // A trailing `.*` of a start-anchored pattern succeeds at its first try and never backtracks.
  if (anchor === 'start' && lastQuantifierEnd >= 0 && /^\)*$/.test(src.slice(lastQuantifierEnd))) {
    cost -= lastQuantifierCost;
    if (lastQuantifierUnbounded) unbounded -= 1;
  }
  for (let k = 2; k <= unbounded; k++) cost -= Math.log2(k);
  if (cost > MAX_COST_BITS + 1e-9) {
    return 'pattern can backtrack too much: at most two unbounded quantifiers (*, +, {n,}), fewer with counted repeats or alternatives';
  }
  return undefined;
}

/** Index just after the `]` closing the class opened at `start`, or -1. */
function classEnd(src: string, start: number): number {
  let i = start + 1;
  if (src[i] === '^') i += 1;
  while (i < src.length) {
    if (src[i] === '\\') i += 2;
    else if (src[i] === ']') return i + 1;
    else i += 1;
  }
  return -1;
}

function quantifier(src: string, i: number): { min: number; max: number; length: number } {
  const c = src[i];
  if (c === '*') return { min: 0, max: Infinity, length: 1 };
  if (c === '+') return { min: 1, max: Infinity, length: 1 };
  if (c === '?') return { min: 0, max: 1, length: 1 };
  const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i))!;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return { min, max, length: m[0].length };
}
