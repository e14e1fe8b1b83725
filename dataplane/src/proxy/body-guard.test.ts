import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import {
  BODY_TOO_LARGE,
  type BodyError,
  CLIENT_BODY_TIMEOUT,
  CLIENT_BODY_TOO_SLOW,
  GuardedBody,
} from './body-guard.ts';
import { bodyPace } from './body-pace.ts';

/** Polls `check` until it holds; fails after a generous deadline (never a timing assertion). */
async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The owner's side: what it was told. */
function owner(): { told: BodyError[]; bodyExpired(error: BodyError): void } {
  const told: BodyError[] = [];
  return { told, bodyExpired: (error) => told.push(error) };
}

async function readAll(body: GuardedBody): Promise<string> {
  let text = '';
  for await (const chunk of body) text += chunk;
  return text;
}

describe('the request-body stage', () => {
  it('passes the body through whole, and its timer ends with it', async () => {
    const source = new PassThrough();
    const told = owner();
    const body = new GuardedBody(source, told, bodyPace(50, 1024, 50), Number.POSITIVE_INFINITY);
    source.write('a body ');
    source.end('in two pieces');
    assert.equal(await readAll(body), 'a body in two pieces');
    assert.equal(body.bytes, 20);
    // Well past both rules: a finished body is never judged.
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(told.told, []);
  });

  it('a body of unknown length over the limit fails with BODY_TOO_LARGE and the rest is drained', async () => {
    const source = new PassThrough();
    const body = new GuardedBody(source, owner(), bodyPace(60_000, 0, 0), 10);
    const failed = once(body, 'error');
    body.resume();
    source.write('0123456789');
    source.write('!');
    const [error] = (await failed) as [BodyError];
    assert.equal(error.code, BODY_TOO_LARGE);
    // Read on and dropped, so that the 413 reaches a connection that stays usable.
    source.end('more of it');
    await once(source, 'end');
  });

  it('no byte for the idle timeout: the owner is told, the body fails, the rest is left unread', async () => {
    const source = new PassThrough();
    const told = owner();
    const body = new GuardedBody(source, told, bodyPace(100, 0, 0), Number.POSITIVE_INFINITY);
    body.resume();
    source.write('a start');
    await waitFor('the owner to be told', () => told.told.length === 1);
    assert.equal(told.told[0].code, CLIENT_BODY_TIMEOUT);
    assert.equal(body.destroyed, true);
    assert.equal(source.isPaused(), true);
  });

  it('a drip below the minimum rate after the grace: the owner is told it is too slow', async () => {
    const source = new PassThrough();
    const told = owner();
    const body = new GuardedBody(source, told, bodyPace(60_000, 1024, 100), Number.POSITIVE_INFINITY);
    body.resume();
    const drip = setInterval(() => source.write('d'), 10);
    try {
      await waitFor('the owner to be told', () => told.told.length === 1);
    } finally {
      clearInterval(drip);
    }
    assert.equal(told.told[0].code, CLIENT_BODY_TOO_SLOW);
  });

  it('time the upstream holds the body back is not the client’s: no timeout while held', async () => {
    const source = new PassThrough();
    const told = owner();
    const body = new GuardedBody(source, told, bodyPace(50, 0, 0), Number.POSITIVE_INFINITY);
    // Reading starts, then nothing is consumed: the stage's buffer fills and it stops reading.
    body.read(0);
    source.write(Buffer.alloc(256 * 1024));
    await waitFor('the source to be paused', () => source.isPaused());
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(told.told.length, 0, 'held back for six idle timeouts, never timed out');
    // Consumed again, the client owes bytes: now it can time out.
    body.resume();
    await waitFor('the owner to be told', () => told.told.length === 1);
    assert.equal(told.told[0].code, CLIENT_BODY_TIMEOUT);
  });

  it('undici letting go of a body still coming: it is read on and dropped, still timed', async () => {
    const source = new PassThrough();
    const told = owner();
    const body = new GuardedBody(source, told, bodyPace(100, 0, 0), Number.POSITIVE_INFINITY);
    body.resume();
    source.write('the start');
    body.destroy();
    source.write('the rest, dropped');
    await waitFor('the dropped bytes to be counted', () => body.bytes === 26);
    await waitFor('the owner to be told of the stalled rest', () => told.told.length === 1);
    assert.equal(told.told[0].code, CLIENT_BODY_TIMEOUT);
  });

  it('a source closed before its end (the client left) closes the body, with no timeout after', async () => {
    const source = new PassThrough();
    const told = owner();
    const body = new GuardedBody(source, told, bodyPace(50, 0, 0), Number.POSITIVE_INFINITY);
    body.resume();
    source.write('half');
    source.destroy();
    await once(body, 'close');
    assert.equal(body.readableEnded, false);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(told.told, []);
  });
});

describe('the body tap (mirrored copies)', () => {
  /** A tap that records what it was told. */
  function recorder(): { seen: string[]; chunk(c: Buffer): void; end(): void; cut(): void } {
    const seen: string[] = [];
    return {
      seen,
      chunk: (c) => seen.push(c.toString()),
      end: () => seen.push('<end>'),
      cut: () => seen.push('<cut>'),
    };
  }

  it('gets every chunk as it is read, then the end', async () => {
    const source = new PassThrough();
    const body = new GuardedBody(source, owner(), bodyPace(60_000, 0, 0), Number.POSITIVE_INFINITY);
    const tap = recorder();
    body.tap = tap;
    source.write('one ');
    source.end('two');
    assert.equal(await readAll(body), 'one two');
    assert.deepEqual(tap.seen, ['one ', 'two', '<end>']);
  });

  it('keeps getting the body after undici let go of it, so a copy stays whole', async () => {
    const source = new PassThrough();
    const body = new GuardedBody(source, owner(), bodyPace(60_000, 0, 0), Number.POSITIVE_INFINITY);
    const tap = recorder();
    body.tap = tap;
    body.destroy(new Error('upstream failed'));
    source.end('all of it');
    await once(source, 'end');
    await waitFor('the end', () => tap.seen.includes('<end>'));
    assert.deepEqual(tap.seen, ['all of it', '<end>']);
  });

  it('is cut when the client leaves mid-body', async () => {
    const source = new PassThrough();
    const body = new GuardedBody(source, owner(), bodyPace(60_000, 0, 0), Number.POSITIVE_INFINITY);
    const tap = recorder();
    body.tap = tap;
    body.resume();
    source.write('part');
    await waitFor('the first chunk', () => tap.seen.length === 1);
    source.destroy();
    await waitFor('the cut', () => tap.seen.includes('<cut>'));
    assert.deepEqual(tap.seen, ['part', '<cut>']);
  });

  it('is cut, and told nothing more, when the body grows past the route limit', async () => {
    const source = new PassThrough();
    const body = new GuardedBody(source, owner(), bodyPace(60_000, 0, 0), 10);
    const tap = recorder();
    body.tap = tap;
    const failed = once(body, 'error');
    body.resume();
    source.write('0123456789');
    source.write('!');
    await failed;
    source.end('more');
    await once(source, 'end');
    assert.deepEqual(tap.seen, ['0123456789', '<cut>']);
  });

  it('is cut when the body runs out of time', async () => {
    const source = new PassThrough();
    const body = new GuardedBody(source, owner(), bodyPace(100, 0, 0), Number.POSITIVE_INFINITY);
    const tap = recorder();
    body.tap = tap;
    body.resume();
    source.write('slow');
    await waitFor('the cut', () => tap.seen.includes('<cut>'));
    assert.deepEqual(tap.seen, ['slow', '<cut>']);
  });
});
