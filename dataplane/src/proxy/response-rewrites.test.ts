// nginx ngx_http_proxy_module: proxy_redirect (Location, Refresh url=), proxy_cookie_domain,
// proxy_cookie_path, with plain text; ingress-nginx annotations.md#proxy-redirect, #proxy-cookie-*.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compileResponseRewrites,
  replacePrefix,
  rewriteRefresh,
  rewriteResponseHeaders,
  rewriteSetCookie,
} from './response-rewrites.ts';

const location = { from: 'http://internal:8080/', to: 'https://example.com/' };

test('a route without rewrites compiles to nothing (its answers keep the relay fast path)', () => {
  assert.equal(compileResponseRewrites(undefined), undefined);
  assert.equal(compileResponseRewrites({}), undefined);
});

const prefixCases: Array<[string, string, string]> = [
  ['prefix replaced', 'http://internal:8080/x?a=1', 'https://example.com/x?a=1'],
  ['the whole value', 'http://internal:8080/', 'https://example.com/'],
  ['not at the start: left', 'http://other/http://internal:8080/', 'http://other/http://internal:8080/'],
  [
    'case differs: left (nginx compares case-sensitively)',
    'HTTP://INTERNAL:8080/x',
    'HTTP://INTERNAL:8080/x',
  ],
  ['shorter than the prefix: left', 'http://internal', 'http://internal'],
];
for (const [name, value, expected] of prefixCases) {
  test(`Location: ${name}`, () => assert.equal(replacePrefix(value, location), expected));
}

const refreshCases: Array<[string, string, string]> = [
  ['url= rewritten', '5; url=http://internal:8080/y', '5; url=https://example.com/y'],
  ['URL= in any case', '0;URL=http://internal:8080/', '0;URL=https://example.com/'],
  ['no url=: left', '5', '5'],
  ['another URL: left', '5; url=http://elsewhere/', '5; url=http://elsewhere/'],
];
for (const [name, value, expected] of refreshCases) {
  test(`Refresh: ${name}`, () => assert.equal(rewriteRefresh(value, location), expected));
}

const cookies = compileResponseRewrites({
  cookieDomain: { from: '.Internal', to: 'example.com' },
  cookiePath: { from: '/app', to: '/' },
})!;
const cookieCases: Array<[string, string, string]> = [
  ['Domain and Path', 'a=1; Domain=internal; Path=/app', 'a=1; Domain=example.com; Path=/'],
  ['attribute names in any case', 'a=1; domain=internal; PATH=/app/x', 'a=1; domain=example.com; PATH=//x'],
  ['domain value in any case, leading dot kept', 'a=1; Domain=.INTERNAL', 'a=1; Domain=.example.com'],
  ['another domain: left', 'a=1; Domain=internal.example', 'a=1; Domain=internal.example'],
  ['path not at the start: left', 'a=1; Path=/x/app', 'a=1; Path=/x/app'],
  ['path case differs: left', 'a=1; Path=/APP', 'a=1; Path=/APP'],
  ['the cookie itself is not an attribute', 'Domain=internal; Path=/b', 'Domain=internal; Path=/b'],
  ['no attributes', 'a=1', 'a=1'],
];
for (const [name, line, expected] of cookieCases) {
  test(`Set-Cookie: ${name}`, () => assert.equal(rewriteSetCookie(line, cookies), expected));
}

test('every Set-Cookie line, Location and Refresh of one answer are rewritten; others are left', () => {
  const rewrites = compileResponseRewrites({
    location,
    cookieDomain: { from: 'internal', to: 'example.com' },
  })!;
  const headers: Record<string, string | string[] | undefined> = {
    location: 'http://internal:8080/x',
    refresh: '1; url=http://internal:8080/z',
    'set-cookie': ['a=1; Domain=internal', 'b=2; Domain=other; Path=/app'],
    'content-type': 'text/plain',
  };
  rewriteResponseHeaders(headers, rewrites);
  assert.deepEqual(headers, {
    location: 'https://example.com/x',
    refresh: '1; url=https://example.com/z',
    'set-cookie': ['a=1; Domain=example.com', 'b=2; Domain=other; Path=/app'],
    'content-type': 'text/plain',
  });
});
