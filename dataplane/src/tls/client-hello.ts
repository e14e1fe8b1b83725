// The server name of a TLS ClientHello, read from the first TLS record before any handshake, so
// that SSL passthrough can route a connection by SNI without terminating it (ingress-nginx's
// --enable-ssl-passthrough). Strict and bounded: every length is checked against the bytes that
// hold it, and anything that is not a well-formed ClientHello is answered as such, never thrown.
// RFC 8446 §5.1 (record), §4.1.2 (ClientHello), §4.2 (extensions); RFC 6066 §3 (server_name).

/** TLSPlaintext.length may not exceed 2^14 (RFC 8446 §5.1). */
export const MAX_RECORD_BODY = 16_384;
/** Record header: type, legacy version, length. */
export const RECORD_HEADER = 5;
/** The most a reader ever needs to buffer: one whole record. */
export const MAX_CLIENT_HELLO_BYTES = RECORD_HEADER + MAX_RECORD_BODY;

const HANDSHAKE_RECORD = 22;
const CLIENT_HELLO = 1;
const SERVER_NAME_EXTENSION = 0;
const HOST_NAME = 0;
/** A DNS name is at most 253 characters (RFC 1035 §2.3.4, without the trailing dot). */
const MAX_HOST_NAME = 253;
/** RFC 1123 labels; SNI carries no IP address literals (RFC 6066 §3). */
const HOST_NAME_SYNTAX = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export type ClientHelloResult =
  /** More bytes are needed: at least `total` in all. */
  | { kind: 'partial'; total: number }
  /** The first bytes are not a TLS handshake record: the TLS server answers them as it does today. */
  | { kind: 'not-tls' }
  /** A ClientHello; `serverName` lower case without a trailing dot, absent when it sends none. */
  | { kind: 'hello'; serverName: string | undefined }
  | { kind: 'invalid'; reason: string };

/**
 * Reads the ClientHello in the first TLS record of `bytes`. A ClientHello fragmented over several
 * records is `invalid` here (no client sends one under 16 KiB; the TLS server then decides).
 */
export function readClientHello(bytes: Uint8Array): ClientHelloResult {
  if (bytes.length >= 1 && bytes[0] !== HANDSHAKE_RECORD) return { kind: 'not-tls' };
  // Legacy record versions are 0x0301..0x0303; SSLv2-style hellos and other protocols are not TLS.
  if (bytes.length >= 2 && bytes[1] !== 3) return { kind: 'not-tls' };
  if (bytes.length < RECORD_HEADER) return { kind: 'partial', total: RECORD_HEADER };
  const length = (bytes[3] << 8) | bytes[4];
  if (length === 0 || length > MAX_RECORD_BODY) return { kind: 'invalid', reason: 'record length' };
  const total = RECORD_HEADER + length;
  if (bytes.length < total) return { kind: 'partial', total };
  return readHandshake(new Reader(bytes, RECORD_HEADER, total));
}

function readHandshake(record: Reader): ClientHelloResult {
  if (record.u8() !== CLIENT_HELLO) return invalid('not a ClientHello');
  const length = record.u24();
  if (length === undefined || length > record.left) return invalid('ClientHello longer than its record');
  const hello = record.sub(length);
  if (hello.skip(2 + 32) === false) return invalid('truncated version and random'); // legacy_version, random
  const session = hello.u8();
  if (session === undefined || session > 32 || !hello.skip(session)) return invalid('session id');
  const suites = hello.u16();
  if (suites === undefined || suites < 2 || suites % 2 !== 0 || !hello.skip(suites))
    return invalid('cipher suites');
  const compression = hello.u8();
  if (compression === undefined || compression < 1 || !hello.skip(compression))
    return invalid('compression methods');
  // A TLS 1.2 ClientHello may end here, without extensions (RFC 5246 §7.4.1.2).
  if (hello.left === 0) return { kind: 'hello', serverName: undefined };
  const extensionsLength = hello.u16();
  if (extensionsLength === undefined || extensionsLength !== hello.left) return invalid('extensions length');
  const extensions = hello.sub(extensionsLength);
  const seen = new Set<number>();
  let serverName: string | undefined;
  while (extensions.left > 0) {
    const type = extensions.u16();
    const size = extensions.u16();
    if (type === undefined || size === undefined || size > extensions.left)
      return invalid('extension length');
    // RFC 8446 §4.2: no extension type twice.
    if (seen.has(type)) return invalid('repeated extension');
    seen.add(type);
    const body = extensions.sub(size);
    if (type !== SERVER_NAME_EXTENSION) continue;
    const name = readServerName(body);
    if (typeof name !== 'string') return name;
    serverName = name;
  }
  return { kind: 'hello', serverName };
}

function readServerName(body: Reader): string | ClientHelloResult {
  const listLength = body.u16();
  if (listLength === undefined || listLength !== body.left || listLength === 0)
    return invalid('server name list');
  let hostName: string | undefined;
  while (body.left > 0) {
    const type = body.u8();
    const length = body.u16();
    if (type === undefined || length === undefined || length > body.left)
      return invalid('server name length');
    const bytes = body.bytes(length);
    if (type !== HOST_NAME) continue;
    // RFC 6066 §3: at most one name of each type.
    if (hostName !== undefined) return invalid('two host names');
    const name = hostNameOf(bytes);
    if (name === undefined) return invalid('server name is not a DNS name');
    hostName = name;
  }
  if (hostName === undefined) return invalid('no host_name in server_name');
  return hostName;
}

function hostNameOf(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0 || bytes.length > MAX_HOST_NAME + 1) return undefined;
  // ASCII only (RFC 6066 §3: IDNs are sent as A-labels); anything else is refused before decoding.
  for (const byte of bytes) if (byte < 0x21 || byte > 0x7e) return undefined;
  let name = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1').toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0 || name.length > MAX_HOST_NAME || !HOST_NAME_SYNTAX.test(name)) return undefined;
  return name;
}

function invalid(reason: string): ClientHelloResult {
  return { kind: 'invalid', reason };
}

/** A cursor over `bytes[start, end)`; a read past `end` answers undefined (or false) and moves nothing. */
class Reader {
  readonly #bytes: Uint8Array;
  #at: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.#at = start;
    this.#end = end;
  }

  get left(): number {
    return this.#end - this.#at;
  }

  u8(): number | undefined {
    if (this.left < 1) return undefined;
    return this.#bytes[this.#at++];
  }

  u16(): number | undefined {
    if (this.left < 2) return undefined;
    const b = this.#bytes;
    const value = (b[this.#at] << 8) | b[this.#at + 1];
    this.#at += 2;
    return value;
  }

  u24(): number | undefined {
    if (this.left < 3) return undefined;
    const b = this.#bytes;
    const value = (b[this.#at] << 16) | (b[this.#at + 1] << 8) | b[this.#at + 2];
    this.#at += 3;
    return value;
  }

  skip(count: number): boolean {
    if (this.left < count) return false;
    this.#at += count;
    return true;
  }

  /** The next `count` bytes (the caller checked `left`). */
  bytes(count: number): Uint8Array {
    const start = this.#at;
    this.#at += count;
    return this.#bytes.subarray(start, start + count);
  }

  /** A reader over the next `count` bytes (the caller checked `left`); this one moves past them. */
  sub(count: number): Reader {
    const start = this.#at;
    this.#at += count;
    return new Reader(this.#bytes, start, start + count);
  }
}
