// A raw HTTP/2 client for tests: frames written by hand on a TLS socket (ALPN h2), and the server's
// frames read back, so a test can send what no well-behaved client library would (RFC 9113 §4.1).
import { once } from 'node:events';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { Flag, type Frame, FrameType, frame, PREFACE, ping, settings } from '../lib/h2-frames.ts';
import { waitFor } from './harness.ts';

export * from '../lib/h2-frames.ts';

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
