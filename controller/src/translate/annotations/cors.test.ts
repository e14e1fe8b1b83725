// ingress-nginx annotations.md#enable-cors (defaults: methods "GET, PUT, POST, DELETE, PATCH,
// OPTIONS", headers "DNT,…,Range,Authorization", credentials true, max-age 1728000, origin *),
// internal/ingress/annotations/cors/main.go (validators; an invalid value keeps its default; an
// origin without scheme is skipped) and test/e2e/annotations/cors.go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CORS_HEADERS, DEFAULT_CORS_MAX_AGE, DEFAULT_CORS_METHODS } from './cors.ts';
import { parsed } from './testing.ts';

const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;
const DEFAULTS = {
  allowOrigins: ['*'],
  allowMethods: DEFAULT_CORS_METHODS,
  allowHeaders: DEFAULT_CORS_HEADERS,
  allowCredentials: true,
  maxAgeSeconds: DEFAULT_CORS_MAX_AGE,
};
const on = (more: Record<string, string> = {}) => ({ 'enable-cors': 'true', ...more });

test("cors: the defaults are ingress-nginx's", () => {
  assert.equal(DEFAULT_CORS_METHODS, 'GET, PUT, POST, DELETE, PATCH, OPTIONS');
  assert.equal(
    DEFAULT_CORS_HEADERS,
    'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
  );
  assert.equal(DEFAULT_CORS_MAX_AGE, 1728000);
});

const cases: Array<[string, Record<string, string>, unknown, string[]?]> = [
  ['off by default', {}, undefined],
  ['cors-* without enable-cors do nothing', { 'cors-allow-origin': 'https://a.test' }, undefined],
  ['enable-cors false', { 'enable-cors': 'false' }, undefined],
  ['enable-cors invalid: off', { 'enable-cors': 'yes' }, undefined, [field('enable-cors')]],
  ['enabled with every default', on(), DEFAULTS],
  [
    'every key set (e2e cors.go values)',
    on({
      'cors-allow-origin':
        'https://origin.cors.com:8080, http://*.origin-site.com, myprotocol://example.org:1199',
      'cors-allow-methods': 'PUT, GET, POST, OPTIONS',
      'cors-allow-headers': 'DNT, User-Agent',
      'cors-expose-headers': '*, X-CustomResponseHeader',
      'cors-allow-credentials': 'false',
      'cors-max-age': '200',
    }),
    {
      allowOrigins: [
        'https://origin.cors.com:8080',
        'http://*.origin-site.com',
        'myprotocol://example.org:1199',
      ],
      allowMethods: 'PUT, GET, POST, OPTIONS',
      allowHeaders: 'DNT, User-Agent',
      allowCredentials: false,
      maxAgeSeconds: 200,
      exposeHeaders: '*, X-CustomResponseHeader',
    },
  ],
  ['origin * alone', on({ 'cors-allow-origin': '*' }), DEFAULTS],
  ['origin null', on({ 'cors-allow-origin': 'null' }), { ...DEFAULTS, allowOrigins: ['null'] }],
  [
    'an origin without its scheme is skipped, the others kept',
    on({ 'cors-allow-origin': 'https://a.test, b.test' }),
    { ...DEFAULTS, allowOrigins: ['https://a.test'] },
    [field('cors-allow-origin')],
  ],
  [
    'only origins without scheme: nothing left, CORS stays off (no $cors in nginx.tmpl)',
    on({ 'cors-allow-origin': 'a.test' }),
    undefined,
    [field('cors-allow-origin')],
  ],
  [
    'an origin with a path fails the validator: the default * applies',
    on({ 'cors-allow-origin': 'https://a.test/path' }),
    DEFAULTS,
    [field('cors-allow-origin')],
  ],
  [
    'an upper-case scheme fails the validator: *',
    on({ 'cors-allow-origin': 'HTTPS://A.TEST' }),
    DEFAULTS,
    [field('cors-allow-origin')],
  ],
  [
    'a wildcard not first passes the loose validator but no origin check: CORS stays off',
    on({ 'cors-allow-origin': 'https://a.*.test' }),
    undefined,
    [field('cors-allow-origin')],
  ],
  [
    'methods with a digit: default',
    on({ 'cors-allow-methods': 'GET, P0ST' }),
    DEFAULTS,
    [field('cors-allow-methods')],
  ],
  [
    'methods with two spaces after a comma: default (\\s? takes one)',
    on({ 'cors-allow-methods': 'GET,  POST' }),
    DEFAULTS,
    [field('cors-allow-methods')],
  ],
  [
    'methods long enough to backtrack a nested regex, then a bad character: default, quickly',
    on({ 'cors-allow-methods': `${'A'.repeat(900)}!` }),
    DEFAULTS,
    [field('cors-allow-methods')],
  ],
  [
    'headers with an nginx variable: default',
    on({ 'cors-allow-headers': 'X-A, $pid' }),
    DEFAULTS,
    [field('cors-allow-headers')],
  ],
  [
    'expose headers with a quote: not sent',
    on({ 'cors-expose-headers': 'X-A"' }),
    DEFAULTS,
    [field('cors-expose-headers')],
  ],
  [
    'credentials invalid: default true',
    on({ 'cors-allow-credentials': 'nope' }),
    DEFAULTS,
    [field('cors-allow-credentials')],
  ],
  ['max-age not an integer: default', on({ 'cors-max-age': '1h' }), DEFAULTS, [field('cors-max-age')]],
  ['max-age 0', on({ 'cors-max-age': '0' }), { ...DEFAULTS, maxAgeSeconds: 0 }],
];
for (const [name, values, expected, invalid = []] of cases) {
  test(`cors: ${name}`, () => {
    const { result, invalid: got } = parsed(values);
    assert.deepEqual(result.route.cors, expected);
    assert.deepEqual(got, invalid);
  });
}
