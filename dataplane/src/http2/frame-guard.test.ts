import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Flag,
  FrameType,
  frame,
  PREFACE,
  priority,
  rstStream,
  settings,
  windowUpdate,
} from '../../../test/lib/h2-frames.ts';
import { RESET_BURST } from './budgets.ts';
import { ErrorCode, FrameGuard, type Violation } from './frame-guard.ts';

const T = FrameType;
const { END_STREAM, END_HEADERS, PADDED } = Flag;
const CALM = `connection:${ErrorCode.ENHANCE_YOUR_CALM}`;

/** A header block's bytes do not matter to the guard: any payload stands for one. */
const headers = (id: number, flags: number = END_HEADERS) => frame(T.HEADERS, flags, id, Buffer.from([0x82]));
const data = (id: number, flags = 0, size = 4) => frame(T.DATA, flags, id, Buffer.alloc(size, 0x61));
const rst = (id: number, code = 0x8) => rstStream(id, code);
const ping = (flags: number, length = 8) => frame(T.PING, flags, 0, Buffer.alloc(length));

interface Run {
  forwarded: Buffer;
  slices: number;
  violations: Violation[];
  guard: FrameGuard;
}

/** A clock that stands still unless a test moves it: budgets refill only when told. */
const stillClock = () => 0;

/** Feeds `chunks` of client bytes (the preface first), with `server` frames sent before chunk i. */
function run(chunks: Buffer[], server: Map<number, Buffer[]> = new Map()): Run {
  const out: Buffer[] = [];
  const violations: Violation[] = [];
  const guard = new FrameGuard(
    {
      forward: (b) => out.push(Buffer.from(b)),
      violation: (v) => violations.push(v),
    },
    stillClock,
  );
  guard.inbound(PREFACE);
  chunks.forEach((chunk, i) => {
    for (const f of server.get(i) ?? []) guard.outbound(f);
    guard.inbound(chunk);
  });
  return { forwarded: Buffer.concat(out), slices: out.length, violations, guard };
}

/** The same bytes, one byte per chunk: the verdicts must not depend on where chunks split. */
function byteByByte(frames: Buffer[]): Run {
  const bytes = Buffer.concat(frames);
  return run([...bytes].map((b) => Buffer.from([b])));
}

type Step = ['client' | 'server', Buffer];

/** Plays client and server frames in the order given; the violations reported (on the next tick too). */
function converse(steps: Step[]): Violation[] {
  const violations: Violation[] = [];
  const guard = new FrameGuard({ forward: () => {}, violation: (v) => violations.push(v) }, stillClock);
  guard.inbound(PREFACE);
  for (const [side, bytes] of steps) {
    if (side === 'client') guard.inbound(bytes);
    else guard.outbound(bytes);
  }
  return violations;
}

const codesOf = (violations: Violation[]) => violations.map((v) => `${v.scope}:${v.code}`);
const codes = (r: Run) => codesOf(r.violations);

