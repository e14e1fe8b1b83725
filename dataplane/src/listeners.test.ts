import assert from 'node:assert/strict';
import type { Http2ServerRequest } from 'node:http2';
import { test } from 'node:test';
import { asHttp1View, statusForClientError } from './listeners.ts';

function h2Request(headers: Record<string, string | string[]>): Http2ServerRequest {
  return { headers: { ...headers } } as unknown as Http2ServerRequest;
}

test(':authority becomes Host and pseudo-headers leave the forwarded list', () => {
  const req = h2Request({
    ':method': 'GET',
    ':path': '/a?b=c',
    ':scheme': 'https',
    ':authority': 'shop.example.com',
    accept: 'text/html',
    cookie: 'a=1; b=2',
  });
  asHttp1View(req);
  assert.equal(req.headers.host, 'shop.example.com');
  assert.deepEqual(req.rawHeaders, ['accept', 'text/html', 'cookie', 'a=1; b=2', 'host', 'shop.example.com']);
});

test('a Host field the client sent is kept; repeated fields stay repeated', () => {
  const req = h2Request({ ':authority': 'a.test', host: 'b.test', 'x-tag': ['1', '2'] });
  asHttp1View(req);
  assert.equal(req.headers.host, 'b.test');
  assert.deepEqual(req.rawHeaders, ['host', 'b.test', 'x-tag', '1', 'x-tag', '2']);
});

test('a request with neither :authority nor Host gets an empty Host, which is refused later', () => {
  const req = h2Request({ ':method': 'GET', ':path': '/', ':scheme': 'https' });
  asHttp1View(req);
  assert.equal(req.headers.host, '');
  assert.deepEqual(req.rawHeaders, ['host', '']);
});

test('parse errors map to 431 for oversized headers, 408 for timeouts, else 400', () => {
  const cases: Array<[string | undefined, number]> = [
    ['HPE_HEADER_OVERFLOW', 431],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['ERR_HTTP_HEADERS_TIMEOUT', 408],
    ['HPE_INVALID_HEADER_TOKEN', 400],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400],
    [undefined, 400],
  ];
  for (const [code, status] of cases) assert.equal(statusForClientError(code), status, String(code));
});
