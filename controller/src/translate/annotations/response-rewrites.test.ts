// ingress-nginx annotations.md#proxy-redirect, #proxy-cookie-domain, #proxy-cookie-path;
// internal/ingress/annotations/proxy/main.go (validators, "off" defaults), nginx.tmpl (off/default
// ignore -to) and test/e2e/annotations/proxy.go ("hello.com goodbye.com", "localhost example.org",
// "/one/ /").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsed } from './testing.ts';

const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;

const cases: Array<[string, Record<string, string>, unknown, string[]?]> = [
  ['absent', {}, undefined],
  [
    'from and to',
    { 'proxy-redirect-from': 'hello.com', 'proxy-redirect-to': 'goodbye.com' },
    { location: { from: 'hello.com', to: 'goodbye.com' } },
  ],
  [
    'URLs with port and query characters',
    { 'proxy-redirect-from': 'http://internal:8080/', 'proxy-redirect-to': 'https://example.com/a?b=c&d' },
    { location: { from: 'http://internal:8080/', to: 'https://example.com/a?b=c&d' } },
  ],
  ['from off ignores to', { 'proxy-redirect-from': 'off', 'proxy-redirect-to': 'goodbye.com' }, undefined],
  [
    'from default ignores to',
    { 'proxy-redirect-from': 'default', 'proxy-redirect-to': 'goodbye.com' },
    undefined,
  ],
  ['to alone does nothing', { 'proxy-redirect-to': 'goodbye.com' }, undefined],
  ['from without to', { 'proxy-redirect-from': 'hello.com' }, undefined, [field('proxy-redirect-from')]],
  [
    'to off',
    { 'proxy-redirect-from': 'hello.com', 'proxy-redirect-to': 'off' },
    undefined,
    [field('proxy-redirect-from')],
  ],
  [
    'a space in from',
    { 'proxy-redirect-from': 'a b', 'proxy-redirect-to': 'c' },
    undefined,
    [field('proxy-redirect-from')],
  ],
  [
    'an nginx variable in to',
    { 'proxy-redirect-from': 'http://a/', 'proxy-redirect-to': '$scheme://b/' },
    undefined,
    [field('proxy-redirect-to')],
  ],
  [
    'a regex from',
    { 'proxy-redirect-from': '~internal', 'proxy-redirect-to': '/' },
    undefined,
    [field('proxy-redirect-from')],
  ],
  [
    'cookie domain and path',
    { 'proxy-cookie-domain': 'localhost example.org', 'proxy-cookie-path': '/one/ /' },
    { cookieDomain: { from: 'localhost', to: 'example.org' }, cookiePath: { from: '/one/', to: '/' } },
  ],
  ['cookie off', { 'proxy-cookie-domain': 'off', 'proxy-cookie-path': 'off' }, undefined],
  [
    'cookie domain with one text',
    { 'proxy-cookie-domain': 'localhost' },
    undefined,
    [field('proxy-cookie-domain')],
  ],
  [
    'cookie path with three texts',
    { 'proxy-cookie-path': '/a /b /c' },
    undefined,
    [field('proxy-cookie-path')],
  ],
  [
    'cookie domain with ; (an attribute injection)',
    { 'proxy-cookie-domain': 'a b;Secure' },
    undefined,
    [field('proxy-cookie-domain')],
  ],
  [
    'cookie path with a control character',
    { 'proxy-cookie-path': '/a /b\u0001' },
    undefined,
    [field('proxy-cookie-path')],
  ],
  [
    'cookie domain regex',
    { 'proxy-cookie-domain': '~internal x' },
    undefined,
    [field('proxy-cookie-domain')],
  ],
];
for (const [name, values, expected, invalid = []] of cases) {
  test(`response rewrites: ${name}`, () => {
    const { result, invalid: got } = parsed(values);
    assert.deepEqual(result.route.responseRewrites, expected);
    assert.deepEqual(got, invalid);
  });
}
