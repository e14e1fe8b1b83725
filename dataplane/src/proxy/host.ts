// Is a Host header (or HTTP/2 :authority) a host at all? RFC 9110 §7.2: uri-host [ ":" port ], where
// uri-host is an IP-literal, an IPv4 address or a reg-name (RFC 3986 §3.2.2). A value outside that
// grammar would be routed (`evil/x.example.com` matches `*.example.com`) and written into redirects
// and X-Forwarded-Host; nginx refuses such hosts with 400 (ngx_http_validate_host), and so do we.
// Beyond the grammar, as nginx: no empty label (`..`, a leading dot); one trailing dot is a FQDN.
// One pass over char codes and a table: no regex, no allocation, except for an IPv6 literal.
import { isIPv6 } from 'node:net';

const DOT = 46;
const COLON = 58;
const PERCENT = 37;

/** reg-name characters besides `.` and pct-encoded: unreserved and sub-delims (RFC 3986 §2.2, §2.3). */
const REG_NAME = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~!$&'()*+,;=")
  REG_NAME[c.charCodeAt(0)] = 1;

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Index just past a reg-name starting at 0, or -1 if it is empty or malformed. */
function regNameEnd(value: string): number {
  const n = value.length;
  let previousDot = true; // a leading dot is an empty label
  let i = 0;
  for (; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === COLON) break;
    if (c === DOT) {
      if (previousDot) return -1;
      previousDot = true;
      continue;
    }
    previousDot = false;
    if (c === PERCENT) {
      if (!isHexDigit(value.charCodeAt(i + 1)) || !isHexDigit(value.charCodeAt(i + 2))) return -1;
      i += 2;
    } else if (c >= 128 || REG_NAME[c] === 0) return -1;
  }
  return i;
}

/** Index just past `[IPv6]` starting at 0, or -1. IPvFuture and zone identifiers are refused. */
function ipLiteralEnd(value: string): number {
  const close = value.indexOf(']');
  if (close < 3) return -1; // the shortest, `[::]`
  for (let i = 1; i < close; i++) {
    const c = value.charCodeAt(i);
    if (c !== COLON && c !== DOT && !isHexDigit(c)) return -1;
  }
  return isIPv6(value.slice(1, close)) ? close + 1 : -1;
}

/** True when `value` is `host[:port]` as RFC 9110 §7.2 allows it (port = *DIGIT, RFC 3986 §3.2.3). */
export function isValidHost(value: string): boolean {
  const n = value.length;
  if (n === 0) return false;
  const end = value.charCodeAt(0) === 91 /* '[' */ ? ipLiteralEnd(value) : regNameEnd(value);
  if (end <= 0) return false;
  if (end === n) return true;
  if (value.charCodeAt(end) !== COLON) return false;
  for (let i = end + 1; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** More than one Host field line: RFC 9112 §3.2 asks for 400 (Node keeps the first and drops the rest). */
export function hasRepeatedHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}
