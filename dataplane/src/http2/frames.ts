// HTTP/2 framing as the frame guard reads it (RFC 9113 §4.1, §6): frame types and flags, the
// 9-byte frame header, and how much of a payload a verdict needs to see.

export const FRAME_HEADER = 9;

export const DATA = 0x0;
export const HEADERS = 0x1;
export const PRIORITY = 0x2;
export const RST_STREAM = 0x3;
export const SETTINGS = 0x4;
export const PUSH_PROMISE = 0x5;
export const PING = 0x6;
export const GOAWAY = 0x7;
export const WINDOW_UPDATE = 0x8;
export const CONTINUATION = 0x9;

export const END_STREAM = 0x1;
export const ACK = 0x1;
export const PADDED = 0x8;

export const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;

/** Frame header fields, read from 9 bytes (RFC 9113 §4.1). */
export interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

export function readHeader(bytes: Buffer, at: number): FrameHeader {
  return {
    length: bytes.readUIntBE(at, 3),
    type: bytes[at + 3],
    flags: bytes[at + 4],
    streamId: bytes.readUInt32BE(at + 5) & 0x7fff_ffff,
  };
}

/** Payload bytes the verdict on a frame needs before any of it is handed on (at most 5). */
export function prefixLength(h: FrameHeader): number {
  if (h.type === PRIORITY && h.length === 5) return 5;
  if (h.type === WINDOW_UPDATE && h.length === 4) return 4;
  // A padded DATA frame's pad length: a frame of padding only is as empty as one of length 0.
  if (h.type === DATA && h.flags & PADDED && h.length > 0) return 1;
  return 0;
}
