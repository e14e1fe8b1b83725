// The worker's side of auth-url: nginx.tmpl's auth location (the headers the subrequest carries),
// template.go buildAuthSignURL (the signin redirect and its rd), and the answer cache.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AUTH_CACHE_ENTRIES,
  AuthCache,
  type AuthRequest,
  authCookieOn,
  escapeUri,
  signinLocation,
  subrequestHeaders,
} from './external.ts';

const request: AuthRequest = {
  method: 'POST',
  requestUri: '/app/x y?a=1&b=/c',
  scheme: 'https',
  host: 'app.test',
  clientAddress: '192.0.2.7',
  requestId: 'rid-1',
  headers: {
    host: 'app.test',
    authorization: 'Basic dXNlcjpwdw==',
    cookie: 'Session=s1; other=2',
    'content-length': '12',
    'x-forwarded-for': '10.9.9.9',
    'x-original-url': 'http://forged/',
    'x-custom': ['a', 'b'],
  },
};

function pairs(list: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i], list[i + 1]]);
  return out;
}

describe('the auth subrequest (nginx.tmpl auth location)', () => {
  test("carries the client's headers, without body framing, and the proxy's own ones replacing forged copies", () => {
    const headers = pairs(
      subrequestHeaders({ backend: 'b', path: '/verify', hostname: 'auth.ns:8080' }, request),
    );
    assert.deepEqual(headers, [
      ['authorization', 'Basic dXNlcjpwdw=='],
      ['cookie', 'Session=s1; other=2'],
      ['x-custom', 'a'],
      ['x-custom', 'b'],
      ['host', 'auth.ns:8080'],
      ['x-request-id', 'rid-1'],
      ['x-original-url', 'https://app.test/app/x y?a=1&b=/c'],
      ['x-original-method', 'POST'],
      ['x-sent-from', 'nginx-ingress-controller'],
      ['x-real-ip', '192.0.2.7'],
      ['x-forwarded-for', '192.0.2.7'],
      ['x-auth-request-redirect', '/app/x y?a=1&b=/c'],
    ]);
  });

  test('auth-method adds X-Original-URI and X-Scheme; auth-request-redirect replaces the request URI', () => {
    const headers = pairs(
      subrequestHeaders(
        { backend: 'b', path: '/', hostname: 'a', method: 'GET', requestRedirect: 'http://foo.test/r' },
        request,
      ),
    );
    assert.deepEqual(headers.slice(-3), [
      ['x-auth-request-redirect', 'http://foo.test/r'],
      ['x-original-uri', '/app/x y?a=1&b=/c'],
      ['x-scheme', 'https'],
    ]);
  });
});

describe('the signin redirect (template.go buildAuthSignURL)', () => {
  test('rd is $scheme://$http_host and the escaped request URI, after ? or &', () => {
    assert.equal(
      signinLocation('https://login.test/start', 'rd', request),
      'https://login.test/start?rd=https://app.test%2Fapp%2Fx%20y%3Fa%3D1%26b%3D%2Fc',
    );
    assert.equal(
      signinLocation('https://login.test/start?x=1', 'orig', request),
      'https://login.test/start?x=1&orig=https://app.test%2Fapp%2Fx%20y%3Fa%3D1%26b%3D%2Fc',
    );
  });

  test('a signin URL that already names the parameter is kept as written', () => {
    assert.equal(
      signinLocation('https://login.test/?rd=/home', 'rd', request),
      'https://login.test/?rd=/home',
    );
  });

  test('set_escape_uri escapes all but letters, digits and -._~', () => {
    assert.equal(escapeUri("/a-b_c.d~e!*'()"), '%2Fa-b_c.d~e%21%2A%27%28%29');
  });
});

test("the auth answer's Set-Cookie: nginx add_header's statuses, or every one with always", () => {
  for (const s of [200, 201, 204, 206, 301, 302, 303, 304, 307, 308])
    assert.equal(authCookieOn(s, false), true);
  for (const s of [400, 401, 404, 500, 502]) assert.equal(authCookieOn(s, false), false);
  assert.equal(authCookieOn(500, true), true);
});

describe('the answer cache', () => {
  const ok = { status: 200, headers: {} };
  test('a key of typed parts: the Basic user, a header, a cookie, the client address', () => {
    const cache = new AuthCache(
      [
        { variable: 'remote_user' },
        { header: 'x-custom' },
        { cookie: 'Session' },
        { variable: 'remote_addr' },
        { text: '!' },
      ],
      [{ statuses: [200], seconds: 60 }],
    );
    assert.equal(cache.keyOf(request), 'user\0a, b\0s1\u0000192.0.2.7\0!\0');
  });

  test('$http_host is the request host, also over HTTP/2 where it is :authority', () => {
    const cache = new AuthCache([{ header: 'host' }], [{ statuses: [200], seconds: 60 }]);
    const h2 = { ...request, host: 'h2.test', headers: { ':authority': 'h2.test' } };
    assert.equal(cache.keyOf(h2), 'h2.test\0');
  });

  test('kept for the duration of its status only; other statuses are not kept', () => {
    const cache = new AuthCache([{ variable: 'host' }], [{ statuses: [200, 401], seconds: 60 }]);
    cache.set('k', ok, 0);
    assert.equal(cache.get('k', 59_999), ok);
    assert.equal(cache.get('k', 60_000), undefined);
    cache.set('k5', { status: 500, headers: {} }, 0);
    assert.equal(cache.get('k5', 1), undefined);
  });

  test(`bounded: past ${AUTH_CACHE_ENTRIES} entries the least recently used goes first`, () => {
    const cache = new AuthCache([{ variable: 'host' }], [{ statuses: [200], seconds: 60 }]);
    for (let i = 0; i < AUTH_CACHE_ENTRIES; i++) cache.set(`k${i}`, ok, 0);
    assert.equal(cache.get('k0', 1), ok); // k0 is now the most recent
    cache.set('new', ok, 0);
    assert.equal(cache.size, AUTH_CACHE_ENTRIES);
    assert.equal(cache.get('k1', 1), undefined);
    assert.equal(cache.get('k0', 1), ok);
  });
});
