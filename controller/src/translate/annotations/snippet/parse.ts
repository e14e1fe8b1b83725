// configuration-snippet / server-snippet text → SnippetRules, or the directive and line that refuse
// it. Pure and total: any string in, a value out, never an exception (the fuzz test holds it to that).
import { applyDirective, emptyRules, type SnippetRules } from './directives.ts';
import { tokenize } from './tokenize.ts';

const MAX_HEADER_CHANGES = 64;
const MAX_ACCESS_RULES = 32;

export type ParsedSnippet =
  | { ok: true; rules: SnippetRules }
  | { ok: false; line: number; directive: string | undefined; message: string };

export function parseSnippet(text: string): ParsedSnippet {
  const tokens = tokenize(text);
  if (!tokens.ok)
    return { ok: false, line: tokens.line, directive: tokens.directive, message: tokens.message };
  const rules = emptyRules();
  for (const statement of tokens.statements) {
    const applied = applyDirective(rules, statement);
    if (!applied.ok)
      return { ok: false, line: statement.line, directive: statement.name, message: applied.message };
  }
  delete rules.accessEnded;
  // The table bounds each header list (schema.ts); more_set_headers can list many per directive.
  for (const m of [rules.requestHeaders, rules.responseHeaders, rules.successResponseHeaders])
    if (
      m.set.length > MAX_HEADER_CHANGES ||
      m.add.length > MAX_HEADER_CHANGES ||
      m.remove.length > MAX_HEADER_CHANGES
    )
      return {
        ok: false,
        line: 1,
        directive: undefined,
        message: `more than ${MAX_HEADER_CHANGES} header changes of one kind`,
      };
  // With the source-range rules before them they must fit the table's bound (64 rules).
  if ((rules.access?.rules.length ?? 0) > MAX_ACCESS_RULES)
    return {
      ok: false,
      line: 1,
      directive: undefined,
      message: `more than ${MAX_ACCESS_RULES} alternations of allow and deny`,
    };
  return { ok: true, rules };
}

/** Directives that restrict who is served (access, auth, satisfy): a snippet holding one is never ignored open. */
const RESTRICTING = /(?:^|[\s;{}])(?:allow|deny|auth_basic|auth_request|auth_jwt|satisfy)(?=[\s;'"]|$)/;

/**
 * Whether a snippet, read or not, names an access-restricting directive. Deliberately loose (a word
 * in a comment counts too): a false positive answers 503, a false negative would serve open.
 */
export function restrictsAccess(text: string): boolean {
  return RESTRICTING.test(text);
}
