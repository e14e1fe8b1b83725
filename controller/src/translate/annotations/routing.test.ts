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
  ['not a URL', { 'permanent-redirect': '/relative' }, [], [field('permanent-redirect')]],
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
