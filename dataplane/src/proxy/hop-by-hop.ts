// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded, in
// either direction. Names a Connection header lists are NOT removed, as nginx does not: honouring
// them let a client strip Host, Content-Length or a trace header with `Connection: close, host`
// (issue #25), and a backend strip Content-Type or Set-Cookie — the hop-by-hop header abuse class.
// RFC 9110 forbids listing end-to-end fields, so a conforming peer loses nothing by this.

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
