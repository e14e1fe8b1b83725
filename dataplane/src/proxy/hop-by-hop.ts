// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded, in
// either direction; nor is any header that the Connection header itself names.

const HOP_BY_HOP_NAMES = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Connection-specific in HTTP/2 too (RFC 7540 §3.2.1); an h2 response carrying it is malformed.
  'http2-settings',
];
const HOP_BY_HOP = new Set(HOP_BY_HOP_NAMES);

export function isHopByHop(lowerName: string): boolean {
  return HOP_BY_HOP.has(lowerName);
}

/** Removes hop-by-hop headers from a header object with lower-case keys; mutates and returns it. */
export function deleteHopByHop<H extends Record<string, unknown>>(headers: H): H {
  // Probing the few fixed names beats walking every header of every response.
  for (let i = 0; i < HOP_BY_HOP_NAMES.length; i++) {
    const name = HOP_BY_HOP_NAMES[i];
    if (headers[name] !== undefined) delete headers[name];
  }
  return headers;
}

/** Extra header names listed in a Connection header value (lower-case), or undefined if none. */
export function connectionListed(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  // Nearly every response says just `keep-alive` or `close`: nothing to list, nothing to split.
  if (typeof connection === 'string' && /^(?:keep-alive|close)$/i.test(connection)) return undefined;
  const value = Array.isArray(connection) ? connection.join(',') : connection;
  let listed: Set<string> | undefined;
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name === '' || name === 'close' || name === 'keep-alive' || name === 'upgrade') continue;
    listed ??= new Set();
    listed.add(name);
  }
  return listed;
}
