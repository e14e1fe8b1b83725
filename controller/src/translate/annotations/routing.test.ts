// ingress-nginx annotations.md#permanent-redirect, #temporal-redirect, #custom-nginx-upstream-vhost,
// #x-forwarded-prefix-header; redirect/redirect.go (codes and precedence).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsed } from './testing.ts';

const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;
const redirect = (
  statusCode: number,
  scheme = 'https',
  hostname = 'example.com',
  port = 443,
  path = '/',
) => ({
  type: 'RequestRedirect',
  scheme,
  hostname,
  path: { type: 'ReplaceFullPath', value: path },
  statusCode,
  port,
});

const pathRedirect = (statusCode: number, path = '/new-location') => ({
  type: 'RequestRedirect',
  path: { type: 'ReplaceFullPath', value: path },
  statusCode,
});

const cases: Array<[string, Record<string, string>, unknown[], string[]?]> = [
  ['absent', {}, []],
  [
    'permanent, 301',
    { 'permanent-redirect': 'https://example.com/new' },
    [redirect(301, 'https', 'example.com', 443, '/new')],
  ],
  [
    'permanent code 308',
    { 'permanent-redirect': 'http://example.com:8080/', 'permanent-redirect-code': '308' },
    [redirect(308, 'http', 'example.com', 8080)],
  ],
  [
    'permanent code out of range → 301',
    { 'permanent-redirect': 'https://example.com', 'permanent-redirect-code': '399' },
    [redirect(301)],
  ],
  [
    'permanent code 300 → 301 with a diagnostic',
    { 'permanent-redirect': 'https://example.com', 'permanent-redirect-code': '300' },
    [redirect(301)],
    [field('permanent-redirect-code')],
  ],
  ['temporal, 302', { 'temporal-redirect': 'https://example.com' }, [redirect(302)]],
  [
    'temporal code 308 out of range → 302',
    { 'temporal-redirect': 'https://example.com', 'temporal-redirect-code': '308' },
    [redirect(302)],
  ],
  [
    'temporal wins',
    { 'temporal-redirect': 'https://t.example', 'permanent-redirect': 'https://p.example' },
    [redirect(302, 'https', 't.example')],
  ],
  ['not a URL', { 'permanent-redirect': 'example.com/x' }, [], [field('permanent-redirect')]],
  // redirect.go checks only temporal-redirect as a URL; e2e relativeredirects.go uses /new-location.
  [
    'a path-only permanent-redirect: request scheme and Host name, no port',
    { 'permanent-redirect': '/new-location' },
    [pathRedirect(301)],
  ],
  [
    'a path-only permanent-redirect with its code',
    { 'permanent-redirect': '/new-location', 'permanent-redirect-code': '308' },
    [pathRedirect(308)],
  ],
  [
    'relative-redirects: the path alone',
    { 'permanent-redirect': '/new-location', 'relative-redirects': 'true' },
    [{ ...pathRedirect(301), relative: true }],
  ],
  [
    'relative-redirects "false": absolute',
    { 'permanent-redirect': '/new-location', 'relative-redirects': 'false' },
    [pathRedirect(301)],
  ],
  [
    'relative-redirects invalid → absolute, reported',
    { 'permanent-redirect': '/new-location', 'relative-redirects': 'maybe' },
    [pathRedirect(301)],
    [field('relative-redirects')],
  ],
  [
    'use-port-in-redirects: the Host header port is kept',
    { 'permanent-redirect': '/new-location', 'use-port-in-redirects': 'true' },
    [{ ...pathRedirect(301), keepRequestPort: true }],
  ],
  [
    'relative-redirects wins over use-port-in-redirects (no port to name)',
    { 'permanent-redirect': '/n', 'use-port-in-redirects': 'true', 'relative-redirects': 'true' },
    [{ ...pathRedirect(301, '/n'), relative: true }],
  ],
  [
    'relative-redirects does not touch an absolute target',
    { 'permanent-redirect': 'https://example.com/new', 'relative-redirects': 'true' },
    [redirect(301, 'https', 'example.com', 443, '/new')],
  ],
  [
    'a path target starting // (another host) refused',
    { 'permanent-redirect': '//evil.example/x' },
    [],
    [field('permanent-redirect')],
  ],
  [
    'a path target with an nginx variable refused',
    { 'permanent-redirect': '/$host' },
    [],
    [field('permanent-redirect')],
  ],
  [
    'a path target with a query refused',
    { 'permanent-redirect': '/a?b=1' },
    [],
    [field('permanent-redirect')],
  ],
  [
    'temporal-redirect stays an absolute URL',
    { 'temporal-redirect': '/new-location' },
    [],
    [field('temporal-redirect')],
  ],
  ['javascript: refused', { 'permanent-redirect': 'javascript:alert(1)' }, [], [field('permanent-redirect')]],
  ['query refused', { 'permanent-redirect': 'https://example.com/?a=1' }, [], [field('permanent-redirect')]],
  [
    'upstream-vhost',
    { 'upstream-vhost': 'Internal.Example:8080' },
    [{ type: 'URLRewrite', hostname: 'internal.example:8080' }],
  ],
  ['upstream-vhost invalid', { 'upstream-vhost': 'a b' }, [], [field('upstream-vhost')]],
  [
    'x-forwarded-prefix',
    { 'x-forwarded-prefix': '/app' },
    [{ type: 'RequestHeaderModifier', set: [{ name: 'X-Forwarded-Prefix', value: '/app' }] }],
  ],
  [
    'x-forwarded-prefix with a control character',
    { 'x-forwarded-prefix': '/a\u0001' },
    [],
    [field('x-forwarded-prefix')],
  ],
];
for (const [name, values, expected, invalid = []] of cases) {
  test(`routing: ${name}`, () => {
    const { result, invalid: got } = parsed(values);
    assert.deepEqual(result.route.filters, expected);
    assert.deepEqual(got, invalid);
  });
}

// preserve-trailing-slash, use-port-in-redirects (annotations.md; lua_ingress.lua redirect_to_https):
// both "false" by default, so the HTTPS redirect trims one trailing slash and omits port 443.
const formCases: Array<[string, Record<string, string>, unknown, string[]?]> = [
  ['absent: trim the trailing slash', {}, { trimTrailingSlash: true }],
  ['preserve-trailing-slash "true" keeps it', { 'preserve-trailing-slash': 'true' }, {}],
  ['preserve-trailing-slash "false"', { 'preserve-trailing-slash': 'false' }, { trimTrailingSlash: true }],
  [
    'preserve-trailing-slash invalid → default, reported',
    { 'preserve-trailing-slash': 'keep' },
    { trimTrailingSlash: true },
    [field('preserve-trailing-slash')],
  ],
  [
    'use-port-in-redirects "true" names the port',
    { 'use-port-in-redirects': 'true' },
    { trimTrailingSlash: true, alwaysNamePort: true },
  ],
  ['use-port-in-redirects "false"', { 'use-port-in-redirects': 'false' }, { trimTrailingSlash: true }],
  [
    'use-port-in-redirects invalid → default, reported',
    { 'use-port-in-redirects': '443' },
    { trimTrailingSlash: true },
    [field('use-port-in-redirects')],
  ],
  ['both', { 'use-port-in-redirects': '1', 'preserve-trailing-slash': 'TRUE' }, { alwaysNamePort: true }],
];
for (const [name, values, expected, invalid = []] of formCases) {
  test(`https redirect form: ${name}`, () => {
    const { result, invalid: got } = parsed(values);
    assert.deepEqual(result.route.httpsRedirectForm, expected);
    assert.deepEqual(got, invalid);
  });
}
