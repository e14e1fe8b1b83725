// The frame guard's verdicts (frame-guard.ts): what one connection's client frames mean for the
// streams they name, judged against what the server has sent. nghttp2 forgets a stream once it is
// closed, so frames sent on it afterwards are silently ignored; Node also closes the whole
// connection on an unsolicited PING ACK and on a stream's flow-control window overflowing. RFC 9113
// asks otherwise (§5.1, §5.1.1, §5.3.1, §6.3, §6.7, §6.9, §6.9.1), nginx does as it asks, and h2spec
// tells the difference (test/h2spec/).
//
// The ledger keeps just enough of each connection to decide: per live stream whether each side has
// finished, whether it was answered and its send window, plus bounded memory of recently closed
// stream ids. Everything it cannot judge with certainty passes to nghttp2 unchanged.
//
// It also keeps the connection's budgets (budgets.ts): streams reset before they were answered —
// by the client, or by the server because of the client (the server's RST_STREAMs are read here,
// whoever decided them: the guard or nghttp2) — and frames that carry no request. Exceeding one is
// a connection error ENHANCE_YOUR_CALM.

import { type Clock, ConnectionBudgets, ENHANCE_YOUR_CALM } from './budgets.ts';
import {
  ACK,
  CONTINUATION,
  DATA,
  END_STREAM,
  type FrameHeader,
  GOAWAY,
  HEADERS,
  PADDED,
  PING,
  PRIORITY,
  PUSH_PROMISE,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
} from './frames.ts';

/** RFC 9113 §7 error codes the guard answers with. */
export const ErrorCode = {
  PROTOCOL_ERROR: 0x1,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  ENHANCE_YOUR_CALM,
} as const;

/**
 * Codes of the server's own resets that do not charge the reset budget: NO_ERROR ends a stream
 * whose response is complete (§8.1), INTERNAL_ERROR and CANCEL are the proxy's (an upstream
 * failure, an abort). Every other code answers something the client sent.
 */
const NO_ERROR = 0x0;
const INTERNAL_ERROR = 0x2;
const CANCEL = 0x8;

export type Violation =
  /** Reset this stream; the connection lives on. */
  | { scope: 'stream'; streamId: number; code: number; reason: string }
  /** Close the connection (GOAWAY). */
  | { scope: 'connection'; code: number; reason: string };

const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_INITIAL_WINDOW = 65_535;
/** Closed stream ids remembered per connection (nghttp2 keeps a similar bounded set). */
const REMEMBERED_CLOSED = 256;
/** Gaps in the client's stream ids remembered per connection. */
const REMEMBERED_GAPS = 64;

interface Stream {
  clientOpen: boolean;
  serverOpen: boolean;
  /** The server sent response HEADERS: a reset from now on is a client changing its mind, not a rapid reset. */
  answered: boolean;
  /** Σ WINDOW_UPDATE increments the client granted on this stream. */
  granted: number;
  /** Σ DATA payload the server sent on it. */
  sent: number;
}

/** How a stream that is gone ended, for judging frames that still arrive on it. */
type Ending = 'client' | 'server-reset';

/** A DATA frame with no data that does not end its stream (padding does not count, RFC 9113 §6.1). */
function emptyData(h: FrameHeader, prefix: Buffer, at: number): boolean {
  if (h.flags & END_STREAM) return false;
  if (h.length === 0) return true;
  return (h.flags & PADDED) !== 0 && prefix[at] === h.length - 1;
}

function calm(reason: string | undefined): Violation | undefined {
  return reason === undefined ? undefined : { scope: 'connection', code: ENHANCE_YOUR_CALM, reason };
}

/** The per-connection record of streams: pure bookkeeping and verdicts, no I/O. */
export class StreamLedger {
  readonly budgets: ConnectionBudgets;
  readonly #streams = new Map<number, Stream>();
  readonly #ended = new Map<number, Ending>();
  readonly #gaps: Array<[number, number]> = [];
  #lastClientStream = 0;
  #initialWindow = DEFAULT_INITIAL_WINDOW;
  /** The connection's send window: Σ the client's grants on stream 0, Σ DATA the server sent. */
  #connectionGranted = 0;
  #connectionSent = 0;

  constructor(clock?: Clock) {
    this.budgets = new ConnectionBudgets(clock);
  }

