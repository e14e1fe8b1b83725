import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { Debouncer } from './debounce.ts';

describe('Debouncer', () => {
  test('a burst of triggers fires once, wait ms after the last one', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const fired = mock.fn();
    const debouncer = new Debouncer(100, 1000, fired);
    for (let i = 0; i < 5; i++) {
      debouncer.trigger();
      t.mock.timers.tick(50);
    }
    assert.equal(fired.mock.callCount(), 0);
    t.mock.timers.tick(49);
    assert.equal(fired.mock.callCount(), 0);
    t.mock.timers.tick(1);
    assert.equal(fired.mock.callCount(), 1);
  });

  test('a continuous stream still fires every maxWait ms', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const fired = mock.fn();
    const debouncer = new Debouncer(100, 1000, fired);
    for (let elapsed = 0; elapsed < 3000; elapsed += 50) {
      debouncer.trigger();
      t.mock.timers.tick(50);
    }
    assert.equal(fired.mock.callCount(), 3);
  });

  test('cancel drops a pending fire', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const fired = mock.fn();
    const debouncer = new Debouncer(100, 1000, fired);
    debouncer.trigger();
    debouncer.cancel();
    t.mock.timers.tick(2000);
    assert.equal(fired.mock.callCount(), 0);
  });
});
