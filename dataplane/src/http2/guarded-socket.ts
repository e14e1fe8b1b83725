// The client's TLS socket as Node's HTTP/2 session sees it: every byte passes through a FrameGuard
// (frame-guard.ts), which withholds what nghttp2 would mishandle and reports it here, where the
// session answers as RFC 9113 asks — RST_STREAM for a stream error, GOAWAY for a connection error.
// Node wraps a JS stream like this one in its own JSStreamSocket; measured on this machine that
// costs 5–8 % of a bare node:http2 server's requests per second (h2load, 32 connections × 4
// streams), a share the proxy's own work makes smaller still.
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { FrameGuard, type Violation } from './frame-guard.ts';

const kOpenStreams = Symbol('gatehouse.openStreams');
type OpenStream = ServerHttp2Stream & { [kOpenStreams]?: Map<number, ServerHttp2Stream> };

/** A module function, not a closure per stream: streams are the hot path of HTTP/2. */
function forgetStream(this: OpenStream): void {
  if (this.id !== undefined) this[kOpenStreams]?.delete(this.id);
}

export class GuardedSocket extends Duplex {
  /** The client's own socket, for its address and its counters. */
  readonly socket: Socket;
  readonly #guard: FrameGuard;
  readonly #onViolation: (v: Violation) => void;
  #session: ServerHttp2Session | undefined;
  /** Open streams by id: Node offers no lookup, and a stream error must reach the stream. */
  readonly #streams = new Map<number, ServerHttp2Stream>();

  constructor(socket: Socket, onViolation: (v: Violation) => void = () => {}) {
    super();
    this.socket = socket;
    this.#onViolation = onViolation;
    this.#guard = new FrameGuard({
      forward: (bytes) => {
        if (!this.push(bytes)) socket.pause();
      },
      violation: (v) => this.#violation(v),
    });
    socket.on('data', (chunk: Buffer) => this.#guard.inbound(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  /** The session Node made of this socket; called from the server's 'session' event. */
  attach(session: ServerHttp2Session): void {
    this.#session = session;
    session.on('stream', (stream: ServerHttp2Stream) => {
      const id = stream.id;
      if (id === undefined) return;
      this.#streams.set(id, stream);
      (stream as OpenStream)[kOpenStreams] = this.#streams;
      stream.once('close', forgetStream);
    });
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#guard.outbound(chunk);
    this.socket.write(chunk, done);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (error?: Error | null) => void): void {
    this.socket.cork();
    for (let i = 0; i < chunks.length; i++) {
      this.#guard.outbound(chunks[i].chunk);
      this.socket.write(chunks[i].chunk, i === chunks.length - 1 ? done : undefined);
    }
    this.socket.uncork();
  }

  override _final(done: () => void): void {
    this.socket.end(done);
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.socket.destroy();
    done(error);
  }

  #violation(v: Violation): void {
    this.#onViolation(v);
    const session = this.#session;
    if (v.scope === 'stream') {
      const stream = this.#streams.get(v.streamId);
      // A stream Node never opened (e.g. PRIORITY on an idle id) has nothing to reset: §5.4.1
      // lets a stream error be answered as a connection error instead.
      if (stream !== undefined && !stream.closed) {
        stream.close(v.code);
        return;
      }
    }
    if (session === undefined || session.destroyed) this.destroy();
    else session.destroy(undefined, v.code);
  }
}
