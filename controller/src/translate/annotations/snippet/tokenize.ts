// nginx configuration syntax, read as data (ngx_conf_file.c ngx_conf_read_token): a directive is a
// name and arguments ending with `;`; arguments are bare words or quoted strings with `\` escapes;
// `#` starts a comment to the end of the line. Blocks (`{` `}`) are refused, never skipped: a
// snippet's text never reaches a configuration file, so nothing here is ever "closed" or "opened".

export interface Statement {
  /** 1-based line the directive's name is on. */
  line: number;
  name: string;
  args: string[];
}

export type Tokenized =
  | { ok: true; statements: Statement[] }
  /** `directive`: the name of the directive being read, when there is one. */
  | { ok: false; line: number; directive?: string; message: string };

/** Largest snippet read, in characters, and most directives (ingress-nginx sets no bound; we do). */
export const MAX_SNIPPET_CHARS = 16 * 1024;
export const MAX_SNIPPET_DIRECTIVES = 64;
/** Most arguments of one directive (more_set_headers may list several headers). */
const MAX_ARGS = 16;

/** Splits `text` into directives, or says what stops it and on which line. Never throws. */
export function tokenize(text: string): Tokenized {
  if (text.length > MAX_SNIPPET_CHARS)
    return { ok: false, line: 1, message: `the snippet is longer than ${MAX_SNIPPET_CHARS} characters` };
  const statements: Statement[] = [];
  let words: string[] = [];
  let first = 1;
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      // A CR belongs only to a CRLF line end; inside a value it is refused below.
      if (c === '\r' && text[i + 1] !== '\n') return { ok: false, line, message: 'a lone carriage return' };
      i++;
      continue;
    }
    if (c === '#' && words.length === 0) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === ';') {
      if (words.length === 0) return { ok: false, line, message: 'an empty directive (";" alone)' };
      statements.push({ line: first, name: words[0], args: words.slice(1) });
      if (statements.length > MAX_SNIPPET_DIRECTIVES)
        return { ok: false, line, message: `more than ${MAX_SNIPPET_DIRECTIVES} directives` };
      words = [];
      i++;
      continue;
    }
    if (c === '{' || c === '}')
      return {
        ok: false,
        line,
        directive: words[0],
        message: `a block ("${c}"): only single directives ending with ";" are read`,
      };
    const word = readWord(text, i);
    if (!word.ok) return { ok: false, line, directive: words[0], message: word.message };
    // Every word consumes a character (the loop's progress does not rest on the separator lists agreeing).
    if (word.end <= i) return { ok: false, line, directive: words[0], message: 'an unreadable character' };
    if (words.length === 0) first = line;
    words.push(word.value);
    if (words.length > MAX_ARGS + 1)
      return {
        ok: false,
        line: first,
        directive: words[0],
        message: `"${words[0]}" has more than ${MAX_ARGS} arguments`,
      };
    i = word.end;
  }
  if (words.length > 0)
    return { ok: false, line: first, directive: words[0], message: `"${words[0]}" does not end with ";"` };
  return { ok: true, statements };
}

/** nginx's separators (ngx_conf_read_token): only these end a bare word, never other Unicode spaces. */
const SEPARATORS = ' \t\r\n;{}';

type Word = { ok: true; value: string; end: number } | { ok: false; message: string };

/** One argument from `start`: quoted (`"…"` or `'…'`) or bare up to whitespace, `;`, `{` or `}`. */
function readWord(text: string, start: number): Word {
  const quote = text[start] === '"' || text[start] === "'" ? text[start] : undefined;
  let value = '';
  let i = quote === undefined ? start : start + 1;
  while (i < text.length) {
    const c = text[i];
    if (quote !== undefined && c === quote) {
      const after = text[i + 1];
      // nginx wants a separator after a closing quote ("a"b is an error there too).
      if (after !== undefined && !SEPARATORS.includes(after))
        return { ok: false, message: 'text right after a closing quote' };
      return { ok: true, value, end: i + 1 };
    }
    if (quote === undefined && SEPARATORS.includes(c)) break;
    if (quote === undefined && (c === '"' || c === "'"))
      return { ok: false, message: 'a quote inside an unquoted argument' };
    if (c === '\\') {
      const next = text[i + 1];
      // \" \' \\ stand for the character; \n \r \t would put control characters in a value.
      if (next === '"' || next === "'" || next === '\\') {
        value += next;
        i += 2;
        continue;
      }
      if (next === 'n' || next === 'r' || next === 't')
        return { ok: false, message: `the escape \\${next} (control characters are not accepted)` };
      value += c;
      i++;
      continue;
    }
    const code = c.charCodeAt(0);
    if ((code < 0x20 && c !== '\t') || code === 0x7f) {
      if (quote === undefined && (c === '\n' || c === '\r')) break;
      return { ok: false, message: `a control character (0x${code.toString(16).padStart(2, '0')})` };
    }
    value += c;
    i++;
  }
  if (quote !== undefined) return { ok: false, message: `an unbalanced ${quote} quote` };
  return { ok: true, value, end: i };
}
