import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { switchesToOffered } from './upgrade-protocols.ts';

describe('a 101 switches only to a protocol the client offered (RFC 9110 §7.8)', () => {
  const cases: Array<[string, string | undefined, string | string[] | undefined, boolean]> = [
    ['the protocol asked for', 'websocket', 'websocket', true],
    ['names compare case-insensitively', 'websocket', 'WebSocket', true],
    ['one of several offered', 'foo/2, websocket', 'websocket', true],
    ['a version offered', 'echo-raw/1', 'echo-raw/1', true],
    ['a protocol not offered', 'websocket', 'h2c', false],
    ['another version of the one offered', 'echo-raw/1', 'echo-raw/2', false],
    ['no Upgrade field in the 101', 'websocket', undefined, false],
    ['an empty Upgrade field in the 101', 'websocket', ' , ', false],
    ['layers listed in order, all offered', 'a, b', ['a', 'b'], true],
    ['one layer not offered', 'a', 'a, b', false],
  ];
  for (const [rule, requested, answered, ok] of cases) {
    it(`${rule}: ${ok ? 'tunnelled' : 'refused'}`, () => {
      assert.equal(switchesToOffered(requested, answered), ok);
    });
  }
});
