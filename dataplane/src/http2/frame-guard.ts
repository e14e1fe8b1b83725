// The HTTP/2 checks Node's nghttp2 integration leaves out, applied to the client's frames before
// nghttp2 reads them: the guard frames the client's bytes across chunk boundaries, asks the
// connection's StreamLedger (stream-ledger.ts) for a verdict on each frame, forwards what passes
// and reports what does not. It reads the server's frames too, since a stream's send window
// depends on the DATA the server sent, its close on the server's END_STREAM or RST_STREAM, and
// the reset budget on the server's resets.
import type { Clock } from './budgets.ts';
import {
  ACK,
  FRAME_HEADER,
  type FrameHeader,
  GOAWAY,
  prefixLength,
  RST_STREAM,
  readHeader,
  SETTINGS,
  SETTINGS_INITIAL_WINDOW_SIZE,
} from './frames.ts';
import { StreamLedger, type Violation } from './stream-ledger.ts';

export { ErrorCode, StreamLedger, type Violation } from './stream-ledger.ts';

/** What the guard needs from its owner: the bytes to hand on, and what to do about a violation. */
export interface GuardSink {
  forward(bytes: Buffer): void;
  violation(v: Violation): void;
}

/** "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n": nghttp2 checks it; the guard only steps over it. */
const CLIENT_PREFACE = 24;

/**
 * Frames one direction of a connection across arbitrary chunk boundaries. The client direction
 * (`inbound`) holds back at most a frame header and a 5-byte prefix until its verdict is known;
 * frames that pass are forwarded as slices of the chunk they came in, so a chunk of frames that
 * all pass is forwarded as it is.
 */
export class FrameGuard {
  readonly ledger: StreamLedger;
  readonly #sink: GuardSink;
  #preface = CLIENT_PREFACE;
  /** Bytes of the next frame's header (and prefix) seen so far. */
  readonly #held = Buffer.alloc(FRAME_HEADER + 5);
  #heldLength = 0;
  /** Payload bytes of the current frame still to come, and whether they are forwarded. */
  #payloadLeft = 0;
  #forwarding = true;
  /** A client SETTINGS frame being read: its entry bytes so far. */
  #settingsLeft = 0;
  readonly #entry = Buffer.alloc(6);
  #entryLength = 0;
  #failed = false;
  /** The server direction: header bytes of its next frame seen so far, and payload to skip. */
  readonly #outHeld = Buffer.alloc(FRAME_HEADER);
  #outHeldLength = 0;
  #outSkip = 0;
  /** A server RST_STREAM being read: its stream, its error code so far, the code bytes still to come. */
  #outResetStream = 0;
  #outResetCode = 0;
  #outResetLeft = 0;
  #goawaySent = false;

  constructor(sink: GuardSink, clock?: Clock) {
    this.#sink = sink;
    this.ledger = new StreamLedger(clock);
  }

  /** The server has written a GOAWAY. */
  get goawaySent(): boolean {
    return this.#goawaySent;
  }

