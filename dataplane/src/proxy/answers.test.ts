import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { answerRaw, isSafeLocation, redirectRaw } from './answers.ts';

/** What was written to a socket, as bytes read back in Latin-1, once the writer ended it. */
async function written(write: (socket: PassThrough) => void): Promise<string> {
  const socket = new PassThrough();
  write(socket);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk);
  return Buffer.concat(chunks).toString('latin1');
}

function headerLines(raw: string): string[] {
  return raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
}

describe('answers written straight to a socket', () => {
  test('a raw redirect has its status, one Location line, server: gatehouse, and closes', async () => {
    const raw = await written((s) => redirectRaw(s, 308, 'https://shop.example.com:8443/chat?room=1'));
    const lines = headerLines(raw);
    assert.equal(lines[0], 'HTTP/1.1 308 Permanent Redirect');
    assert.deepEqual(
      lines.filter((l) => /^location:/i.test(l)),
      ['location: https://shop.example.com:8443/chat?room=1'],
    );
    assert.ok(lines.includes('server: gatehouse'));
    assert.ok(lines.includes('connection: close'));
    assert.ok(raw.endsWith('\r\n\r\n308 Permanent Redirect\n'));
  });

  for (const location of [
    'https://a.example/x\r\nset-cookie: a=1',
    'https://a.example/\nx',
    'https://a.example/ x',
  ]) {
    test(`a Location that could split the header block is never written: ${JSON.stringify(location)}`, async () => {
      const raw = await written((s) => redirectRaw(s, 308, location));
      assert.match(raw, /^HTTP\/1\.1 400 /);
      assert.doesNotMatch(raw, /location|set-cookie/i);
    });
  }

  test('Latin-1 characters of a path go out as the single bytes they came in as', async () => {
    const raw = await written((s) => redirectRaw(s, 308, 'https://a.example/caf\u00e9'));
    assert.ok(headerLines(raw).includes('location: https://a.example/caf\u00e9'));
  });

  test('a raw answer has no Location', async () => {
    const raw = await written((s) => answerRaw(s, 404));
    assert.match(raw, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.doesNotMatch(raw, /location/i);
  });

  test('isSafeLocation refuses controls, space, DEL and characters beyond Latin-1', () => {
    const cases: Array<[string, boolean]> = [
      ['https://a.example/p?q=%0D%0A', true],
      ['https://a.example/caf\u00e9', true],
      ['https://a.example/\r', false],
      ['https://a.example/\t', false],
      ['https://a.example/ ', false],
      ['https://a.example/\u007f', false],
      ['https://a.example/\u0000', false],
      ['https://a.example/\u2028', false],
    ];
    for (const [value, safe] of cases) assert.equal(isSafeLocation(value), safe, JSON.stringify(value));
  });
});
