// The HTTP/2 checks Node's nghttp2 integration leaves out, applied to the client's frames before
// nghttp2 reads them. nghttp2 forgets a stream once it is closed, so frames sent on it afterwards
// are silently ignored; Node also closes the whole connection on an unsolicited PING ACK and on a
// stream's flow-control window overflowing. RFC 9113 asks otherwise (§5.1, §5.1.1, §5.3.1, §6.3,
// §6.7, §6.9.1), nginx does as it asks, and h2spec tells the difference (test/h2spec/).
//
// The guard keeps just enough of each connection to decide: per live stream whether each side has
// finished and its send window, plus bounded memory of recently closed stream ids. Everything it
// cannot judge with certainty passes to nghttp2 unchanged. It reads the server's frames too, since
// a stream's send window depends on the DATA the server sent and its close on the server's
// END_STREAM or RST_STREAM.

/** RFC 9113 §7 error codes this guard answers with. */
export const ErrorCode = {
  PROTOCOL_ERROR: 0x1,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
} as const;

export type Violation =
  /** Reset this stream; the connection lives on. */
  | { scope: 'stream'; streamId: number; code: number; reason: string }
  /** Close the connection (GOAWAY). */
  | { scope: 'connection'; code: number; reason: string };

/** What the guard needs from its owner: the bytes to hand on, and what to do about a violation. */
export interface GuardSink {
  forward(bytes: Buffer): void;
  violation(v: Violation): void;
}

const FRAME_HEADER = 9;
/** "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n": nghttp2 checks it; the guard only steps over it. */
const CLIENT_PREFACE = 24;
const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_INITIAL_WINDOW = 65_535;
/** Closed stream ids remembered per connection (nghttp2 keeps a similar bounded set). */
const REMEMBERED_CLOSED = 256;
/** Gaps in the client's stream ids remembered per connection. */
const REMEMBERED_GAPS = 64;

const DATA = 0x0;
const HEADERS = 0x1;
const PRIORITY = 0x2;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PING = 0x6;
const WINDOW_UPDATE = 0x8;
const END_STREAM = 0x1;
const ACK = 0x1;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;

interface Stream {
  clientOpen: boolean;
  serverOpen: boolean;
  /** Σ WINDOW_UPDATE increments the client granted on this stream. */
  granted: number;
  /** Σ DATA payload the server sent on it. */
  sent: number;
}

/** How a stream that is gone ended, for judging frames that still arrive on it. */
type Ending = 'client' | 'server-reset';

/** Frame header fields, read from 9 bytes (RFC 9113 §4.1). */
interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

function readHeader(bytes: Buffer, at: number): FrameHeader {
  return {
    length: bytes.readUIntBE(at, 3),
    type: bytes[at + 3],
    flags: bytes[at + 4],
    streamId: bytes.readUInt32BE(at + 5) & 0x7fff_ffff,
  };
}

/** Payload bytes the verdict on a frame needs before any of it is handed on. */
function prefixLength(h: FrameHeader): number {
  if (h.type === PRIORITY && h.length === 5) return 5;
  if (h.type === WINDOW_UPDATE && h.length === 4) return 4;
  return 0;
}

/** The per-connection record of streams: pure bookkeeping and verdicts, no I/O. */
export class StreamLedger {
  readonly #streams = new Map<number, Stream>();
  readonly #ended = new Map<number, Ending>();
  readonly #gaps: Array<[number, number]> = [];
  #lastClientStream = 0;
  #initialWindow = DEFAULT_INITIAL_WINDOW;

  /** The verdict on one client frame: undefined passes it, 'drop' swallows it. */
  inbound(h: FrameHeader, prefix: Buffer, at: number): Violation | 'drop' | undefined {
    switch (h.type) {
      case HEADERS:
        return this.#headers(h);
      case DATA:
        return this.#data(h);
      case RST_STREAM: {
        const stream = this.#streams.get(h.streamId);
        if (stream !== undefined) this.#forget(h.streamId, 'client');
        return undefined;
      }
      case PRIORITY:
        if (h.streamId === 0) {
          return { scope: 'connection', code: ErrorCode.PROTOCOL_ERROR, reason: 'PRIORITY on stream 0' };
        }
        if (h.length === 5 && (prefix.readUInt32BE(at) & 0x7fff_ffff) === h.streamId) {
          return {
            scope: 'stream',
            streamId: h.streamId,
            code: ErrorCode.PROTOCOL_ERROR,
            reason: 'stream depends on itself',
          };
        }
        return undefined;
      case PING:
        // Gatehouse never sends a PING, so every ACK is unsolicited: ignored, as §6.7 requires
        // (Node would close the connection). Malformed ones still go to nghttp2 to be refused.
        return h.flags & ACK && h.streamId === 0 && h.length === 8 ? 'drop' : undefined;
      case WINDOW_UPDATE:
        return h.length === 4
          ? this.#windowUpdate(h.streamId, prefix.readUInt32BE(at) & 0x7fff_ffff)
          : undefined;
      default:
        return undefined;
    }
  }

  /** A SETTINGS_INITIAL_WINDOW_SIZE from the client; values nghttp2 refuses change nothing here. */
  initialWindow(value: number): void {
    if (value <= MAX_WINDOW) this.#initialWindow = value;
  }

