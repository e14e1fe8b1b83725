// The PROXY protocol header a load balancer sends before a connection's first byte, versions 1
// (text) and 2 (binary), as haproxy's proxy-protocol.txt specifies it. Pure: the bytes received so
// far in, one verdict out — whole (with its length), incomplete, or refused — so the socket side
// (gate.ts) can read in pieces and stop at a bound. The npm parsers take a whole header only.
import { isIP } from 'node:net';

/** v1's longest line, CRLF included (proxy-protocol.txt §2.1). */
export const V1_MAX_BYTES = 107;
/** The largest header taken in all, TLVs included: nginx's NGX_PROXY_PROTOCOL_MAX_HEADER. */
export const MAX_HEADER_BYTES = 4096;

/** The connection as the balancer saw it. */
export interface ProxiedConnection {
  readonly family: 'IPv4' | 'IPv6';
  readonly source: string;
  readonly sourcePort: number;
  readonly destination: string;
  readonly destinationPort: number;
}

export type ProxyHeader =
  | { readonly kind: 'more'; readonly length?: undefined; readonly proxied?: undefined }
  | {
      readonly kind: 'invalid';
      readonly reason: string;
      readonly length?: undefined;
      readonly proxied?: undefined;
    }
  | {
      readonly kind: 'header';
      /** Bytes the header takes; what follows is the client's own stream. */
      readonly length: number;
      /** Undefined: keep the real peer (v1 UNKNOWN, v2 LOCAL, or a family other than TCP). */
      readonly proxied: ProxiedConnection | undefined;
    };

const MORE: ProxyHeader = { kind: 'more' };
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_BYTES = 16;
const PORT = /^(?:0|[1-9]\d{0,4})$/;

function invalid(reason: string): ProxyHeader {
  return { kind: 'invalid', reason };
}

/** Whether `bytes` could still become `expected`: every byte received so far matches it. */
function matchesSoFar(bytes: Buffer, expected: Buffer): boolean {
  const n = Math.min(bytes.length, expected.length);
  return bytes.compare(expected, 0, n, 0, n) === 0;
}

/** The PROXY header at the start of `bytes` (all the connection sent so far). */
export function parseProxyHeader(bytes: Buffer): ProxyHeader {
  if (bytes.length === 0) return MORE;
  if (bytes[0] === V1_PREFIX[0]) return parseV1(bytes);
  if (bytes[0] === V2_SIGNATURE[0]) return parseV2(bytes);
  return invalid('no PROXY protocol header');
}

function parseV1(bytes: Buffer): ProxyHeader {
  if (!matchesSoFar(bytes, V1_PREFIX)) return invalid('no PROXY protocol header');
  const lf = bytes.subarray(0, V1_MAX_BYTES).indexOf(0x0a);
  if (lf === -1) return bytes.length >= V1_MAX_BYTES ? invalid('v1 header longer than 107 bytes') : MORE;
  if (bytes[lf - 1] !== 0x0d) return invalid('v1 header not ended by CRLF');
  const length = lf + 1;
  const fields = bytes.toString('latin1', 0, lf - 1).split(' ');
  // UNKNOWN: the balancer could not tell; the rest of the line is to be ignored (§2.1).
  if (fields[1] === 'UNKNOWN') return { kind: 'header', length, proxied: undefined };
  const family = fields[1] === 'TCP4' ? 4 : fields[1] === 'TCP6' ? 6 : 0;
  if (family === 0) return invalid(`v1 protocol "${fields[1]}" is not TCP4, TCP6 or UNKNOWN`);
  if (fields.length !== 6) return invalid('v1 header has not 6 fields');
  const [, , source, destination, sourcePort, destinationPort] = fields;
  // isIP accepts an IPv6 zone ("%eth0"), which names no client.
  for (const address of [source, destination]) {
    if (isIP(address) !== family || address.includes('%')) return invalid(`v1 address is not TCP${family}`);
  }
  const ports = [sourcePort, destinationPort].map((p) => (PORT.test(p) ? Number(p) : -1));
  if (ports.some((p) => p < 0 || p > 65535)) return invalid('v1 port is not 0-65535');
  return {
    kind: 'header',
    length,
    proxied: {
      family: family === 4 ? 'IPv4' : 'IPv6',
      source: source.toLowerCase(),
      sourcePort: ports[0],
      destination: destination.toLowerCase(),
      destinationPort: ports[1],
    },
  };
}

function parseV2(bytes: Buffer): ProxyHeader {
  if (!matchesSoFar(bytes, V2_SIGNATURE)) return invalid('no PROXY protocol header');
  if (bytes.length < V2_FIXED_BYTES) return MORE;
  const versionCommand = bytes[12];
  if (versionCommand >> 4 !== 2) return invalid(`v2 header says version ${versionCommand >> 4}`);
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid(`v2 command ${command} is not LOCAL or PROXY`);
  const length = V2_FIXED_BYTES + bytes.readUInt16BE(14);
  // Refused on the declared length, before waiting for bytes it would take to hold.
  if (length > MAX_HEADER_BYTES) return invalid(`v2 header of ${length} bytes is over ${MAX_HEADER_BYTES}`);
  if (bytes.length < length) return MORE;
  // LOCAL: the balancer's own connection (a health check): the real peer stands (§2.2).
  if (command === 0) return { kind: 'header', length, proxied: undefined };
  const familyTransport = bytes[13];
  if (familyTransport === 0x11) {
    if (length < V2_FIXED_BYTES + 12) return invalid('v2 TCP4 address block too short');
    return {
      kind: 'header',
      length,
      proxied: {
        family: 'IPv4',
        source: formatIPv4(bytes, 16),
        destination: formatIPv4(bytes, 20),
        sourcePort: bytes.readUInt16BE(24),
        destinationPort: bytes.readUInt16BE(26),
      },
    };
  }
  if (familyTransport === 0x21) {
    if (length < V2_FIXED_BYTES + 36) return invalid('v2 TCP6 address block too short');
    return {
      kind: 'header',
      length,
      proxied: {
        family: 'IPv6',
        source: formatIPv6(bytes, 16),
        destination: formatIPv6(bytes, 32),
        sourcePort: bytes.readUInt16BE(48),
        destinationPort: bytes.readUInt16BE(50),
      },
    };
  }
  // UNSPEC, UNIX or a datagram transport names no TCP client: keep the real peer, as haproxy does.
  // TLVs, if any, lie within `length` and are skipped with it.
  return { kind: 'header', length, proxied: undefined };
}

function formatIPv4(bytes: Buffer, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/**
 * 16 bytes at `at` as RFC 5952 writes an IPv6 address (lower-case hex, the longest run of zero
 * groups — the first of equals — as `::`), and an IPv4-mapped one as `::ffff:a.b.c.d`, as Node
 * reports a peer's address.
 */
export function formatIPv6(bytes: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(at + 2 * i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytes, at + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never shortened (§4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
