// ingress-nginx annotations.md#ssl-passthrough and #ssl-ciphers; docs/user-guide/tls.md (SSL
// Passthrough needs --enable-ssl-passthrough); controller.go buildPassthroughBackends (the backend
// of the host's "/" location) and createServers (the first Ingress to set ciphers on a host wins);
// sslcipher/main.go (regexValidCiphers); test/e2e/annotations/sslciphers.go.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostOf, ingress, ready, reasons, rule, run, service, slice, tlsSecret } from '../testkit.ts';
import { parsed } from './testing.ts';

const P = 'nginx.ingress.kubernetes.io';
const field = (k: string) => `metadata.annotations["${P}/${k}"]`;

describe('ssl-ciphers, ssl-prefer-server-ciphers and ssl-passthrough: parsing', () => {
  const refuseNope = (list: string) => (list.includes('NOPE') ? 'OpenSSL refuses it' : undefined);
  const cases: Array<[string, Record<string, string>, unknown, string[]?]> = [
    ['absent', {}, undefined],
    ['ssl-passthrough true', { 'ssl-passthrough': 'true' }, { passthrough: true }],
    ['ssl-passthrough false', { 'ssl-passthrough': 'false' }, undefined],
    ['ssl-passthrough invalid', { 'ssl-passthrough': 'yes' }, undefined, [field('ssl-passthrough')]],
    [
      'ssl-ciphers as in the e2e test',
      { 'ssl-ciphers': 'ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP' },
      { ciphers: 'ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP' },
    ],
    [
      'ssl-ciphers with a space is refused',
      { 'ssl-ciphers': 'HIGH MEDIUM' },
      undefined,
      [field('ssl-ciphers')],
    ],
    [
      'ssl-ciphers with nginx syntax is refused',
      { 'ssl-ciphers': 'HIGH;return' },
      undefined,
      [field('ssl-ciphers')],
    ],
    [
      'ssl-ciphers naming TLS 1.3 suites is refused',
      { 'ssl-ciphers': 'TLS_AES_128_GCM_SHA256:HIGH' },
      undefined,
      [field('ssl-ciphers')],
    ],
    ['ssl-ciphers OpenSSL refuses', { 'ssl-ciphers': 'NOPE' }, undefined, [field('ssl-ciphers')]],
    [
      'ssl-prefer-server-ciphers true',
      { 'ssl-prefer-server-ciphers': 'true' },
      { preferServerCiphers: true },
    ],
    [
      'ssl-prefer-server-ciphers false',
      { 'ssl-prefer-server-ciphers': 'false' },
      { preferServerCiphers: false },
    ],
    [
      'ssl-prefer-server-ciphers invalid',
      { 'ssl-prefer-server-ciphers': 'on' },
      undefined,
      [field('ssl-prefer-server-ciphers')],
    ],
  ];
  for (const [name, values, expected, invalid = []] of cases) {
    test(name, () => {
      const { result, invalid: got } = parsed(values, refuseNope);
      assert.deepEqual(result.listener, expected);
      assert.deepEqual(got, invalid);
    });
  }
});

function objects(
  annotations: Record<string, string>,
  paths = ['/', '/api'],
  extra: { tls?: boolean; ingresses?: ReturnType<typeof ingress>[] } = {},
) {
  const ing = ingress(
    'app',
    {
      rules: [rule('pass.example.com', paths, 'secure', 443)],
      ...(extra.tls ? { tls: [{ hosts: ['pass.example.com'], secretName: 'example-tls' }] } : {}),
    },
    { annotations },
  );
  return {
    ingresses: [ing, ...(extra.ingresses ?? [])],
    services: [service('secure', [{ port: 443, targetPort: 8443 }])],
    endpointSlices: [slice('secure-1', 'secure', [{ port: 8443 }], [ready('10.0.0.1')])],
    secrets: [tlsSecret('example-tls')],
  };
}

describe('ssl-passthrough: translation', () => {
  const on = { enableSslPassthrough: true };

  test('with --enable-ssl-passthrough the host passes through to the backend of its "/" path', () => {
    const result = run(objects({ [`${P}/ssl-passthrough`]: 'true' }), on);
    const host = hostOf(result, 'pass.example.com');
    assert.deepEqual(host.passthrough, { backend: 'default/secure:443' });
    assert.ok(result.table.backends['default/secure:443']);
    // Plain HTTP is still served by the routes, as ingress-nginx's port-80 server.
    assert.equal(host.routes.length, 2);
    assert.deepEqual(reasons(result), []);
  });

  test('without the flag the host is terminated as usual and the Ingress gets a Warning', () => {
    const result = run(objects({ [`${P}/ssl-passthrough`]: 'true' }));
    assert.equal(hostOf(result, 'pass.example.com').passthrough, undefined);
    assert.deepEqual(reasons(result), [
      `Ingress default/app ${field('ssl-passthrough')} SslPassthroughDisabled`,
    ]);
  });

  test('a host without a "/" path is not passed through (ingress-nginx only takes the "/" location)', () => {
    const result = run(objects({ [`${P}/ssl-passthrough`]: 'true' }, ['/api']), on);
    assert.equal(hostOf(result, 'pass.example.com').passthrough, undefined);
    assert.deepEqual(reasons(result), [
      `Ingress default/app ${field('ssl-passthrough')} SslPassthroughIgnored`,
    ]);
  });

  test('an Ingress that fails closed (auth-snippet refused) is never passed through open', () => {
    const result = run(objects({ [`${P}/ssl-passthrough`]: 'true', [`${P}/auth-snippet`]: 'deny all;' }), on);
    assert.equal(hostOf(result, 'pass.example.com').passthrough, undefined);
    assert.ok(
      reasons(result).includes(`Ingress default/app ${field('ssl-passthrough')} SslPassthroughClosed`),
    );
  });

  test('server-alias names are not passed through: ingress-nginx matches the rule host only', () => {
    const result = run(
      objects({ [`${P}/ssl-passthrough`]: 'true', [`${P}/server-alias`]: 'alias.example.com' }),
      on,
    );
    assert.ok(hostOf(result, 'pass.example.com').passthrough);
    assert.equal(hostOf(result, 'alias.example.com').passthrough, undefined);
  });
});

describe('ssl-ciphers: translation', () => {
  test("the host's TLS gets the list and the order; a host without TLS gets nothing", () => {
    const annotations = {
      [`${P}/ssl-ciphers`]: 'ECDHE-RSA-AES256-GCM-SHA384',
      [`${P}/ssl-prefer-server-ciphers`]: 'false',
    };
    const tls = hostOf(run(objects(annotations, ['/'], { tls: true })), 'pass.example.com').tls;
    assert.equal(tls?.ciphers, 'ECDHE-RSA-AES256-GCM-SHA384');
    assert.equal(tls?.preferServerCiphers, false);
    assert.equal(hostOf(run(objects(annotations, ['/'])), 'pass.example.com').tls, undefined);
  });

  test('the oldest Ingress of a host to set ciphers wins', () => {
    const younger = ingress(
      'younger',
      { rules: [rule('pass.example.com', ['/other'], 'secure', 443)] },
      { annotations: { [`${P}/ssl-ciphers`]: 'HIGH' }, created: '2030-01-01T00:00:00Z' },
    );
    const result = run(
      objects({ [`${P}/ssl-ciphers`]: 'ECDHE-RSA-AES128-GCM-SHA256' }, ['/'], {
        tls: true,
        ingresses: [younger],
      }),
    );
    assert.equal(hostOf(result, 'pass.example.com').tls?.ciphers, 'ECDHE-RSA-AES128-GCM-SHA256');
  });
});
