import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CONTINUATIONS_PER_BLOCK,
  ConnectionBudgets,
  EMPTY_FRAMES_IN_A_ROW,
  FRAME_ALLOWANCE,
  PRIORITY_PER_STREAM,
  RESET_BURST,
  RESET_REFILL_PER_SECOND,
  WINDOW_UPDATES_PER_DATA_FRAME,
} from './budgets.ts';

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** How many times `spend` succeeds before it reports an exceeded budget (bounded). */
function allowance(spend: () => string | undefined, max = 100_000): number {
  for (let n = 0; n < max; n++) if (spend() !== undefined) return n;
  return max;
}

describe('ConnectionBudgets', () => {
  test(`a connection may reset ${RESET_BURST} unanswered streams at once, not one more`, () => {
    const clock = fakeClock();
    const b = new ConnectionBudgets(clock.now);
    assert.equal(
      allowance(() => b.reset()),
      RESET_BURST,
    );
    assert.equal(b.reset(), 'too many streams reset before they were answered');
  });

  test(`resets are earned back at ${RESET_REFILL_PER_SECOND} a second, never beyond the burst`, () => {
    const clock = fakeClock();
    const b = new ConnectionBudgets(clock.now);
    allowance(() => b.reset());
    clock.advance(1_000);
    assert.equal(
      allowance(() => b.reset()),
      RESET_REFILL_PER_SECOND,
    );
    clock.advance(3_600_000);
    assert.equal(
      allowance(() => b.reset()),
      RESET_BURST,
      'an idle hour refills the burst, no more',
    );
  });

  test('each answered stream earns one reset back: a client that completes as many as it cancels goes on', () => {
    const clock = fakeClock();
    const b = new ConnectionBudgets(clock.now);
    allowance(() => b.reset());
    for (let i = 0; i < 10_000; i++) {
      b.streamAnswered();
      assert.equal(b.reset(), undefined, `cancel ${i} after an answer`);
    }
    assert.notEqual(b.reset(), undefined, 'but never a cancel ahead of the answers');
  });

  test('WINDOW_UPDATEs: a base allowance, 2 per stream, 20 per DATA frame sent (Envoy: 1 + 2 × (streams + 10 × DATA))', () => {
    const idle = new ConnectionBudgets();
    assert.equal(
      allowance(() => idle.windowUpdate()),
      FRAME_ALLOWANCE,
    );
    const busy = new ConnectionBudgets();
    for (let i = 0; i < 10; i++) busy.streamOpened();
    for (let i = 0; i < 50; i++) busy.dataFrameSent();
    assert.equal(
      allowance(() => busy.windowUpdate()),
      FRAME_ALLOWANCE + 2 * (10 + WINDOW_UPDATES_PER_DATA_FRAME * 50),
    );
  });

  test(`PRIORITY: ${PRIORITY_PER_STREAM} per stream opened, beyond the base allowance`, () => {
    const b = new ConnectionBudgets();
    b.streamOpened();
    b.streamOpened();
    assert.equal(
      allowance(() => b.priority()),
      FRAME_ALLOWANCE + 2 * PRIORITY_PER_STREAM,
    );
  });

  test('PING, SETTINGS and other control frames: the base allowance, growing with streams and DATA', () => {
    const idle = new ConnectionBudgets();
    assert.equal(
      allowance(() => idle.controlFrame()),
      FRAME_ALLOWANCE,
    );
    const busy = new ConnectionBudgets();
    busy.streamOpened();
    busy.dataFrameSent();
    assert.equal(
      allowance(() => busy.controlFrame()),
      FRAME_ALLOWANCE + 4,
      'two more per stream and per DATA frame',
    );
  });

  test(`empty frames: ${EMPTY_FRAMES_IN_A_ROW} in a row are let through; a frame with a payload starts the count again`, () => {
    const b = new ConnectionBudgets();
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < EMPTY_FRAMES_IN_A_ROW; i++) assert.equal(b.payloadFrame(true), undefined);
      assert.equal(b.payloadFrame(false), undefined);
    }
    for (let i = 0; i < EMPTY_FRAMES_IN_A_ROW; i++) b.payloadFrame(true);
    assert.equal(b.payloadFrame(true), 'empty frame flood');
  });

  test(`a header block takes ${CONTINUATIONS_PER_BLOCK} CONTINUATION frames; the next block starts afresh`, () => {
    const b = new ConnectionBudgets();
    for (let block = 0; block < 3; block++) {
      assert.equal(b.headerBlock(false), undefined);
      assert.equal(
        allowance(() => b.headerBlock(true), 1_000),
        CONTINUATIONS_PER_BLOCK,
      );
    }
  });
});
