// What one HTTP/2 connection may make the server do for nothing, counted by the frame guard
// (frame-guard.ts) and answered with GOAWAY ENHANCE_YOUR_CALM once exceeded (RFC 9113 §5.4.1, §7):
// - streams reset before they were answered, whether the client reset them (rapid reset,
//   CVE-2023-44487) or made the server reset them with a stream error (MadeYouReset,
//   CVE-2025-8671): both end a stream the server began to work on, so they share one budget;
// - frames that carry no request: WINDOW_UPDATE, PRIORITY, PING, SETTINGS, RST_STREAM on streams
//   that are not open, unknown frame types, empty DATA and CONTINUATION (the CVE-2019-9511…9518
//   floods). Their allowances grow with the streams and DATA the connection carries, Envoy's way
//   (`max_inbound_window_update_frames_per_data_frame_sent`, `max_inbound_priority_frames_per_stream`),
//   so a busy legitimate client never runs out of them.
// Pure counting: no I/O; the clock is passed in.

/** RFC 9113 §7. */
export const ENHANCE_YOUR_CALM = 0xb;

/**
 * Resets a connection may spend at once: as many as the streams it may have open
 * (SETTINGS_MAX_CONCURRENT_STREAMS, tls/options.ts), so a browser cancelling everything it has in
 * flight when its user navigates away is never cut off. nghttp2's default bucket (1 000 at once,
 * then 33 a second, ended with INTERNAL_ERROR) is kept far above this as a backstop (tls/options.ts).
 */
export const RESET_BURST = 128;
/**
 * Resets earned back per second (about nghttp2's default rate), so a client whose every call times
 * out before its answer (a gRPC deadline shorter than the upstream) goes on at that pace; and one
 * per stream answered in full, so a client that completes as many as it cancels never runs out:
 * an attacker gets at most one premature reset per request it lets finish (Envoy closes at 50 %).
 */
export const RESET_REFILL_PER_SECOND = 32;
/** Frames of each flood-limited kind allowed before the connection has carried anything. */
export const FRAME_ALLOWANCE = 100;
/** WINDOW_UPDATE frames allowed per DATA frame the server sent (Envoy's default: 10). */
export const WINDOW_UPDATES_PER_DATA_FRAME = 10;
/** PRIORITY frames allowed per stream opened (Envoy's default: 100). */
export const PRIORITY_PER_STREAM = 100;
/** Empty DATA or CONTINUATION frames in a row (Node refuses 100 per connection with INTERNAL_ERROR). */
export const EMPTY_FRAMES_IN_A_ROW = 10;
/** CONTINUATION frames one header block may take (nghttp2 ≥ 1.61 refuses a ninth with INTERNAL_ERROR). */
export const CONTINUATIONS_PER_BLOCK = 8;

/** A budget exceeded: why, for the log line beside the GOAWAY. Undefined: within budget. */
export type Exceeded = string | undefined;

/** A monotonic clock in milliseconds. */
export type Clock = () => number;
const monotonic: Clock = () => performance.now();

/** One connection's counters; every method is a few integer operations (frames are the hot path). */
export class ConnectionBudgets {
  readonly #now: Clock;
  #resetTokens = RESET_BURST;
  /** When the reset tokens were last brought up to date; NaN until the first reset. */
  #refilledAt = Number.NaN;
  #streams = 0;
  #dataFramesSent = 0;
  #windowUpdates = 0;
  #priorities = 0;
  #control = 0;
  #emptyInARow = 0;
  #continuations = 0;

  constructor(now: Clock = monotonic) {
    this.#now = now;
  }

  /** The client opened a stream (a HEADERS frame on a new id). */
  streamOpened(): void {
    this.#streams++;
  }

  /** The server sent a DATA frame: room for the WINDOW_UPDATEs (and PINGs) it calls for. */
  dataFrameSent(): void {
    this.#dataFramesSent++;
  }

  /** The server finished a stream's response: one reset earned back, up to the burst. */
  streamAnswered(): void {
    if (this.#resetTokens < RESET_BURST) this.#resetTokens++;
  }

  /** A stream reset before the server answered it, by the client or provoked by it. */
  reset(): Exceeded {
    const now = this.#now();
    if (!Number.isNaN(this.#refilledAt)) {
      this.#resetTokens = Math.min(
        RESET_BURST,
        this.#resetTokens + ((now - this.#refilledAt) * RESET_REFILL_PER_SECOND) / 1000,
      );
    }
    this.#refilledAt = now;
    if (this.#resetTokens < 1) return 'too many streams reset before they were answered';
    this.#resetTokens--;
    return undefined;
  }

  windowUpdate(): Exceeded {
    const allowed =
      FRAME_ALLOWANCE + 2 * (this.#streams + WINDOW_UPDATES_PER_DATA_FRAME * this.#dataFramesSent);
    return ++this.#windowUpdates > allowed ? 'WINDOW_UPDATE flood' : undefined;
  }

  priority(): Exceeded {
    const allowed = FRAME_ALLOWANCE + PRIORITY_PER_STREAM * this.#streams;
    return ++this.#priorities > allowed ? 'PRIORITY flood' : undefined;
  }

  /** PING, SETTINGS, RST_STREAM on a stream not open, an unknown frame type. */
  controlFrame(): Exceeded {
    const allowed = FRAME_ALLOWANCE + 2 * (this.#streams + this.#dataFramesSent);
    return ++this.#control > allowed ? 'control frame flood' : undefined;
  }

  /** A DATA, HEADERS or CONTINUATION frame: empty ones (no END_STREAM) may not follow each other without end. */
  payloadFrame(empty: boolean): Exceeded {
    if (!empty) {
      this.#emptyInARow = 0;
      return undefined;
    }
    return ++this.#emptyInARow > EMPTY_FRAMES_IN_A_ROW ? 'empty frame flood' : undefined;
  }

  /** A header block starts (HEADERS without END_HEADERS) or goes on (CONTINUATION). */
  headerBlock(continuation: boolean): Exceeded {
    if (!continuation) {
      this.#continuations = 0;
      return undefined;
    }
    return ++this.#continuations > CONTINUATIONS_PER_BLOCK ? 'CONTINUATION flood' : undefined;
  }
}
