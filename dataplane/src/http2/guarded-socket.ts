// The client's TLS socket as Node's HTTP/2 session sees it: every byte passes through a FrameGuard
// (frame-guard.ts), which withholds what nghttp2 would mishandle and reports it here, where the
// session answers as RFC 9113 asks — RST_STREAM for a stream error, GOAWAY for a connection error.
// The GOAWAY is sent first and the session destroyed once it is written: Node's session.destroy()
// sends none while a write is under way, which under a flood it nearly always is.
// Node wraps a JS stream like this one in its own JSStreamSocket; measured on this machine that
// costs 5–8 % of a bare node:http2 server's requests per second (h2load, 32 connections × 4
// streams), a share the proxy's own work makes smaller still.
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { FrameGuard, type Violation } from './frame-guard.ts';

/**
 * How long a connection the server closed stays half-open, read and discarded, when the client
 * goes on sending: closing a socket with unread bytes answers with a TCP RST, which can make the
 * client drop the GOAWAY before reading it. nginx does the same (lingering_close, 5 s).
 */
export const LINGER_MS = 1_000;

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
  /** Stream errors on streams Node has opened but not yet announced (it does so on the next tick). */
  #pendingResets: Map<number, number> | undefined;
  /** The code of the GOAWAY asked for, while it waits to be written. */
  #closingCode: number | undefined;

  constructor(socket: Socket, onViolation: (v: Violation) => void = () => {}) {
    super();
    this.socket = socket;
    this.#onViolation = onViolation;
    this.#guard = new FrameGuard({
      forward: (bytes) => {
        if (!this.destroyed && !this.push(bytes)) socket.pause();
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
    // Before the server's own listener, so that a stream reset here is never handed to the proxy.
    session.prependListener('stream', (stream: ServerHttp2Stream) => {
      const id = stream.id;
      if (id === undefined) return;
      const pending = this.#pendingResets?.get(id);
      if (pending !== undefined) {
        this.#pendingResets?.delete(id);
        stream.close(pending);
        return;
      }
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
    if (this.#closingCode !== undefined && this.#guard.goawaySent) process.nextTick(closeSession, this);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (error?: Error | null) => void): void {
    this.socket.cork();
    for (let i = 0; i < chunks.length; i++) {
      this.#guard.outbound(chunks[i].chunk);
      this.socket.write(chunks[i].chunk, i === chunks.length - 1 ? done : undefined);
    }
    this.socket.uncork();
    if (this.#closingCode !== undefined && this.#guard.goawaySent) process.nextTick(closeSession, this);
  }

  override _final(done: () => void): void {
    this.socket.end(done);
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    const socket = this.socket;
    // Node ends the socket (the GOAWAY, then TLS close_notify and FIN) before it destroys it.
    if (error === null && socket.writableEnded && !socket.readableEnded && !socket.destroyed) linger(socket);
    else socket.destroy();
    done(error);
  }

  /** Destroys the session, once its GOAWAY is written (or LINGER_MS after it was asked for). */
  closeSession(): void {
    const session = this.#session;
    const code = this.#closingCode;
    if (session === undefined || session.destroyed || code === undefined) return;
    session.destroy(new Error(`HTTP/2 connection error ${code}`), code);
  }

  #violation(v: Violation): void {
    this.#onViolation(v);
    if (v.scope === 'stream') {
      const stream = this.#streams.get(v.streamId);
      if (stream !== undefined && !stream.closed) {
        stream.close(v.code);
        return;
      }
      // Opened in the chunk that also broke the rule: Node announces it on the next tick. One
      // that never comes was refused (nghttp2 reset it) or has closed since: nothing to reset.
      this.#pendingResets ??= new Map();
      this.#pendingResets.set(v.streamId, v.code);
      process.nextTick(forgetReset, this.#pendingResets, v.streamId);
      return;
    }
    this.#connectionError(v.code);
  }

  #connectionError(code: number): void {
    if (this.#closingCode !== undefined) return;
    const session = this.#session;
    if (session === undefined || session.destroyed) {
      this.destroy();
      return;
    }
    this.#closingCode = code;
    session.goaway(code);
    // A client that reads nothing never lets the GOAWAY out: it is destroyed all the same.
    setTimeout(closeSession, LINGER_MS, this).unref();
  }
}

function closeSession(guarded: GuardedSocket): void {
  guarded.closeSession();
}

function forgetReset(pending: Map<number, number>, streamId: number): void {
  pending.delete(streamId);
}

/** Keeps reading (and dropping) what the client still sends until it closes, or LINGER_MS. */
function linger(socket: Socket): void {
  socket.once('end', destroySocket);
  setTimeout(destroyLater, LINGER_MS, socket).unref();
  socket.resume();
}

function destroySocket(this: Socket): void {
  this.destroy();
}

function destroyLater(socket: Socket): void {
  socket.destroy();
}
