// ingress-nginx annotations.md#server-side-https-enforcement-through-redirect; rewrite/main.go and
// lua_ingress.lua redirect_to_https (force-ssl-redirect wins; ssl-redirect is true by default).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostOf, ingress, rule, run, service } from '../testkit.ts';
import { parsed } from './testing.ts';

const field = (k: string) => `metadata.annotations["nginx.ingress.kubernetes.io/${k}"]`;

const cases: Array<[string, Record<string, string>, boolean | undefined, string[]?]> = [
  ['absent: the host decides', {}, undefined],
  ['ssl-redirect "true" is the default: the host decides', { 'ssl-redirect': 'true' }, undefined],
  ['ssl-redirect "false" turns it off', { 'ssl-redirect': 'false' }, false],
  ['ssl-redirect in Go ParseBool spelling "0"', { 'ssl-redirect': '0' }, false],
  ['force-ssl-redirect "true" forces it', { 'force-ssl-redirect': 'true' }, true],
  ['force-ssl-redirect "false" leaves the host to decide', { 'force-ssl-redirect': 'false' }, undefined],
  ['force wins over ssl-redirect "false"', { 'force-ssl-redirect': 'true', 'ssl-redirect': 'false' }, true],
  ['ssl-redirect invalid → default, reported', { 'ssl-redirect': 'no' }, undefined, [field('ssl-redirect')]],
  [
    'force-ssl-redirect invalid → default, reported',
    { 'force-ssl-redirect': 'yes', 'ssl-redirect': 'false' },
    false,
    [field('force-ssl-redirect')],
  ],
  [
    'an invalid ssl-redirect is reported even when forced',
    { 'force-ssl-redirect': 'true', 'ssl-redirect': 'nope' },
    true,
    [field('ssl-redirect')],
  ],
];
for (const [name, values, expected, invalid = []] of cases) {
  test(`https redirect: ${name}`, () => {
    const { result, invalid: got } = parsed(values);
    assert.equal(result.route.httpsRedirect, expected);
    assert.deepEqual(got, invalid);
  });
}

test("the switch lands on the routes of its own Ingress only, beside the host's TLS redirect", () => {
  const P = 'nginx.ingress.kubernetes.io';
  const result = run({
    ingresses: [
      ingress(
        'open',
        { rules: [rule('a.example', ['/open'])] },
        { annotations: { [`${P}/ssl-redirect`]: 'false' } },
      ),
      ingress('closed', { rules: [rule('a.example', ['/'])] }),
      ingress(
        'forced',
        { rules: [rule('b.example', ['/'])] },
        { annotations: { [`${P}/force-ssl-redirect`]: 'true' } },
      ),
    ],
    services: [service('web', [{ port: 80 }])],
  });
  const a = hostOf(result, 'a.example').routes.map((r) => [r.match.path.value, r.httpsRedirect]);
  assert.deepEqual(a, [
    ['/open', false],
    ['/', undefined],
  ]);
  assert.deepEqual(
    hostOf(result, 'b.example').routes.map((r) => r.httpsRedirect),
    [true],
  );
});
