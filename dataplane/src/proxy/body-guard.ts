// The request-body stage: the one Readable between a client's body and undici, for HTTP/1.1 and
// HTTP/2 alike. It counts bytes against the route's size limit (for bodies of unknown length:
// chunked HTTP/1.1, HTTP/2 without content-length; a declared Content-Length is checked before
// any byte is forwarded, in handler.ts) and times the body against its BodyPace with one timer,
// refreshed, never one per chunk. A chunk costs an addition and a push; the clock is read only
// when the upstream holds the body back and when the timer fires.
import type { Readable as ReadableType } from 'node:stream';
import { Readable } from 'node:stream';
import { type BodyPace, type BodyVerdict, judgeBody } from './body-pace.ts';

/** Error code of an over-long body; handler.ts answers it with 413. */
export const BODY_TOO_LARGE = 'GATEHOUSE_BODY_TOO_LARGE';
/** No body byte for --client-body-timeout; handler.ts answers 408. */
export const CLIENT_BODY_TIMEOUT = 'GATEHOUSE_CLIENT_BODY_TIMEOUT';
/** The body fell below --client-body-min-rate after its grace; handler.ts answers 408. */
export const CLIENT_BODY_TOO_SLOW = 'GATEHOUSE_CLIENT_BODY_TOO_SLOW';

export type BodyError = Error & { code: string };

/** Whoever forwards the body is told when it ran out of time (handler.ts: the exchange). */
export interface BodyOwner {
  bodyExpired(error: BodyError): void;
}

const kGuard = Symbol('gatehouse.bodyGuard');
type Source = ReadableType & { [kGuard]?: GuardedBody };

/** A copy of the body taken as it is read (proxy/mirror.ts): each chunk, then its end or its cut-off. */
export interface BodyTap {
  chunk(chunk: Buffer): void;
  end(): void;
  /** The body will not be whole: the client left, stalled, or sent more than the route allows. */
  cut(): void;
}

export class GuardedBody extends Readable {
  /** Body bytes received from the client so far. */
  bytes = 0;
  /** Set by routes that mirror requests: copies go on while the body is read, even once undici let go. */
  tap: BodyTap | undefined = undefined;
  readonly #source: Source;
  readonly #owner: BodyOwner;
  readonly #pace: BodyPace;
  readonly #maxBytes: number;
  #timer: NodeJS.Timeout | undefined = undefined;
  #reading = false;
  #sourceEnded = false;
  #expired = false;
  #startedAt = 0;
  /** Set while the consumer (the upstream) holds the body back: that time is not the client's. */
  #heldSince = 0;
  #heldMs = 0;
  #idleFrom = 0;
  #bytesAtCheck = 0;

  /** `maxBytes`: the route's limit for a body of unknown length, else Infinity. */
  constructor(source: ReadableType, owner: BodyOwner, pace: BodyPace, maxBytes: number) {
    super();
    this.#source = source;
    this.#owner = owner;
    this.#pace = pace;
    this.#maxBytes = maxBytes;
    // undici reports a failed body through the exchange; one unheard here must not end the worker.
    this.on('error', ignoreError);
  }

