import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatIPv6, MAX_HEADER_BYTES, parseProxyHeader, V1_MAX_BYTES } from './header.ts';

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A v2 header: signature, version/command, family/transport, length, then `body`. */
function v2(verCmd: number, famProto: number, body: Buffer, declared = body.length): Buffer {
  const head = Buffer.alloc(4);
  head[0] = verCmd;
  head[1] = famProto;
  head.writeUInt16BE(declared, 2);
  return Buffer.concat([SIGNATURE, head, body]);
}

function tcp4Body(src: number[], dst: number[], sport: number, dport: number): Buffer {
  const b = Buffer.alloc(12);
  b.set(src, 0);
  b.set(dst, 4);
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return b;
}

function tcp6Body(src: number[], dst: number[], sport: number, dport: number): Buffer {
  const b = Buffer.alloc(36);
  b.set(src, 0);
  b.set(dst, 16);
  b.writeUInt16BE(sport, 32);
  b.writeUInt16BE(dport, 34);
  return b;
}

/** 16 bytes of an IPv6 address from its 8 groups. */
function groups(...g: number[]): number[] {
  return g.flatMap((x) => [x >> 8, x & 0xff]);
}

const ascii = (s: string) => Buffer.from(s, 'latin1');

describe('PROXY protocol v1 (text)', () => {
  test('TCP4 names the source address and ports; the header length excludes what follows', () => {
    const bytes = ascii('PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\nGET / HTTP/1.1\r\n');
    const h = parseProxyHeader(bytes);
    assert.equal(h.kind, 'header');
    assert.equal(h.length, 'PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n'.length);
    assert.deepEqual(h.proxied, {
      family: 'IPv4',
      source: '192.0.2.7',
      sourcePort: 56324,
      destination: '198.51.100.1',
      destinationPort: 443,
    });
  });

  test('TCP6 names an IPv6 source, in lower case', () => {
    const h = parseProxyHeader(ascii('PROXY TCP6 2001:DB8::7 2001:db8::1 40000 80\r\n'));
    assert.equal(h.kind, 'header');
    assert.equal(h.proxied?.family, 'IPv6');
    assert.equal(h.proxied?.source, '2001:db8::7');
    assert.equal(h.proxied?.sourcePort, 40000);
  });

  test('UNKNOWN keeps the real peer, whatever follows it on the line', () => {
    const line = 'PROXY UNKNOWN ffff:f...f:ffff 65535 65535\r\n';
    const h = parseProxyHeader(ascii(`${line}rest`));
    assert.deepEqual(h, { kind: 'header', length: line.length, proxied: undefined });
    assert.equal(parseProxyHeader(ascii('PROXY UNKNOWN\r\n')).kind, 'header');
  });

  test('the longest header the spec allows (107 bytes) is read', () => {
    const line = `PROXY UNKNOWN ${'x'.repeat(V1_MAX_BYTES - 'PROXY UNKNOWN \r\n'.length)}\r\n`;
    assert.equal(line.length, V1_MAX_BYTES);
    assert.equal(parseProxyHeader(ascii(line)).kind, 'header');
  });

  test('a line reaching 107 bytes without its CRLF is refused, not waited on', () => {
    const h = parseProxyHeader(ascii(`PROXY UNKNOWN ${'x'.repeat(200)}`));
    assert.equal(h.kind, 'invalid');
  });

  const invalid: Array<[string, string]> = [
    ['a line ended by LF alone', 'PROXY TCP4 192.0.2.7 198.51.100.1 1 2\n'],
    ['an UNKNOWN line ended by LF alone', 'PROXY UNKNOWN x\n'],
    ['an unknown protocol', 'PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n'],
    ['TCP4 with an IPv6 address', 'PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n'],
    ['TCP6 with an IPv4 address', 'PROXY TCP6 192.0.2.7 2001:db8::1 1 2\r\n'],
    ['an address with leading zeros', 'PROXY TCP4 192.0.2.07 198.51.100.1 1 2\r\n'],
    ['an IPv6 zone', 'PROXY TCP6 fe80::1%eth0 2001:db8::1 1 2\r\n'],
    ['a port above 65535', 'PROXY TCP4 192.0.2.7 198.51.100.1 65536 2\r\n'],
    ['a port with a leading zero', 'PROXY TCP4 192.0.2.7 198.51.100.1 080 2\r\n'],
    ['a missing port', 'PROXY TCP4 192.0.2.7 198.51.100.1 1\r\n'],
    ['an extra field', 'PROXY TCP4 192.0.2.7 198.51.100.1 1 2 3\r\n'],
    ['doubled spaces', 'PROXY TCP4  192.0.2.7 198.51.100.1 1 2\r\n'],
    ['lower-case keyword', 'proxy TCP4 192.0.2.7 198.51.100.1 1 2\r\n'],
    ['a request instead of a header', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a TLS ClientHello instead of a header', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
  ];
  for (const [what, text] of invalid) {
    test(`refused: ${what}`, () => {
      assert.equal(parseProxyHeader(ascii(text)).kind, 'invalid');
    });
  }

  test('a header split anywhere asks for more bytes until it is whole', () => {
    const line = ascii('PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n');
    for (let cut = 0; cut < line.length; cut++) {
      assert.equal(parseProxyHeader(line.subarray(0, cut)).kind, 'more', `cut at ${cut}`);
    }
    assert.equal(parseProxyHeader(line).kind, 'header');
  });
});

describe('PROXY protocol v2 (binary)', () => {
  test('PROXY over TCP4 names the source address and ports', () => {
    const bytes = v2(0x21, 0x11, tcp4Body([192, 0, 2, 7], [198, 51, 100, 1], 56324, 443));
    const h = parseProxyHeader(Buffer.concat([bytes, ascii('\x16\x03\x01')]));
    assert.equal(h.kind, 'header');
    assert.equal(h.length, 16 + 12);
    assert.deepEqual(h.proxied, {
      family: 'IPv4',
      source: '192.0.2.7',
      sourcePort: 56324,
      destination: '198.51.100.1',
      destinationPort: 443,
    });
  });

  test('PROXY over TCP6 names the source in RFC 5952 form', () => {
    const src = groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7);
    const dst = groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
    const h = parseProxyHeader(v2(0x21, 0x21, tcp6Body(src, dst, 40000, 80)));
    assert.equal(h.kind, 'header');
    assert.equal(h.length, 16 + 36);
    assert.equal(h.proxied?.family, 'IPv6');
    assert.equal(h.proxied?.source, '2001:db8::7');
    assert.equal(h.proxied?.destination, '2001:db8::1');
    assert.equal(h.proxied?.sourcePort, 40000);
  });

  test('TLVs after the addresses are skipped within the declared length', () => {
    // PP2_TYPE_AUTHORITY "a.test", then PP2_TYPE_NOOP with 3 bytes of padding.
    const tlvs = Buffer.concat([ascii('\x02\x00\x06a.test'), ascii('\x04\x00\x03\x00\x00\x00')]);
    const body = Buffer.concat([tcp4Body([192, 0, 2, 7], [198, 51, 100, 1], 1, 2), tlvs]);
    const h = parseProxyHeader(Buffer.concat([v2(0x21, 0x11, body), ascii('GET')]));
    assert.equal(h.kind, 'header');
    assert.equal(h.length, 16 + body.length);
    assert.equal(h.proxied?.source, '192.0.2.7');
  });

  test('LOCAL keeps the real peer (a balancer health check), whatever the address block holds', () => {
    assert.deepEqual(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0))), {
      kind: 'header',
      length: 16,
      proxied: undefined,
    });
    const withBlock = v2(0x20, 0x11, tcp4Body([192, 0, 2, 7], [198, 51, 100, 1], 1, 2));
    assert.deepEqual(parseProxyHeader(withBlock), { kind: 'header', length: 28, proxied: undefined });
  });

  const keepsPeer: Array<[string, number, number]> = [
    ['UNSPEC family', 0x00, 0],
    ['UNIX stream', 0x31, 216],
    ['UDP over IPv4', 0x12, 12],
    ['IPv4 with an unspecified transport', 0x10, 12],
  ];
  for (const [what, famProto, length] of keepsPeer) {
    test(`PROXY with ${what} keeps the real peer`, () => {
      const h = parseProxyHeader(v2(0x21, famProto, Buffer.alloc(length)));
      assert.deepEqual(h, { kind: 'header', length: 16 + length, proxied: undefined });
    });
  }

  const invalid: Array<[string, Buffer]> = [
    ['version 1 in the binary form', v2(0x11, 0x11, Buffer.alloc(12))],
    ['an unknown command', v2(0x22, 0x11, Buffer.alloc(12))],
    ['a TCP4 address block shorter than 12 bytes', v2(0x21, 0x11, Buffer.alloc(8))],
    ['a TCP6 address block shorter than 36 bytes', v2(0x21, 0x21, Buffer.alloc(12))],
    ['a broken signature', Buffer.concat([ascii('\r\n\r\n\x00\r\nQUIX\n'), Buffer.alloc(4)])],
  ];
  for (const [what, bytes] of invalid) {
    test(`refused: ${what}`, () => {
      assert.equal(parseProxyHeader(bytes).kind, 'invalid');
    });
  }

  test(`a declared length past ${MAX_HEADER_BYTES} bytes in all is refused before its bytes arrive`, () => {
    const big = v2(0x21, 0x11, Buffer.alloc(0), MAX_HEADER_BYTES - 16 + 1);
    assert.equal(parseProxyHeader(big).kind, 'invalid');
    const fits = v2(0x21, 0x11, Buffer.alloc(0), MAX_HEADER_BYTES - 16);
    assert.equal(parseProxyHeader(fits).kind, 'more');
    const whole = v2(0x21, 0x11, Buffer.alloc(MAX_HEADER_BYTES - 16));
    assert.equal(parseProxyHeader(whole).kind, 'header');
  });

  test('a header split anywhere asks for more bytes until it is whole', () => {
    const tlv = ascii('\x04\x00\x02\x00\x00');
    const bytes = v2(0x21, 0x11, Buffer.concat([tcp4Body([192, 0, 2, 7], [198, 51, 100, 1], 1, 2), tlv]));
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.equal(parseProxyHeader(bytes.subarray(0, cut)).kind, 'more', `cut at ${cut}`);
    }
    assert.equal(parseProxyHeader(bytes).kind, 'header');
  });
});

describe('IPv6 addresses as RFC 5952 writes them', () => {
  const cases: Array<[number[], string]> = [
    [groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), '2001:db8::1'],
    [groups(0, 0, 0, 0, 0, 0, 0, 1), '::1'],
    [groups(0, 0, 0, 0, 0, 0, 0, 0), '::'],
    [groups(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1), '2001:db8:0:1::1'],
    [groups(0x2001, 0, 0, 1, 0, 0, 0, 1), '2001:0:0:1::1'],
    [groups(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), '2001:db8:0:1:1:1:1:1'],
    [groups(0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0), 'fe80::abcd:0:0:0'],
    [groups(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0207), '::ffff:192.0.2.7'],
  ];
  for (const [bytes, text] of cases) {
    test(text, () => assert.equal(formatIPv6(Buffer.from(bytes), 0), text));
  }
});
