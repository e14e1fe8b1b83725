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

  it('drops hop-by-hop headers and client forwarding headers', () => {
    const raw = [
      'Host',
      'a.com',
      'Connection',
      'keep-alive',
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
    const out = upstreamHeaders(raw, view);
    const names = out.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    assert.deepEqual(names.slice(0, 2), ['host', 'accept']);
    assert.ok(!names.includes('keep-alive') && !names.includes('te') && !names.includes('connection'));
    assert.equal(out[out.indexOf('x-forwarded-for') + 1], '192.0.2.1');
  });

  // nginx's rule, not RFC 9110 §7.6.1's: a name listed in Connection removes nothing (issue #25).
  it('a client listing Host, framing or trace headers in Connection removes none of them', () => {
    const raw = [
      'Host',
      'a.com',
      'Connection',
      'close, host, content-length, traceparent, x-request-id, x-forwarded-for, cookie',
      'Content-Length',
      '3',
      'traceparent',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'Cookie',
      'a=1',
    ];
    const view = clientView({ host: 'a.com', 'x-request-id': 'r-1' }, '192.0.2.1', listener, undefined);
    const out = upstreamHeaders(raw, view);
    const value = (name: string) => {
      const at = out.findIndex((n, i) => i % 2 === 0 && n.toLowerCase() === name);
      return at === -1 ? undefined : out[at + 1];
    };
    assert.equal(value('host'), 'a.com');
    assert.equal(value('content-length'), '3');
    assert.equal(value('traceparent'), '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.equal(value('cookie'), 'a=1');
    assert.equal(value('x-request-id'), 'r-1');
    assert.equal(value('x-forwarded-for'), '192.0.2.1');
    assert.equal(value('connection'), undefined);
  });

  it('response hop-by-hop headers are removed before the client sees them', () => {
    const h = downstreamHeaders({
      connection: 'close',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'x-ok': '1',
    });
    assert.deepEqual(Object.keys(h), ['x-ok']);
  });

  it("a backend listing end-to-end headers in Connection does not strip the client's framing or cookies", () => {
    const upstream = () => ({
      connection: 'close, content-length, content-type, set-cookie, x-internal',
      'content-length': '5',
      'content-type': 'text/plain',
      'set-cookie': ['a=1'],
      'x-internal': '1',
    });
    assert.deepEqual(relayedHeaders(upstream()), [
      'content-length',
      '5',
      'content-type',
      'text/plain',
      'set-cookie',
      ['a=1'],
      'x-internal',
      '1',
    ]);
    assert.deepEqual(Object.keys(downstreamHeaders(upstream())), [
      'content-length',
      'content-type',
      'set-cookie',
      'x-internal',
    ]);
  });

  it('relayed response headers are a flat list without hop-by-hop ones, repeated values kept whole', () => {
    const upstream = {
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': '5',
      'transfer-encoding': undefined,
      upgrade: 'h2c',
    };
    assert.deepEqual(relayedHeaders(upstream), ['set-cookie', ['a=1', 'b=2'], 'content-length', '5']);
    // The upstream's object is left as it was (no delete on the hot path).
    assert.equal(upstream['keep-alive'], 'timeout=5');
  });
});