describe('FrameGuard', () => {
  test('a chunk of frames that all pass is forwarded as one unchanged slice', () => {
    const chunk = Buffer.concat([
      settings([[4, 1000]]),
      headers(1),
      data(1, END_STREAM),
      ping(0),
      windowUpdate(0, 10),
    ]);
    const r = run([chunk]);
    assert.equal(r.slices, 2, 'the preface and the chunk');
    assert.deepEqual(r.forwarded, Buffer.concat([PREFACE, chunk]));
    assert.deepEqual(r.violations, []);
  });

  test('frames split anywhere are forwarded byte for byte as when whole', () => {
    const frames = [
      settings([[4, 1000]]),
      headers(1),
      data(1, 0, 300),
      ping(1),
      data(1, END_STREAM),
      ping(0),
    ];
    const whole = run([Buffer.concat(frames)]);
    const split = byteByByte(frames);
    assert.deepEqual(split.forwarded, whole.forwarded);
    assert.deepEqual(split.violations, whole.violations);
  });

  test('an unsolicited PING ACK is dropped (§6.7); a PING and a malformed PING ACK pass to nghttp2', () => {
    for (const r of [
      run([Buffer.concat([ping(1), ping(0), ping(1, 7)])]),
      byteByByte([ping(1), ping(0), ping(1, 7)]),
    ]) {
      assert.deepEqual(r.forwarded, Buffer.concat([PREFACE, ping(0), ping(1, 7)]));
      assert.deepEqual(r.violations, []);
    }
  });

  test('PRIORITY on stream 0 is a connection error and nothing after it passes (§6.3)', () => {
    const r = run([Buffer.concat([headers(1), priority(0, 1), headers(3)]), headers(5)]);
    assert.deepEqual(codes(r), [`connection:${ErrorCode.PROTOCOL_ERROR}`]);
    assert.deepEqual(r.forwarded, Buffer.concat([PREFACE, headers(1)]));
  });

  test('a stream depending on itself is a stream error; the frame is withheld and later ones pass (§5.3.1)', () => {
    for (const r of [
      run([Buffer.concat([headers(1), priority(1, 1), ping(0)])]),
      byteByByte([headers(1), priority(1, 1), ping(0)]),
    ]) {
      assert.deepEqual(r.violations, [
        { scope: 'stream', streamId: 1, code: ErrorCode.PROTOCOL_ERROR, reason: 'stream depends on itself' },
      ]);
      assert.deepEqual(r.forwarded, Buffer.concat([PREFACE, headers(1), ping(0)]));
    }
    assert.deepEqual(run([Buffer.concat([headers(1), priority(1, 3)])]).violations, []);
  });

  test('trailers on an open stream pass; HEADERS on a stream both sides closed is STREAM_CLOSED (§5.1)', () => {
    const open = run([Buffer.concat([headers(1), data(1), headers(1, END_HEADERS | END_STREAM)])]);
    assert.deepEqual(open.violations, []);
    const closed = run(
      [headers(1, END_HEADERS | END_STREAM), headers(1)],
      new Map([[1, [data(1, END_STREAM)]]]),
    );
    assert.deepEqual(codes(closed), [`connection:${ErrorCode.STREAM_CLOSED}`]);
    // While the server still answers, nghttp2 knows the stream and answers itself.
    const answering = run([headers(1, END_HEADERS | END_STREAM), headers(1)]);
    assert.deepEqual(answering.violations, []);
  });

  test('DATA or HEADERS after the client reset its stream is STREAM_CLOSED; after the server reset it, ignored', () => {
    for (const late of [data(1), headers(1)]) {
      const byClient = run([Buffer.concat([headers(1), rst(1), late])]);
      assert.deepEqual(codes(byClient), [`connection:${ErrorCode.STREAM_CLOSED}`]);
      const byServer = run([headers(1), late], new Map([[1, [rst(1)]]]));
      assert.deepEqual(byServer.violations, [], 'frames in flight after our RST_STREAM are ignored (§5.1)');
      assert.deepEqual(byServer.forwarded, Buffer.concat([PREFACE, headers(1), late]));
    }
  });

  test('a new stream numbered below the last one is PROTOCOL_ERROR (§5.1.1)', () => {
    const r = run([
      Buffer.concat([headers(5, END_HEADERS | END_STREAM), headers(3, END_HEADERS | END_STREAM)]),
    ]);
    assert.deepEqual(codes(r), [`connection:${ErrorCode.PROTOCOL_ERROR}`]);
    assert.deepEqual(run([Buffer.concat([headers(1), headers(3), headers(5)])]).violations, []);
  });

  test('a stream window above 2^31-1 is FLOW_CONTROL_ERROR on that stream; updates after it are dropped (§6.9.1)', () => {
    const max = 2 ** 31 - 1;
    const fits = run([Buffer.concat([headers(1), windowUpdate(1, max - 65_535)])]);
    assert.deepEqual(fits.violations, []);
    const over = run([Buffer.concat([headers(1), windowUpdate(1, max), windowUpdate(1, max), ping(0)])]);
    assert.deepEqual(codes(over), [`stream:${ErrorCode.FLOW_CONTROL_ERROR}`]);
    assert.deepEqual(over.forwarded, Buffer.concat([PREFACE, headers(1), ping(0)]));
    // DATA the server sent takes room from the window, so the same grant then fits.
    const afterData = run(
      [headers(1), windowUpdate(1, max - 65_535 + 100)],
      new Map([[1, [data(1, 0, 100)]]]),
    );
    assert.deepEqual(afterData.violations, []);
  });

  test("the client's SETTINGS_INITIAL_WINDOW_SIZE counts, even split across chunks", () => {
    const frames = [settings([[4, 2 ** 31 - 1]]), headers(1), windowUpdate(1, 1)];
    assert.deepEqual(codes(byteByByte(frames)), [`stream:${ErrorCode.FLOW_CONTROL_ERROR}`]);
    assert.deepEqual(
      run([Buffer.concat([settings([[4, 1]]), headers(1), windowUpdate(1, 2 ** 31 - 2)])]).violations,
      [],
    );
  });

  test('memory stays bounded over many streams on one connection', () => {
    const r = run([]);
    for (let id = 1; id < 20_000; id += 2) {
      r.guard.inbound(headers(id, END_HEADERS | END_STREAM));
      r.guard.outbound(data(id, END_STREAM));
    }
    assert.ok(r.guard.ledger.size <= 256, `${r.guard.ledger.size} streams remembered`);
    assert.deepEqual(r.violations, []);
  });

  test('WINDOW_UPDATE of 0: on a stream a stream error PROTOCOL_ERROR, on the connection a connection error (§6.9)', () => {
    const onStream = run([Buffer.concat([headers(1), windowUpdate(1, 0), ping(0)])]);
    assert.deepEqual(onStream.violations, [
      { scope: 'stream', streamId: 1, code: ErrorCode.PROTOCOL_ERROR, reason: 'WINDOW_UPDATE of 0' },
    ]);
    assert.deepEqual(
      onStream.forwarded,
      Buffer.concat([PREFACE, headers(1), ping(0)]),
      'withheld from nghttp2',
    );
    const onConnection = byteByByte([headers(1), windowUpdate(0, 0), ping(0)]);
    assert.deepEqual(codes(onConnection), [`connection:${ErrorCode.PROTOCOL_ERROR}`]);
    assert.deepEqual(onConnection.forwarded, Buffer.concat([PREFACE, headers(1)]));
  });

  test('a connection window above 2^31-1 is a connection FLOW_CONTROL_ERROR; DATA the server sent makes room (§6.9.1)', () => {
    const max = 2 ** 31 - 1;
    const fits = run([Buffer.concat([windowUpdate(0, max - 65_535), windowUpdate(0, 1)])], new Map());
    assert.deepEqual(codes(fits), [`connection:${ErrorCode.FLOW_CONTROL_ERROR}`]);
    const afterData = run(
      [headers(1), Buffer.concat([windowUpdate(0, max - 65_535), windowUpdate(0, 100)])],
      new Map([[1, [data(1, 0, 100)]]]),
    );
    assert.deepEqual(afterData.violations, []);
  });

  test(`a client may reset ${RESET_BURST} streams before they are answered; the next is ENHANCE_YOUR_CALM`, () => {
    const frames: Buffer[] = [];
    for (let i = 0; i <= RESET_BURST; i++)
      frames.push(headers(2 * i + 1, END_HEADERS | END_STREAM), rst(2 * i + 1));
    const r = run([Buffer.concat(frames), ping(0)]);
    assert.deepEqual(codes(r), [CALM]);
    const last = 2 * RESET_BURST + 1;
    assert.ok(r.forwarded.includes(headers(last, END_HEADERS | END_STREAM)), 'the HEADERS before it passed');
    assert.ok(!r.forwarded.includes(rst(last)), 'the reset over budget and all after it are withheld');
    assert.ok(!r.forwarded.includes(ping(0)));
  });

  test('resets of answered streams are free, and every answered stream earns a reset back', () => {
    // 1 000 streams, each answered (response HEADERS) and then cancelled by the client.
    const answered: Step[] = [];
    for (let id = 1; id < 2_000; id += 2) {
      answered.push(
        ['client', headers(id, END_HEADERS | END_STREAM)],
        ['server', headers(id)],
        ['client', rst(id)],
      );
    }
    assert.deepEqual(converse(answered), []);
    // 2 000 streams: every other one cancelled before any answer, the others answered in full.
    const mixed: Step[] = [];
    for (let id = 1; id < 4_000; id += 2) {
      mixed.push(['client', headers(id, END_HEADERS | END_STREAM)]);
      mixed.push(id % 4 === 1 ? ['server', headers(id, END_HEADERS | END_STREAM)] : ['client', rst(id)]);
    }
    assert.deepEqual(converse(mixed), []);
  });

  test("the server's resets for the client's faults share the budget (MadeYouReset); its own cancels and errors do not", () => {
    const violations: Violation[] = [];
    const guard = new FrameGuard({ forward: () => {}, violation: (v) => violations.push(v) }, stillClock);
    guard.inbound(PREFACE);
    for (let i = 0; i < RESET_BURST; i++) {
      guard.inbound(headers(2 * i + 1));
      // Split across writes, as Node may hand them over.
      const reset = rst(2 * i + 1, ErrorCode.PROTOCOL_ERROR);
      guard.outbound(reset.subarray(0, 11));
      guard.outbound(reset.subarray(11));
    }
    for (const code of [0x0, 0x2, 0x8]) {
      guard.inbound(headers(2 * RESET_BURST + 1 + code * 2));
      guard.outbound(rst(2 * RESET_BURST + 1 + code * 2, code));
    }
    assert.deepEqual(violations, [], 'NO_ERROR, INTERNAL_ERROR and CANCEL are the proxy speaking');
    guard.outbound(rst(1_001, ErrorCode.STREAM_CLOSED));
    assert.deepEqual(violations, [], 'reported on the next tick, outside the session write');
    return new Promise<void>((resolve) =>
      process.nextTick(() => {
        assert.deepEqual(codesOf(violations), [CALM]);
        resolve();
      }),
    );
  });

  test("a server reset crossing the client's own reset of the same stream is charged once", () => {
    const violations: Violation[] = [];
    const guard = new FrameGuard({ forward: () => {}, violation: (v) => violations.push(v) }, stillClock);
    guard.inbound(PREFACE);
    for (let i = 0; i < RESET_BURST; i++) {
      guard.inbound(Buffer.concat([headers(2 * i + 1), rst(2 * i + 1)]));
      guard.outbound(rst(2 * i + 1, ErrorCode.PROTOCOL_ERROR));
    }
    return new Promise<void>((resolve) =>
      process.nextTick(() => {
        assert.deepEqual(violations, []);
        resolve();
      }),
    );
  });

  test('floods of frames that carry no request are ENHANCE_YOUR_CALM; the same frames in proportion to real traffic are not', () => {
    const flood = (f: Buffer, n = 1_000) => codes(run([Buffer.concat(Array.from({ length: n }, () => f))]));
    assert.deepEqual(flood(windowUpdate(0, 1)), [CALM], 'WINDOW_UPDATE');
    assert.deepEqual(flood(ping(0)), [CALM], 'PING');
    assert.deepEqual(flood(ping(1)), [CALM], 'PING ACK');
    assert.deepEqual(flood(settings([])), [CALM], 'SETTINGS');
    assert.deepEqual(flood(priority(3, 0), 20_000), [CALM], 'PRIORITY');
    assert.deepEqual(flood(frame(0x42, 0, 0)), [CALM], 'unknown type');
    assert.deepEqual(
      codes(run([Buffer.concat([headers(1), ...Array.from({ length: 1_000 }, () => rst(1))])])),
      [CALM],
    );
    const empties = Array.from({ length: 20 }, () => data(1, 0, 0));
    assert.deepEqual(codes(run([Buffer.concat([headers(1), ...empties])])), [CALM], 'empty DATA');
    const padded = frame(T.DATA, PADDED, 1, Buffer.from([3, 0, 0, 0]));
    assert.deepEqual(
      codes(byteByByte([headers(1), ...Array.from({ length: 20 }, () => padded)])),
      [CALM],
      'padding only',
    );
    const continuations = Array.from({ length: 9 }, () => frame(T.CONTINUATION, 0, 1, Buffer.from([0x82])));
    assert.deepEqual(codes(run([Buffer.concat([headers(1, 0), ...continuations])])), [CALM], 'CONTINUATION');
    // A download: the client grants window after each DATA frame, stream and connection.
    const download = new Map<number, Buffer[]>();
    const grants: Buffer[] = [headers(1)];
    for (let i = 0; i < 5_000; i++) {
      download.set(grants.length, [data(1, 0, 1)]);
      grants.push(Buffer.concat([windowUpdate(1, 1), windowUpdate(0, 1), ping(0)]));
    }
    assert.deepEqual(run(grants, download).violations, []);
    // Empty frames between frames with data, and a header block of 8 CONTINUATIONs, are allowed.
    const mixed = [
      headers(1),
      ...Array.from({ length: 50 }, () => Buffer.concat([data(1, 0, 0), data(1, 0, 1)])),
    ];
    assert.deepEqual(run([Buffer.concat(mixed)]).violations, []);
    assert.deepEqual(run([Buffer.concat([headers(1, 0), ...continuations.slice(1)])]).violations, []);
  });

  test('PRIORITY depending on itself on a stream that is not open is a connection error (§5.3.1, §5.4.1)', () => {
    assert.deepEqual(codes(run([priority(7, 7)])), [`connection:${ErrorCode.PROTOCOL_ERROR}`]);
  });
});
