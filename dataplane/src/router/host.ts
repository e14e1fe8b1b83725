// Host header → the key hosts are stored under: lower-case, port stripped, trailing dot dropped
// (RFC 9110 §4.2.3: host comparison is case-insensitive; `example.com.` names the same host).

const DOT = 46;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/**
 * The lookup key for a raw Host header, or undefined when there is none. An IPv6 literal keeps
 * its brackets (`[::1]:8080` → `[::1]`). Returns the input itself when it is already a key.
 */
export function hostKey(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.length === 0) return undefined;
  let end = raw.length;
  if (raw.charCodeAt(0) === OPEN_BRACKET) {
    const close = raw.indexOf(']');
    if (close === -1) return undefined;
    end = close + 1;
  } else {
    const colon = raw.indexOf(':');
    if (colon !== -1) end = colon;
    if (end > 0 && raw.charCodeAt(end - 1) === DOT) end -= 1;
  }
  if (end === 0) return undefined;
  const host = end === raw.length ? raw : raw.slice(0, end);
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c >= 65 && c <= 90) return host.toLowerCase();
  }
  return host;
}

/** Whether a key is a bracketed IPv6 literal (never matched against wildcard hosts). */
export function isIpLiteral(key: string): boolean {
  return key.charCodeAt(0) === OPEN_BRACKET && key.charCodeAt(key.length - 1) === CLOSE_BRACKET;
}

/** Normalises a host name from the table the same way (it should already be normal). */
export function tableHostKey(host: string): string {
  const lower = host.toLowerCase();
  return lower.length > 1 && lower.charCodeAt(lower.length - 1) === DOT ? lower.slice(0, -1) : lower;
}
