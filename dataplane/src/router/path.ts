// Request paths are matched after a safe normalisation, the same one applied to route values.
// Why: routing on the raw path lets `/public/../admin` or `/public/%2e%2e/admin` match a `/public`
// route while the backend resolves it to `/admin` (path confusion, cf. CVE-2021-41773). So:
// - percent-encoded unreserved characters are decoded (RFC 3986 §6.2.2.2): `%2e` is `.`, `%7e` `~`;
//   other escapes keep their meaning and are only upper-cased (§6.2.2.1), so `%2F` stays data;
// - empty segments collapse (`//` → `/`), as nginx's merge_slashes does;
// - `.` and `..` segments are resolved (§5.2.4); `..` never climbs above the root.

const SLASH = 47;
const DOT = 46;
const PERCENT = 37;

/**
 * The normalised form of an origin-form path (no query), or undefined when it does not start
 * with `/` (such a target matches no path route). Returns the input itself when already normal,
 * so the common request allocates nothing.
 */
export function normalizePath(raw: string): string | undefined {
  if (raw.charCodeAt(0) !== SLASH) return undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === PERCENT) return slowNormalize(raw);
    if (c === SLASH) {
      const next = raw.charCodeAt(i + 1);
      // Conservative: any segment starting with `.` takes the slow path (`/.well-known` too).
      if (next === SLASH || next === DOT) return slowNormalize(raw);
    }
  }
  return raw;
}

/** The key of a Prefix value: normalised, trailing slash dropped (Ingress ignores it), `/` kept. */
export function prefixKey(value: string): string | undefined {
  const path = normalizePath(value);
  if (path === undefined || path.length === 1) return path;
  return path.charCodeAt(path.length - 1) === SLASH ? path.slice(0, -1) : path;
}

function slowNormalize(raw: string): string {
  const decoded = decodeUnreserved(raw);
  const out: string[] = [];
  let start = 1;
  while (start <= decoded.length) {
    let end = decoded.indexOf('/', start);
    if (end === -1) end = decoded.length;
    const segment = decoded.slice(start, end);
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
    start = end + 1;
  }
  if (out.length === 0) return '/';
  // `/a/`, `/a/.` and `/b/..` all name a directory: the result keeps its trailing slash.
  const tail = decoded.slice(decoded.lastIndexOf('/') + 1);
  const directory = tail === '' || tail === '.' || tail === '..';
  return `/${out.join('/')}${directory ? '/' : ''}`;
}

function decodeUnreserved(raw: string): string {
  let out = '';
  let from = 0;
  for (let i = raw.indexOf('%'); i !== -1; i = raw.indexOf('%', i + 1)) {
    const hi = hexValue(raw.charCodeAt(i + 1));
    const lo = hexValue(raw.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) continue;
    const code = hi * 16 + lo;
    out += raw.slice(from, i);
    out += isUnreserved(code) ? String.fromCharCode(code) : raw.slice(i, i + 3).toUpperCase();
    from = i + 3;
    i += 2;
  }
  return out + raw.slice(from);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 126
  );
}
