// HTTP/2 frames written by hand for tests (RFC 9113 §4.1): what no well-behaved client library
// would send. Pure encoders, shared by the frame guard's unit tests and the raw client of the
// integration tests (test/integration/h2-frames.ts).

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

/** The client connection preface (RFC 9113 §3.4). */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

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