  /** The verdict on one client frame: undefined passes it, 'drop' swallows it. */
  inbound(h: FrameHeader, prefix: Buffer, at: number): Violation | 'drop' | undefined {
    const budgets = this.budgets;
    switch (h.type) {
      case HEADERS:
        return (
          calm(budgets.payloadFrame(h.length === 0 && (h.flags & END_STREAM) === 0)) ??
          calm(budgets.headerBlock(false)) ??
          this.#headers(h)
        );
      case CONTINUATION:
        return calm(budgets.payloadFrame(h.length === 0)) ?? calm(budgets.headerBlock(true));
      case DATA:
        return calm(budgets.payloadFrame(emptyData(h, prefix, at))) ?? this.#data(h);
      case RST_STREAM:
        return this.#clientReset(h.streamId);
      case PRIORITY:
        if (h.streamId === 0) {
          return { scope: 'connection', code: ErrorCode.PROTOCOL_ERROR, reason: 'PRIORITY on stream 0' };
        }
        if (h.length === 5 && (prefix.readUInt32BE(at) & 0x7fff_ffff) === h.streamId) {
          const reason = 'stream depends on itself';
          // A stream not open (idle, or closed) has nothing to reset: §5.4.1 lets a stream error
          // be answered as a connection error instead.
          return this.#streams.has(h.streamId)
            ? { scope: 'stream', streamId: h.streamId, code: ErrorCode.PROTOCOL_ERROR, reason }
            : { scope: 'connection', code: ErrorCode.PROTOCOL_ERROR, reason };
        }
        return calm(budgets.priority());
      case SETTINGS:
        return h.flags & ACK ? undefined : calm(budgets.controlFrame());
      case PING:
        // Gatehouse never sends a PING, so every ACK is unsolicited: ignored, as §6.7 requires
        // (Node would close the connection). Malformed ones still go to nghttp2 to be refused.
        return (
          calm(budgets.controlFrame()) ??
          (h.flags & ACK && h.streamId === 0 && h.length === 8 ? 'drop' : undefined)
        );
      case WINDOW_UPDATE:
        if (h.length !== 4) return undefined;
        return (
          calm(budgets.windowUpdate()) ??
          this.#windowUpdate(h.streamId, prefix.readUInt32BE(at) & 0x7fff_ffff)
        );
      case PUSH_PROMISE:
      case GOAWAY:
        return undefined;
      default:
        // Unknown types are ignored (§5.5), which costs as much as any other frame.
        return calm(budgets.controlFrame());
    }
  }

  /** A SETTINGS_INITIAL_WINDOW_SIZE from the client; values nghttp2 refuses change nothing here. */
  initialWindow(value: number): void {
    if (value <= MAX_WINDOW) this.#initialWindow = value;
  }

  /** One frame the server sent (a RST_STREAM goes to serverReset instead, with its code). */
  outbound(h: FrameHeader): void {
    if (h.type === DATA) {
      this.budgets.dataFrameSent();
      this.#connectionSent += h.length;
    }
    const stream = this.#streams.get(h.streamId);
    if (stream === undefined) return;
    if (h.type === DATA) stream.sent += h.length;
    else if (h.type === HEADERS) stream.answered = true;
    if ((h.type === DATA || h.type === HEADERS) && h.flags & END_STREAM) {
      stream.serverOpen = false;
      this.budgets.streamAnswered();
      if (!stream.clientOpen) this.#forget(h.streamId, 'client');
    }
  }

  /**
   * The server reset a stream. A reset answering the client's misbehaviour (a stream error of
   * nghttp2's or this guard's, a refused stream, oversized headers) charges the reset budget:
   * a client that provokes them is doing a rapid reset by other means (MadeYouReset).
   */
  serverReset(streamId: number, code: number): Violation | undefined {
    if (this.#streams.has(streamId)) this.#forget(streamId, 'server-reset');
    // Crossed with the client's own RST_STREAM, which was charged already (or was a cancel).
    else if (this.#ended.get(streamId) === 'client') return undefined;
    if (code === NO_ERROR || code === INTERNAL_ERROR || code === CANCEL) return undefined;
    return calm(this.budgets.reset());
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
        answered: false,
        granted: 0,
        sent: 0,
      });
      this.budgets.streamOpened();
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

  /** RST_STREAM from the client: a stream it had not been answered on yet charges the reset budget. */
  #clientReset(id: number): Violation | undefined {
    const stream = this.#streams.get(id);
    // On a closed stream (a race with the server's END_STREAM) or an idle one (nghttp2 refuses it).
    if (stream === undefined) return calm(this.budgets.controlFrame());
    this.#forget(id, 'client');
    return stream.answered ? undefined : calm(this.budgets.reset());
  }

  #windowUpdate(id: number, increment: number): Violation | 'drop' | undefined {
    // nghttp2 answers the connection's window errors with a GOAWAY that can be lost when it tears
    // the session down with responses in flight: answered here instead (§6.9, §6.9.1).
    if (id === 0) {
      if (increment === 0) {
        return {
          scope: 'connection',
          code: ErrorCode.PROTOCOL_ERROR,
          reason: 'WINDOW_UPDATE of 0 on the connection',
        };
      }
      this.#connectionGranted += increment;
      if (DEFAULT_INITIAL_WINDOW + this.#connectionGranted - this.#connectionSent <= MAX_WINDOW)
        return undefined;
      return {
        scope: 'connection',
        code: ErrorCode.FLOW_CONTROL_ERROR,
        reason: 'connection window above 2^31-1',
      };
    }
    const stream = this.#streams.get(id);
    // After a reset, window updates still in flight mean nothing; Node may not have sent the
    // RST_STREAM yet (it waits for a write in progress), so they must not reach it either.
    if (stream === undefined) return this.#ended.get(id) === 'server-reset' ? 'drop' : undefined;
    // nghttp2 would make this stream error a connection error; §6.9 asks for a stream error.
    if (increment === 0) {
      return { scope: 'stream', streamId: id, code: ErrorCode.PROTOCOL_ERROR, reason: 'WINDOW_UPDATE of 0' };
    }
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
