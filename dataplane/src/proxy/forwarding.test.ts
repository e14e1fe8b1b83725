import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { describe, it } from 'node:test';
import { clientView, downstreamHeaders, relayedHeaders, upstreamHeaders } from './forwarding.ts';

const listener = { proto: 'http' as const, port: '8080' };
const trusted = new BlockList();
trusted.addSubnet('10.0.0.0', 8, 'ipv4');

describe('forwarding headers', () => {
  it('an untrusted peer is the client: its X-Forwarded-* claims are ignored', () => {
    const v = clientView(
      { host: 'a.com', 'x-forwarded-for': '1.1.1.1', 'x-forwarded-proto': 'https' },
      '192.0.2.7',
      listener,
      trusted,
    );
    assert.equal(v.address, '192.0.2.7');
    assert.equal(v.forwardedFor, '192.0.2.7');
    assert.equal(v.proto, 'http');
    assert.equal(v.host, 'a.com');
  });

  it('a trusted proxy extends X-Forwarded-For and the client is the last untrusted hop', () => {
    const v = clientView(
      {
        host: 'a.com',
        'x-forwarded-for': '198.51.100.1, 203.0.113.9, 10.1.1.1',
        'x-forwarded-proto': 'https',
      },
      '10.0.0.5',
      listener,
      trusted,
    );
    assert.equal(v.address, '203.0.113.9');
    assert.equal(v.forwardedFor, '198.51.100.1, 203.0.113.9, 10.1.1.1, 10.0.0.5');
    assert.equal(v.proto, 'https');
  });

  it('an IPv4-mapped IPv6 peer is matched against IPv4 CIDRs', () => {
    const v = clientView({ 'x-forwarded-for': '203.0.113.9' }, '::ffff:10.0.0.5', listener, trusted);
    assert.equal(v.address, '203.0.113.9');
  });

  it('keeps a well-formed X-Request-ID and replaces a malformed one', () => {
    assert.equal(
      clientView({ 'x-request-id': 'abc-1' }, '192.0.2.1', listener, undefined).requestId,
      'abc-1',
    );
    const replaced = clientView({ 'x-request-id': 'bad id\r\n' }, '192.0.2.1', listener, undefined).requestId;
    assert.match(replaced, /^[0-9a-f-]{36}$/);
  });

  it('drops hop-by-hop headers, those named by Connection, and client forwarding headers', () => {
    const raw = [
      'Host',
      'a.com',
      'Connection',
      'keep-alive, X-Drop',
      'X-Drop',
      '1',
      'Keep-Alive',
      'timeout=5',
      'TE',
      'trailers',
      'X-Forwarded-For',
      'spoof',
      'Accept',
      '*/*',
    ];
    const view = clientView({ host: 'a.com' }, '192.0.2.1', listener, undefined);
    const out = upstreamHeaders(raw, 'keep-alive, X-Drop', view);
    const names = out.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    assert.deepEqual(names.slice(0, 2), ['host', 'accept']);
    assert.ok(!names.includes('x-drop') && !names.includes('keep-alive') && !names.includes('te'));
    assert.equal(out[out.indexOf('x-forwarded-for') + 1], '192.0.2.1');
  });

  it('response hop-by-hop headers are removed before the client sees them', () => {
    const h = downstreamHeaders({
      connection: 'close, x-internal',
      'x-internal': '1',
      'transfer-encoding': 'chunked',
      'x-ok': '1',
    });
    assert.deepEqual(Object.keys(h), ['x-ok']);
  });

  it('relayed response headers are a flat list without hop-by-hop ones, repeated values kept whole', () => {
    const upstream = {
      connection: 'keep-alive, x-internal',
      'keep-alive': 'timeout=5',
      'x-internal': '1',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': '5',
      'transfer-encoding': undefined,
      upgrade: 'h2c',
    };
    assert.deepEqual(relayedHeaders(upstream), ['set-cookie', ['a=1', 'b=2'], 'content-length', '5']);
    // The upstream's object is left as it was (no delete on the hot path).
    assert.equal(upstream['x-internal'], '1');
  });
});
