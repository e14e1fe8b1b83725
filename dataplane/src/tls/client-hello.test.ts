import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import { type ConnectionOptions, connect } from 'node:tls';
import { MAX_RECORD_BODY, readClientHello } from './client-hello.ts';

/** The first bytes node:tls sends for `options`, captured from a socket that goes nowhere. */
async function captureHello(options: ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
        // The ClientHello is written at once; nothing answers it.
        setImmediate(() => tls.destroy());
        resolve(Buffer.concat(chunks));
      },
    });
    const tls = connect({ ...options, socket: wire, rejectUnauthorized: false });
    tls.on('error', (error) => {
      if (chunks.length === 0) reject(error);
    });
  });
}

/** A ClientHello record built field by field, for the cases node:tls never sends. */
function helloWith(extensions: Buffer, overrides: { session?: Buffer; suites?: Buffer } = {}): Buffer {
  const session = overrides.session ?? Buffer.from([0]);
  const suites = overrides.suites ?? Buffer.from([0, 2, 0x13, 0x01]);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32),
    session,
    suites,
    Buffer.from([1, 0]),
    u16(extensions.length),
    extensions,
  ]);
  const handshake = Buffer.concat([
    Buffer.from([1, body.length >> 16, (body.length >> 8) & 255, body.length & 255]),
    body,
  ]);
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(handshake.length), handshake]);
}

function u16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 255]);
}

function sni(...names: Array<[number, string | Buffer]>): Buffer {
  const list = Buffer.concat(
    names.map(([type, name]) => {
      const bytes = typeof name === 'string' ? Buffer.from(name, 'latin1') : name;
      return Buffer.concat([Buffer.from([type]), u16(bytes.length), bytes]);
    }),
  );
  const data = Buffer.concat([u16(list.length), list]);
  return Buffer.concat([u16(0), u16(data.length), data]);
}

describe('readClientHello', () => {
  it('reads the server name node:tls sends, in lower case, for TLS 1.2 and 1.3 hellos', async () => {
    for (const options of [
      { servername: 'Passthrough.Example.com' },
      { servername: 'passthrough.example.com', maxVersion: 'TLSv1.2' as const },
      { servername: 'passthrough.example.com', ALPNProtocols: ['h2', 'http/1.1'] },
    ]) {
      const hello = await captureHello(options);
      assert.deepEqual(readClientHello(hello), { kind: 'hello', serverName: 'passthrough.example.com' });
    }
  });

  it('a ClientHello without SNI has no server name', async () => {
    // node:tls sends no SNI for an IP address (RFC 6066 §3) or an empty servername.
    const hello = await captureHello({ servername: '' });
    assert.deepEqual(readClientHello(hello), { kind: 'hello', serverName: undefined });
    assert.deepEqual(readClientHello(helloWith(Buffer.alloc(0))), { kind: 'hello', serverName: undefined });
  });

  it('asks for more bytes until the whole first record is there, at every cut', async () => {
    const hello = await captureHello({ servername: 'a.example' });
    const total = 5 + hello.readUInt16BE(3);
    for (let cut = 0; cut < total; cut++) {
      const result = readClientHello(hello.subarray(0, cut));
      assert.equal(result.kind, 'partial', `cut at ${cut}`);
      if (cut >= 5) assert.deepEqual(result, { kind: 'partial', total });
    }
  });

  it('bytes that do not start a TLS handshake record are not TLS', () => {
    for (const text of ['GET / HTTP/1.1\r\n', 'PRI * HTTP/2.0', '\x80\x2e\x01\x00\x02', '\x16\x02\x00']) {
      assert.deepEqual(
        readClientHello(Buffer.from(text, 'latin1')),
        { kind: 'not-tls' },
        JSON.stringify(text),
      );
    }
  });

  it('refuses malformed hellos, never throwing', () => {
    const cases: Array<[string, Buffer]> = [
      ['empty record', Buffer.from([22, 3, 1, 0, 0])],
      ['oversized record', Buffer.from([22, 3, 1, 0x40, 0x01])],
      ['not a ClientHello', Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0])],
      ['handshake longer than the record', Buffer.from([22, 3, 1, 0, 4, 1, 0, 1, 0])],
      [
        'session id over 32',
        helloWith(Buffer.alloc(0), { session: Buffer.concat([Buffer.from([33]), Buffer.alloc(33)]) }),
      ],
      ['odd cipher suites', helloWith(Buffer.alloc(0), { suites: Buffer.from([0, 3, 0, 0, 0]) })],
      ['repeated extension', helloWith(Buffer.concat([sni([0, 'a.example']), sni([0, 'b.example'])]))],
      ['two host names', helloWith(sni([0, 'a.example'], [0, 'b.example']))],
      ['empty host name', helloWith(sni([0, '']))],
      ['host name with a NUL', helloWith(sni([0, 'a.example\0.evil']))],
      ['host name with a slash', helloWith(sni([0, 'a.example/x']))],
      ['host name not ASCII', helloWith(sni([0, Buffer.from('bücher.example')]))],
      ['host name too long', helloWith(sni([0, `${'a'.repeat(63)}.`.repeat(5)]))],
      ['only another name type', helloWith(sni([1, 'a.example']))],
      ['extension longer than the list', helloWith(Buffer.from([0, 0, 0, 9, 0]))],
    ];
    for (const [name, bytes] of cases) assert.equal(readClientHello(bytes).kind, 'invalid', name);
  });

  it('a name of another type beside the host name is ignored; a trailing dot is dropped', () => {
    assert.deepEqual(readClientHello(helloWith(sni([7, 'x'], [0, 'A.Example.']))), {
      kind: 'hello',
      serverName: 'a.example',
    });
  });

  it('random and truncated bytes after a handshake record header never throw', async () => {
    const hello = await captureHello({ servername: 'fuzz.example' });
    for (let i = 0; i < 2_000; i++) {
      const bytes = Buffer.from(hello);
      // Flip a few bytes past the record header, or cut the hello and fix up the record length.
      for (let f = 0; f < 1 + (i % 4); f++)
        bytes[(5 + (bytes.length - 5) * Math.random()) | 0] = randomBytes(1)[0];
      const cut = i % 3 === 0 ? bytes.subarray(0, 5 + (((bytes.length - 5) * Math.random()) | 0)) : bytes;
      if (i % 3 === 0) cut.writeUInt16BE(Math.max(1, cut.length - 5), 3);
      const result = readClientHello(cut);
      assert.ok(['hello', 'invalid', 'partial'].includes(result.kind));
      if (result.kind === 'hello' && result.serverName !== undefined)
        assert.match(result.serverName, /^[a-z0-9.-]+$/);
    }
    for (let i = 0; i < 500; i++) {
      const noise = Buffer.concat([Buffer.from([22, 3, 1]), u16(200), randomBytes(200)]);
      assert.ok(['hello', 'invalid'].includes(readClientHello(noise).kind));
    }
  });

  it('a full-size record is read; one byte more is refused', () => {
    const filler = MAX_RECORD_BODY - 4 - 2 - 32 - 1 - 4 - 2 - 2 - 4;
    const big = helloWith(Buffer.concat([u16(21), u16(filler), Buffer.alloc(filler)]));
    assert.equal(big.length, 5 + MAX_RECORD_BODY);
    assert.deepEqual(readClientHello(big), { kind: 'hello', serverName: undefined });
    const over = Buffer.from(big);
    over.writeUInt16BE(MAX_RECORD_BODY + 1, 3);
    assert.equal(readClientHello(over).kind, 'invalid');
  });
});
