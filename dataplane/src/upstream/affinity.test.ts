import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CookieSpec } from '../table/types.ts';
import { cookieValue, rejectsSameSiteNone } from './affinity.ts';
import { affinityCookie, affinityTag, reissuedAffinityCookie } from './balancers.ts';
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
      const setCookie = affinityCookie(b, {}, view, false)!;
      assert.match(setCookie, /^route=[\w.-]+\|[0-9a-z]+; Path=\/; HttpOnly; Max-Age=3600$/);
      const cookie = setCookie.split(';')[0];
      for (let i = 0; i < 3; i++) {
        const later = { address: '192.0.2.1', requestId: `other-${i}` };
        assert.equal(b.balancer.pick(b.endpoints, { cookie }, later, undefined), first);
        assert.equal(
          affinityCookie(b, { cookie }, later, false),
          undefined,
          'no new cookie once the client has one',
        );
      }
    }
  });

  // ingress-nginx rootfs/etc/nginx/lua/balancer/sticky.lua set_cookie: HttpOnly always; Secure when
  // session-cookie-secure or the request came over TLS; SameSite only when set, and SameSite=None
  // dropped for the user agents of util/same_site.lua when conditional-samesite-none is on.
  const chrome51 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/51.0.2704.103 Safari/537.36';
  const chrome120 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36';
  const attributeCases: Array<
    [spec: Omit<CookieSpec, 'name'>, tls: boolean, ua: string | undefined, expected: string]
  > = [
    [{}, false, undefined, '; Path=/; HttpOnly'],
    [{}, true, undefined, '; Path=/; HttpOnly; Secure'],
    [{ secure: true }, false, undefined, '; Path=/; HttpOnly; Secure'],
    [{ secure: false }, true, undefined, '; Path=/; HttpOnly; Secure'],
    [{ sameSite: 'Strict' }, false, chrome51, '; Path=/; HttpOnly; SameSite=Strict'],
    [{ sameSite: 'None' }, false, chrome51, '; Path=/; HttpOnly; SameSite=None'],
    [{ sameSite: 'None', conditionalSameSiteNone: true }, false, chrome51, '; Path=/; HttpOnly'],
    [
      { sameSite: 'None', conditionalSameSiteNone: true },
      false,
      chrome120,
      '; Path=/; HttpOnly; SameSite=None',
    ],
    [
      { sameSite: 'None', conditionalSameSiteNone: true },
      false,
      undefined,
      '; Path=/; HttpOnly; SameSite=None',
    ],
    [{ sameSite: 'Lax', conditionalSameSiteNone: true }, false, chrome51, '; Path=/; HttpOnly; SameSite=Lax'],
    [
      { domain: '.example.com', path: '/app', ttlSeconds: 60, sameSite: 'None', secure: true },
      false,
      undefined,
      '; Path=/app; Domain=.example.com; HttpOnly; Secure; SameSite=None; Max-Age=60',
    ],
  ];
  for (const [spec, tls, ua, expected] of attributeCases) {
    it(`${JSON.stringify(spec)}, tls ${tls}, UA ${ua?.slice(-30) ?? 'none'} → ${expected}`, () => {
      const b = backendOf('svc', endpoints(2), {
        type: 'ConsistentHash',
        on: 'Cookie',
        name: 'route',
        setCookie: { name: 'route', ...spec },
      });
      const headers = ua === undefined ? {} : { 'user-agent': ua };
      const cookie = affinityCookie(b, headers, { address: '192.0.2.1', requestId: 'r1' }, tls);
      // The value names the backend after `|`, as sticky.lua's `upstream|backend_key`.
      assert.equal(cookie, `route=r1|${affinityTag('svc')}${expected}`);
    });
  }

  const agents: Array<[ua: string, rejects: boolean]> = [
    [chrome51, true],
    ['Mozilla/5.0 Chrome/66.0.3359.181', true],
    [chrome120, false],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 12_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148', true],
    ['Mozilla/5.0 (iPad; CPU OS 12_1 like Mac OS X) AppleWebKit/605.1.15', true],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 13_0 like Mac OS X) AppleWebKit/605.1.15', false],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 Version/12.1.2 Safari/605.1.15',
      true,
    ],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 Chrome/120.0 Safari/537.36', false],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15', false],
    ['curl/8.5.0', false],
  ];
  for (const [ua, rejects] of agents) {
    it(`SameSite=None ${rejects ? 'rejected' : 'accepted'} by ${ua}`, () =>
      assert.equal(rejectsSameSiteNone(ua), rejects));
  }

  // sticky.lua balance(): a client without the cookie, or with it and change_on_failure, gets a
  // cookie for the upstream a retry reached; with the cookie and no change_on_failure, none.
  const reissueCases: Array<[changeOnFailure: boolean, hasCookie: boolean, reissued: boolean]> = [
    [false, false, true],
    [true, false, true],
    [true, true, true],
    [false, true, false],
  ];
  for (const [changeOnFailure, hasCookie, reissued] of reissueCases) {
    it(`after a retry, change-on-failure ${changeOnFailure}, cookie ${hasCookie} → ${reissued ? 'pins the endpoint that answered' : 'kept'}`, () => {
      const b = backendOf('svc', endpoints(5), {
        type: 'ConsistentHash',
        on: 'Cookie',
        name: 'route',
        setCookie: { name: 'route', changeOnFailure },
      });
      for (const served of b.endpoints) {
        const headers = hasCookie ? { cookie: 'route=old' } : {};
        const line = reissuedAffinityCookie(
          b,
          headers,
          { address: '192.0.2.1', requestId: 'req-1' },
          served,
          false,
        );
        if (!reissued) {
          assert.equal(line, undefined);
          continue;
        }
        assert.match(line ?? '', /^route=[\w.-]+\|[0-9a-z]+; Path=\/; HttpOnly$/);
        const cookie = line!.split(';')[0];
        assert.equal(b.balancer.pick(b.endpoints, { cookie }, undefined, undefined), served);
      }
    });
  }
});