  /** One frame the server sent. */
  outbound(h: FrameHeader): void {
    const stream = this.#streams.get(h.streamId);
    if (stream === undefined) return;
    if (h.type === RST_STREAM) {
      this.#forget(h.streamId, 'server-reset');
      return;
    }
    if (h.type === DATA) stream.sent += h.length;
    if ((h.type === DATA || h.type === HEADERS) && h.flags & END_STREAM) {
      stream.serverOpen = false;
      if (!stream.clientOpen) this.#forget(h.streamId, 'client');
    }
  }

  /** The guard reset this stream itself: from now on it is one the server reset. */
  resetByServer(streamId: number): void {
    this.#forget(streamId, 'server-reset');
  }

  /** Streams being tracked (for tests of boundedness). */
  get size(): number {
    return this.#streams.size + this.#ended.size;
  }

  #headers(h: FrameHeader): Violation | undefined {
    const id = h.streamId;
    // Stream 0 and server-numbered (even) ids are nghttp2's to refuse.
    if (id === 0 || id % 2 === 0) return undefined;
    if (id > this.#lastClientStream) {
      if (id > this.#lastClientStream + 2) this.#rememberGap(this.#lastClientStream + 2, id - 2);
      this.#lastClientStream = id;
      this.#streams.set(id, {
        clientOpen: (h.flags & END_STREAM) === 0,
        serverOpen: true,
        granted: 0,
        sent: 0,
      });
      return undefined;
    }
    // A stream nghttp2 still knows (trailers, or a frame it will refuse itself).
    if (this.#streams.has(id)) {
      if (h.flags & END_STREAM) this.#clientEnded(id);
      return undefined;
    }
    // A header block cannot be withheld without desynchronising HPACK, so what §5.1 calls a stream
    // error here is answered as a connection error, which §5.4.1 allows.
    const ending = this.#ended.get(id);
    if (ending === 'client') {
      return { scope: 'connection', code: ErrorCode.STREAM_CLOSED, reason: `HEADERS on closed stream ${id}` };
    }
    if (ending === undefined && this.#inGap(id)) {
      return {
        scope: 'connection',
        code: ErrorCode.PROTOCOL_ERROR,
        reason: `stream ${id} opened after stream ${this.#lastClientStream}`,
      };
    }
    // Reset by the server (§5.1 asks to ignore what was in flight), or closed too long ago to judge.
    return undefined;
  }

  #data(h: FrameHeader): Violation | undefined {
    if (this.#streams.has(h.streamId)) {
      if (h.flags & END_STREAM) this.#clientEnded(h.streamId);
      return undefined;
    }
    // DATA after the client's own END_STREAM or RST_STREAM, on a stream nghttp2 has forgotten. It
    // cannot be withheld alone (it counts against the connection's window): a connection error.
    if (this.#ended.get(h.streamId) === 'client') {
      return {
        scope: 'connection',
        code: ErrorCode.STREAM_CLOSED,
        reason: `DATA on closed stream ${h.streamId}`,
      };
    }
    return undefined;
  }

  #windowUpdate(id: number, increment: number): Violation | 'drop' | undefined {
    if (id === 0 || increment === 0) return undefined;
    const stream = this.#streams.get(id);
    // After a reset, window updates still in flight mean nothing; Node may not have sent the
    // RST_STREAM yet (it waits for a write in progress), so they must not reach it either.
    if (stream === undefined) return this.#ended.get(id) === 'server-reset' ? 'drop' : undefined;
    if (!stream.serverOpen) return undefined;
    stream.granted += increment;
    if (this.#initialWindow + stream.granted - stream.sent <= MAX_WINDOW) return undefined;
    return {
      scope: 'stream',
      streamId: id,
      code: ErrorCode.FLOW_CONTROL_ERROR,
      reason: 'window above 2^31-1',
    };
  }

  #clientEnded(id: number): void {
    const stream = this.#streams.get(id);
    if (stream === undefined) return;
    stream.clientOpen = false;
    if (!stream.serverOpen) this.#forget(id, 'client');
  }

  #forget(id: number, ending: Ending): void {
    this.#streams.delete(id);
    this.#ended.delete(id);
    this.#ended.set(id, ending);
    if (this.#ended.size > REMEMBERED_CLOSED) this.#ended.delete(this.#ended.keys().next().value as number);
  }

  #rememberGap(from: number, to: number): void {
    this.#gaps.push([from, to]);
    if (this.#gaps.length > REMEMBERED_GAPS) this.#gaps.shift();
  }

  #inGap(id: number): boolean {
    for (const [from, to] of this.#gaps) if (id >= from && id <= to) return true;
    return false;
  }
}

/**
 * Frames one direction of a connection across arbitrary chunk boundaries. The client direction
 * (`inbound`) holds back at most a frame header and a 5-byte prefix until its verdict is known;
 * frames that pass are forwarded as slices of the chunk they came in, so a chunk of frames that
 * all pass is forwarded as it is.
 */
export class FrameGuard {
  readonly ledger = new StreamLedger();
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

  constructor(sink: GuardSink) {
    this.#sink = sink;
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

  /** Server bytes out: only read, never changed. */
  outbound(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
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
