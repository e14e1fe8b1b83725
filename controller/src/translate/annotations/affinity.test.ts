// ingress-nginx annotations.md#session-affinity, #cookie-affinity; sessionaffinity/main.go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsed } from './testing.ts';

const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;
const cookie = (setCookie: object) => ({
  type: 'ConsistentHash',
  on: 'Cookie',
  name: (setCookie as { name: string }).name,
  setCookie,
});

const cases: Array<[string, Record<string, string>, unknown, string[]?]> = [
  ['absent', {}, undefined],
  ['cookie with the default name', { affinity: 'cookie' }, cookie({ name: 'INGRESSCOOKIE' })],
  ['any case', { affinity: 'Cookie' }, cookie({ name: 'INGRESSCOOKIE' })],
  [
    'name, path, max-age',
    {
      affinity: 'cookie',
      'session-cookie-name': 'route',
      'session-cookie-path': '/app',
      'session-cookie-max-age': '3600',
    },
    cookie({ name: 'route', path: '/app', ttlSeconds: 3600 }),
  ],
  [
    'expires when max-age is absent',
    { affinity: 'cookie', 'session-cookie-expires': '60' },
    cookie({ name: 'INGRESSCOOKIE', ttlSeconds: 60 }),
  ],
  ['invalid affinity → none', { affinity: 'ip' }, undefined, [field('affinity')]],
  [
    'invalid name → default',
    { affinity: 'cookie', 'session-cookie-name': 'a b' },
    cookie({ name: 'INGRESSCOOKIE' }),
    [field('session-cookie-name')],
  ],
  [
    'invalid path → none',
    { affinity: 'cookie', 'session-cookie-path': 'app;x' },
    cookie({ name: 'INGRESSCOOKIE' }),
    [field('session-cookie-path')],
  ],
  [
    'invalid max-age → none',
    { affinity: 'cookie', 'session-cookie-max-age': '1h' },
    cookie({ name: 'INGRESSCOOKIE' }),
    [field('session-cookie-max-age')],
  ],
  // balancer.lua get_implementation: mode "persistent" → sticky_persistent, else sticky_balanced.
  [
    'affinity-mode persistent: the cookie names its endpoint',
    { affinity: 'cookie', 'affinity-mode': 'persistent' },
    cookie({ name: 'INGRESSCOOKIE', persistent: true }),
  ],
  [
    'affinity-mode balanced: the ring (the default)',
    { affinity: 'cookie', 'affinity-mode': 'balanced' },
    cookie({ name: 'INGRESSCOOKIE' }),
  ],
  [
    'affinity-mode is case-sensitive (ValidateOptions caseSensitive): "Persistent" warned, balanced',
    { affinity: 'cookie', 'affinity-mode': 'Persistent' },
    cookie({ name: 'INGRESSCOOKIE' }),
    [field('affinity-mode')],
  ],
  ['affinity-mode without affinity does nothing', { 'affinity-mode': 'persistent' }, undefined],
  [
    'affinity-mode invalid warned',
    { affinity: 'cookie', 'affinity-mode': 'sticky' },
    cookie({ name: 'INGRESSCOOKIE' }),
    [field('affinity-mode')],
  ],
  [
    'samesite any case, conditional none, secure, domain',
    {
      affinity: 'cookie',
      'session-cookie-samesite': 'none',
      'session-cookie-conditional-samesite-none': 'true',
      'session-cookie-secure': 'True',
      'session-cookie-domain': '.example.com',
    },
    cookie({
      name: 'INGRESSCOOKIE',
      domain: '.example.com',
      sameSite: 'None',
      conditionalSameSiteNone: true,
      secure: true,
    }),
  ],
  [
    'samesite Strict, secure false: Secure follows the request',
    { affinity: 'cookie', 'session-cookie-samesite': 'Strict', 'session-cookie-secure': 'false' },
    cookie({ name: 'INGRESSCOOKIE', sameSite: 'Strict' }),
  ],
  [
    'invalid samesite, secure, conditional → defaults',
    {
      affinity: 'cookie',
      'session-cookie-samesite': 'Lax; Secure',
      'session-cookie-secure': 'yes',
      'session-cookie-conditional-samesite-none': 'maybe',
    },
    cookie({ name: 'INGRESSCOOKIE' }),
    [
      field('session-cookie-samesite'),
      field('session-cookie-conditional-samesite-none'),
      field('session-cookie-secure'),
    ],
  ],
  ...['example.com; HttpOnly', 'a\r\nSet-Cookie: x=1', 'a b.com', 'example.com/', '..com', 'a,b'].map(
    (domain): [string, Record<string, string>, unknown, string[]] => [
      `hostile domain ${JSON.stringify(domain)} → none`,
      { affinity: 'cookie', 'session-cookie-domain': domain },
      cookie({ name: 'INGRESSCOOKIE' }),
      [field('session-cookie-domain')],
    ],
  ),
  [
    'change-on-failure',
    { affinity: 'cookie', 'session-cookie-change-on-failure': 'true' },
    cookie({ name: 'INGRESSCOOKIE', changeOnFailure: true }),
  ],
  [
    'change-on-failure invalid → false',
    { affinity: 'cookie', 'session-cookie-change-on-failure': 'on' },
    cookie({ name: 'INGRESSCOOKIE' }),
    [field('session-cookie-change-on-failure')],
  ],
  [
    'cookie affinity wins over load-balance',
    { affinity: 'cookie', 'load-balance': 'ewma' },
    cookie({ name: 'INGRESSCOOKIE' }),
  ],
];
for (const [name, values, expected, invalid = []] of cases) {
  test(`affinity: ${name}`, () => {
    const { result, invalid: got } = parsed(values);
    assert.deepEqual(result.backend.balancer, expected);
    assert.deepEqual(got, invalid);
  });
}