  /** Client bytes in; forwards what passes, reports violations. Nothing passes after a connection error. */
  inbound(chunk: Buffer): void {
    if (this.#failed) return;
    let at = 0;
    let from = 0; // start of the run of bytes to forward as one slice
    const flush = (to: number): void => {
      if (to > from) this.#sink.forward(chunk.subarray(from, to));
    };
    while (at < chunk.length) {
      if (this.#preface > 0) {
        const n = Math.min(this.#preface, chunk.length - at);
        this.#preface -= n;
        at += n;
        continue;
      }
      if (this.#payloadLeft > 0) {
        const n = Math.min(this.#payloadLeft, chunk.length - at);
        if (this.#settingsLeft > 0) this.#readSettings(chunk, at, n);
        if (!this.#forwarding) {
          flush(at);
          from = at + n;
        }
        this.#payloadLeft -= n;
        at += n;
        continue;
      }
      // The usual case: a whole header (and prefix) in this chunk, judged where it lies.
      if (this.#heldLength === 0 && chunk.length - at >= FRAME_HEADER) {
        const h = readHeader(chunk, at);
        if (chunk.length - at >= FRAME_HEADER + prefixLength(h)) {
          const verdict = this.ledger.inbound(h, chunk, at + FRAME_HEADER);
          if (verdict !== undefined) {
            flush(at);
            from = at + FRAME_HEADER;
            if (!this.#act(verdict)) return;
          }
          this.#startPayload(h, verdict === undefined, h.length);
          at += FRAME_HEADER;
          continue;
        }
      }
      // A header split across chunks: hold its bytes (at most 14) until the verdict.
      flush(at);
      const want =
        this.#heldLength < FRAME_HEADER
          ? FRAME_HEADER
          : FRAME_HEADER + prefixLength(readHeader(this.#held, 0));
      const n = Math.min(want - this.#heldLength, chunk.length - at);
      chunk.copy(this.#held, this.#heldLength, at, at + n);
      this.#heldLength += n;
      at += n;
      from = at;
      if (this.#heldLength < FRAME_HEADER) continue;
      const h = readHeader(this.#held, 0);
      const prefix = prefixLength(h);
      if (this.#heldLength < FRAME_HEADER + prefix) continue;
      this.#heldLength = 0;
      const verdict = this.ledger.inbound(h, this.#held, FRAME_HEADER);
      if (verdict === undefined)
        this.#sink.forward(Buffer.from(this.#held.subarray(0, FRAME_HEADER + prefix)));
      else if (!this.#act(verdict)) return;
      this.#startPayload(h, verdict === undefined, h.length - prefix);
    }
    flush(at);
  }

  /**
   * Server bytes out: only read, never changed. A budget they exhaust (the server's resets) is
   * reported on the next tick: the sink may close the session, which must not happen inside the
   * session's own write.
   */
  outbound(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#outResetLeft > 0) {
        this.#outResetCode = this.#outResetCode * 256 + chunk[at++];
        if (--this.#outResetLeft === 0) {
          const verdict = this.ledger.serverReset(this.#outResetStream, this.#outResetCode);
          if (verdict !== undefined && !this.#failed) {
            this.#failed = true;
            process.nextTick(reportLater, this.#sink, verdict);
          }
        }
        continue;
      }
      if (this.#outSkip > 0) {
        const n = Math.min(this.#outSkip, chunk.length - at);
        this.#outSkip -= n;
        at += n;
        continue;
      }
      let h: FrameHeader;
      if (this.#outHeldLength === 0 && chunk.length - at >= FRAME_HEADER) {
        h = readHeader(chunk, at);
        at += FRAME_HEADER;
      } else {
        const n = Math.min(FRAME_HEADER - this.#outHeldLength, chunk.length - at);
        chunk.copy(this.#outHeld, this.#outHeldLength, at, at + n);
        this.#outHeldLength += n;
        at += n;
        if (this.#outHeldLength < FRAME_HEADER) continue;
        h = readHeader(this.#outHeld, 0);
        this.#outHeldLength = 0;
      }
      if (h.type === GOAWAY) this.#goawaySent = true;
      if (h.type === RST_STREAM && h.length === 4) {
        this.#outResetStream = h.streamId;
        this.#outResetCode = 0;
        this.#outResetLeft = 4;
        continue;
      }
      this.ledger.outbound(h);
      this.#outSkip = h.length;
    }
  }

  /** After a frame's header (and any prefix) is consumed: the rest of its payload. */
  #startPayload(h: FrameHeader, forwarding: boolean, left: number): void {
    this.#payloadLeft = left;
    this.#forwarding = forwarding;
    const settings = h.type === SETTINGS && (h.flags & ACK) === 0 && h.streamId === 0 && h.length % 6 === 0;
    this.#settingsLeft = settings && forwarding ? left : 0;
    this.#entryLength = 0;
  }

  #readSettings(chunk: Buffer, at: number, n: number): void {
    for (let i = at; i < at + n; i++) {
      this.#entry[this.#entryLength++] = chunk[i];
      if (this.#entryLength < 6) continue;
      this.#entryLength = 0;
      if (this.#entry.readUInt16BE(0) === SETTINGS_INITIAL_WINDOW_SIZE) {
        this.ledger.initialWindow(this.#entry.readUInt32BE(2));
      }
    }
    this.#settingsLeft -= n;
  }

  /** Reports a verdict; false once the connection is done for. */
  #act(verdict: Violation | 'drop'): boolean {
    if (verdict === 'drop') return true;
    if (verdict.scope === 'stream') this.ledger.resetByServer(verdict.streamId);
    else this.#failed = true;
    this.#sink.violation(verdict);
    return !this.#failed;
  }
}

function reportLater(sink: GuardSink, verdict: Violation): void {
  sink.violation(verdict);
}
