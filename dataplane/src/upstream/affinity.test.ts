import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cookieValue } from './affinity.ts';
import { affinityCookie } from './balancers.ts';
import { backendOf, endpoints } from './test-endpoints.ts';

describe('affinity cookies', () => {
  const cases: Array<[header: string, expected: string | undefined, rule: string]> = [
    ['sid=abc', 'abc', 'a lone cookie'],
    ['theme=dark; sid=abc; x=1', 'abc', 'among others'],
    ['xsid=1; sidx=2', undefined, 'names match whole'],
    ['sid="q v"', 'q v', 'quotes are not part of the value'],
    ['sid=', '', 'an empty value is still the cookie'],
  ];
  for (const [header, expected, rule] of cases) {
    it(`Cookie: ${header} → sid ${JSON.stringify(expected)}: ${rule}`, () =>
      assert.equal(cookieValue({ cookie: header }, 'sid'), expected));
  }

  it('a client without the cookie is pinned by the cookie issued with its first response', () => {
    const b = backendOf('svc', endpoints(5), {
      type: 'ConsistentHash',
      on: 'Cookie',
      name: 'route',
      setCookie: { name: 'route', ttlSeconds: 3600 },
    });
    for (let client = 0; client < 20; client++) {
      const view = { address: '192.0.2.1', requestId: `req-${client}-uuid` };
      const first = b.balancer.pick(b.endpoints, {}, view, undefined)!;
      const setCookie = affinityCookie(b, {}, view)!;
      assert.match(setCookie, /^route=[\w.-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/);
      const cookie = setCookie.split(';')[0];
      for (let i = 0; i < 3; i++) {
        const later = { address: '192.0.2.1', requestId: `other-${i}` };
        assert.equal(b.balancer.pick(b.endpoints, { cookie }, later, undefined), first);
        assert.equal(
          affinityCookie(b, { cookie }, later),
          undefined,
          'no new cookie once the client has one',
        );
      }
    }
  });
});
