// A raw HTTP/2 client for tests: frames written by hand on a TLS socket (ALPN h2), and the server's
// frames read back, so a test can send what no well-behaved client library would (RFC 9113 §4.1).
import { once } from 'node:events';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { waitFor } from './harness.ts';

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8 } as const;

/** RFC 9113 §7. */
export const Code = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  CANCEL: 0x8,
  ENHANCE_YOUR_CALM: 0xb,
} as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** A header block of literal fields without indexing and without Huffman coding (RFC 7541 §6.2.2). */
export function headerBlock(fields: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    if (name.length > 126 || value.length > 126) throw new Error('headerBlock takes short fields only');
    parts.push(
      Buffer.from([0x00, name.length]),
      Buffer.from(name),
      Buffer.from([value.length]),
      Buffer.from(value),
    );
  }
  return Buffer.concat(parts);
}

/** HEADERS of a GET (or another method) on `streamId`, ending the stream unless told otherwise. */
export function request(
  streamId: number,
  path: string,
  options: { method?: string; endStream?: boolean; authority?: string } = {},
): Buffer {
  const block = headerBlock([
    [':method', options.method ?? 'GET'],
    [':scheme', 'https'],
    [':authority', options.authority ?? 'raw.test'],
    [':path', path],
  ]);
  const flags = Flag.END_HEADERS | (options.endStream === false ? 0 : Flag.END_STREAM);
  return frame(FrameType.HEADERS, flags, streamId, block);
}

export function rstStream(streamId: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function windowUpdate(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

export function ping(ack = false, opaque = 0): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(opaque, 4);
  return frame(FrameType.PING, ack ? Flag.ACK : 0, 0, payload);
}

export function settings(entries: Array<[number, number]> = []): Buffer {
  const payload = Buffer.alloc(6 * entries.length);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

export function priority(streamId: number, dependsOn: number): Buffer {
  const payload = Buffer.alloc(5);
  payload.writeUInt32BE(dependsOn);
  payload[4] = 15;
  return frame(FrameType.PRIORITY, 0, streamId, payload);
}

/** What ended a connection: the server's GOAWAY, or a close without one. */
export type Ending = { goaway: { lastStreamId: number; code: number } } | { closedWithoutGoaway: true };

export class RawH2 {
  readonly socket: TLSSocket;
  readonly frames: Frame[] = [];
  closed = false;
  #buffered: Buffer = Buffer.alloc(0);

  private constructor(socket: TLSSocket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }

  /** Connects, sends the preface and empty SETTINGS, and waits for the server's SETTINGS. */
  static async connect(port: number): Promise<RawH2> {
    const socket = tlsConnect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    if (socket.alpnProtocol !== 'h2') throw new Error(`ALPN chose ${socket.alpnProtocol}`);
    const raw = new RawH2(socket);
    socket.write(Buffer.concat([PREFACE, settings()]));
    await raw.waitFrame('the server SETTINGS', (f) => f.type === FrameType.SETTINGS && !(f.flags & Flag.ACK));
    socket.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
    return raw;
  }

  /** Writes frames in one write (so the server reads them together, as far as TLS allows). */
  send(...frames: Buffer[]): void {
    if (!this.closed) this.socket.write(Buffer.concat(frames));
  }

  async waitFrame(what: string, match: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    return waitFor(what, () => this.frames.find(match), timeoutMs);
  }

  /** The connection's end as the server made it: a GOAWAY (read before the close), or a bare close. */
  async ending(timeoutMs = 10_000): Promise<Ending> {
    await waitFor(
      'the server to send GOAWAY or close',
      () => this.closed || this.goaway() !== undefined,
      timeoutMs,
    );
    const goaway = this.goaway();
    return goaway === undefined ? { closedWithoutGoaway: true } : { goaway };
  }

  goaway(): { lastStreamId: number; code: number } | undefined {
    const f = this.frames.find((x) => x.type === FrameType.GOAWAY);
    if (f === undefined) return undefined;
    return { lastStreamId: f.payload.readUInt32BE(0) & 0x7fff_ffff, code: f.payload.readUInt32BE(4) };
  }

  resets(): Map<number, number> {
    const codes = new Map<number, number>();
    for (const f of this.frames)
      if (f.type === FrameType.RST_STREAM) codes.set(f.streamId, f.payload.readUInt32BE(0));
    return codes;
  }

  /**
   * A round trip: a PING, then its ACK (or the connection's end). The server reads a connection's
   * frames in order, so everything sent before the PING has been judged once it returns.
   */
  async barrier(opaque: number): Promise<void> {
    this.send(ping(false, opaque));
    await waitFor(
      `the server to answer PING ${opaque}`,
      () =>
        this.closed ||
        this.goaway() !== undefined ||
        this.frames.some(
          (f) => f.type === FrameType.PING && f.flags & Flag.ACK && f.payload.readUInt32BE(4) === opaque,
        ),
    );
  }

  /** The client has closed or the server has said GOAWAY. */
  get ended(): boolean {
    return this.closed || this.goaway() !== undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #read(chunk: Buffer): void {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    while (this.#buffered.length >= 9) {
      const length = this.#buffered.readUIntBE(0, 3);
      if (this.#buffered.length < 9 + length) break;
      this.frames.push({
        type: this.#buffered[3],
        flags: this.#buffered[4],
        streamId: this.#buffered.readUInt32BE(5) & 0x7fff_ffff,
        payload: Buffer.from(this.#buffered.subarray(9, 9 + length)),
      });
      this.#buffered = this.#buffered.subarray(9 + length);
    }
  }
}
