import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newViaPseudonym, ViaMarker } from './loop.ts';

describe('loop detection: the Via entry of this installation', () => {
  const marker = new ViaMarker('gatehouse-0123456789abcdef');

  it('names the protocol the request was received in (RFC 9110 §7.6.3)', () => {
    assert.equal(marker.entry(1, 1), '1.1 gatehouse-0123456789abcdef');
    assert.equal(marker.entry(1, 0), '1.0 gatehouse-0123456789abcdef');
    assert.equal(marker.entry(2, 0), '2 gatehouse-0123456789abcdef');
  });

  const arrivals: Array<[string, string | string[] | undefined, boolean]> = [
    ['no Via at all', undefined, false],
    ['our own entry', '1.1 gatehouse-0123456789abcdef', true],
    ['our entry after a CDN', '1.1 cdn.example, 2 gatehouse-0123456789abcdef', true],
    ['our entry before another proxy (a loop through it)', '1.1 gatehouse-0123456789abcdef, 1.1 relay', true],
    ['our entry with a comment', '1.1 gatehouse-0123456789abcdef (Gatehouse)', true],
    ['our entry in a second Via field line', ['1.1 cdn', '1.1 gatehouse-0123456789abcdef'], true],
    ['another proxy only', '1.1 varnish, 1.1 cdn.example', false],
    ['a bare "gatehouse" (another installation, or nginx-style names)', '1.1 gatehouse', false],
    ['another Gatehouse installation', '1.1 gatehouse-fedcba9876543210', false],
    ['a prefix of our token only', '1.1 gatehouse-0123456789abcde', false],
  ];
  for (const [what, via, loop] of arrivals) {
    it(`${what}: ${loop ? 'a loop, answered 508' : 'forwarded'}`, () => {
      assert.equal(marker.seenIn(via), loop);
    });
  }

  it('each installation draws its own pseudonym, a valid Via token', () => {
    const a = newViaPseudonym();
    const b = newViaPseudonym();
    assert.notEqual(a, b);
    assert.match(a, /^gatehouse-[0-9a-f]{16}$/);
  });

  it('refuses a pseudonym that is not an HTTP token (it would break the Via field)', () => {
    assert.throws(() => new ViaMarker('gate house'));
    assert.throws(() => new ViaMarker(''));
  });
});