  override _read(): void {
    if (!this.#reading) {
      this.#start();
      return;
    }
    if (this.#heldSince === 0) return;
    this.#release();
    this.#source.resume();
  }

  /**
   * undici let go of a body that is still coming (sent, failed, too large): it is read on and
   * dropped, still timed, so that the answer reaches the client on a connection that stays usable.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#sourceEnded && !this.#expired) {
      if (!this.#reading) this.#start();
      else if (this.#heldSince !== 0) this.#release();
      this.#source.resume();
    }
    callback(error);
  }

  #start(): void {
    this.#reading = true;
    const source = this.#source;
    if (source.destroyed && !source.readableEnded) {
      // The client left before the body was first read.
      this.#sourceEnded = true;
      this.#cutTap();
      this.destroy();
      return;
    }
    source[kGuard] = this;
    source.on('data', onSourceData);
    source.on('end', onSourceEnd);
    source.on('close', onSourceClose);
    const now = performance.now();
    this.#startedAt = now;
    this.#idleFrom = now;
    this.#timer = setTimeout(onCheck, this.#pace.checkMs, this);
    this.#timer.unref();
    source.resume();
  }

  #release(): void {
    const now = performance.now();
    this.#heldMs += now - this.#heldSince;
    this.#heldSince = 0;
    // Idle time counts from when the proxy asks for bytes again.
    if (this.#idleFrom < now) this.#idleFrom = now;
  }

  /** No more reading: the body ended, the client left, or it ran out of time. */
  #stop(): void {
    clearTimeout(this.#timer);
    const source = this.#source;
    source.off('data', onSourceData);
    source.off('end', onSourceEnd);
    source.off('close', onSourceClose);
    source[kGuard] = undefined;
  }

  #cutTap(): void {
    const tap = this.tap;
    this.tap = undefined;
    tap?.cut();
  }

  received(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#maxBytes) {
      this.#cutTap();
      if (!this.destroyed) {
        this.destroy(bodyError(BODY_TOO_LARGE, `request body larger than ${this.#maxBytes} bytes`));
      }
      return;
    }
    if (this.tap !== undefined) this.tap.chunk(chunk);
    if (this.destroyed) return;
    if (!this.push(chunk)) {
      this.#source.pause();
      this.#heldSince = performance.now();
    }
  }

  sourceEnded(): void {
    this.#sourceEnded = true;
    this.#stop();
    const tap = this.tap;
    this.tap = undefined;
    tap?.end();
    if (!this.destroyed) this.push(null);
  }

  /** The source closed: before its end, the client cut the body off (undici then aborts on our 'close'). */
  sourceClosed(): void {
    if (this.#sourceEnded) return;
    this.#sourceEnded = true;
    this.#stop();
    this.#cutTap();
    if (!this.destroyed) this.destroy();
  }

  check(): void {
    if (this.#heldSince !== 0) {
      this.#timer?.refresh();
      return;
    }
    const now = performance.now();
    if (this.bytes !== this.#bytesAtCheck) {
      // Seen at check granularity: idle time is undercounted by at most a period, never overcounted.
      this.#bytesAtCheck = this.bytes;
      this.#idleFrom = now;
    }
    const verdict = judgeBody(
      this.#pace,
      now - this.#startedAt - this.#heldMs,
      now - this.#idleFrom,
      this.bytes,
    );
    if (verdict === undefined) this.#timer?.refresh();
    else this.#expire(verdict);
  }

  #expire(verdict: NonNullable<BodyVerdict>): void {
    this.#expired = true;
    this.#stop();
    this.#cutTap();
    // Left unread: its connection (or stream) is closed by the owner.
    this.#source.pause();
    const pace = this.#pace;
    const error =
      verdict === 'idle'
        ? bodyError(CLIENT_BODY_TIMEOUT, `no request body byte for ${pace.idleMs} ms`)
        : bodyError(
            CLIENT_BODY_TOO_SLOW,
            `request body slower than ${pace.minBytesPerSecond} bytes/s after ${pace.graceMs} ms`,
          );
    if (!this.destroyed) this.destroy(error);
    this.#owner.bodyExpired(error);
  }
}

/** Whether an error is a body the client sent too slowly (408), as opposed to one of the upstream. */
export function isClientBodyTimeout(error: Error & { code?: string }): boolean {
  return error.code === CLIENT_BODY_TIMEOUT || error.code === CLIENT_BODY_TOO_SLOW;
}

function bodyError(code: string, message: string): BodyError {
  return Object.assign(new Error(message), { code });
}

function onSourceData(this: Source, chunk: Buffer): void {
  this[kGuard]?.received(chunk);
}

function onSourceEnd(this: Source): void {
  this[kGuard]?.sourceEnded();
}

function onSourceClose(this: Source): void {
  this[kGuard]?.sourceClosed();
}

function onCheck(guard: GuardedBody): void {
  guard.check();
}

function ignoreError(): void {}
