// RegexSubstitution (ingress-nginx rewrite-target): the whole path becomes the value with `$0`…`$9`
// replaced by the capture groups of the route's path regex, as nginx's `rewrite "(?i)path" target
// break` that ingress-nginx writes. Captures are copied as data, never read again as a template.
import { MAX_REGEX_INPUT, type UserRegex } from '../router/regex.ts';

/** The value split once per table: literal text, and capture numbers where `$n` stood. */
export type Substitution = ReadonlyArray<string | number>;

/** `$` followed by a digit is a capture; any other `$` is kept as written. */
export function compileSubstitution(value: string): Substitution {
  const parts: Array<string | number> = [];
  let literal = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (c === 36 /* $ */ && next >= 48 && next <= 57) {
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(next - 48);
      i++;
    } else literal += value[i];
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

/**
 * The new path. `regex` is the route's own path regex (anchored at the start); without one, or when
 * it does not match (a path over the regex input cap), every capture is empty. The result always
 * starts with `/`: the captures are slices of the normalised request path, the literals come from
 * a validated table, so it holds no character a path may not.
 */
export function substitute(path: string, regex: UserRegex | undefined, parts: Substitution): string {
  const matcher = regex !== undefined && path.length <= MAX_REGEX_INPUT ? regex.matcher(path) : undefined;
  const matched = matcher?.lookingAt() === true;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (typeof part === 'string') out += part;
    else if (matched && part <= matcher.groupCount()) out += matcher.group(part) ?? '';
  }
  return out.charCodeAt(0) === 47 ? out : `/${out}`;
}
