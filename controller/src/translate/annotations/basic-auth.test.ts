// ingress-nginx annotations.md#authentication; internal/ingress/annotations/auth/main.go (auth-type
// `basic|digest`, auth-secret `name` or `namespace/name` with cross-namespace refused by default,
// auth-secret-type auth-file (default) or auth-map, auth-realm parser.CharsWithSpace, every refusal a
// LocationDenied: 503); nginx.tmpl (auth_basic, then `proxy_set_header Authorization ""`);
// test/e2e/annotations/auth.go (an absent Secret: 503; "foo:" in auth: 401; an auth-map Secret: 200).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Secret } from '../../snapshot.ts';
import { ingress, ready, reasons, rule, run, service, slice } from '../testkit.ts';

const P = 'nginx.ingress.kubernetes.io';
const APR1 = '$apr1$mvi.WKYT$PbbEvzTJ3EjB..xsvrzi30';
const BCRYPT = '$2y$05$yUEbdcFI5FLJsTzAr2yu2epmbMvDaWD/rMtPTcNKZ2Zh3eMTjr3uu';
const SHA512 =
  '$6$n9rp8hxfvus3920s$FVygS1nSgfIi9YlU7IFtRWZpVwOUP8TDE73Yo6XpRQfmtdozh7lmhmGTSq4Te9hG11f9.7MSOGl0D2OwiPV611';

function opaque(name: string, data: Record<string, string>, namespace = 'default'): Secret {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data: encoded };
}

function translateWith(annotations: Record<string, string>, secrets: Secret[]) {
  const result = run({
    ingresses: [
      ingress(
        'app',
        { rules: [rule('app.example.com', ['/'])] },
        { annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [`${P}/${k}`, v])) },
      ),
    ],
    services: [service('web', [{ port: 80 }])],
    endpointSlices: [slice('web-1', 'web', [{ port: 8080 }], [ready('10.0.0.1')])],
    secrets,
  });
  const route = result.table.hosts[0]!.routes[0]!;
  return { result, route, closed: route.backends.length === 0 };
}

const users = opaque('users', { auth: `alice:${APR1}\nbob:${BCRYPT}\n` });

describe('auth-type basic through translation', () => {
  test('an htpasswd file (auth-file, the default): the users, the realm, Authorization not sent upstream', () => {
    const { result, route, closed } = translateWith(
      { 'auth-type': 'basic', 'auth-secret': 'users', 'auth-realm': 'Authentication Required - foo' },
      [users],
    );
    assert.deepEqual(reasons(result), []);
    assert.equal(closed, false);
    assert.deepEqual(route.basicAuth, {
      realm: 'Authentication Required - foo',
      users: [
        { user: 'alice', hash: APR1 },
        { user: 'bob', hash: BCRYPT },
      ],
    });
    assert.deepEqual(route.filters, [{ type: 'RequestHeaderModifier', remove: ['authorization'] }]);
  });

  test('defaults: realm "" and auth-file; namespace/name of the own namespace is read too', () => {
    const { route } = translateWith({ 'auth-type': 'basic', 'auth-secret': 'default/users' }, [users]);
    assert.equal(route.basicAuth?.realm, '');
    assert.equal(route.basicAuth?.users.length, 2);
  });

  test('auth-map: each key a user, each value its hash (e2e "with a map")', () => {
    const { result, route } = translateWith(
      { 'auth-type': 'basic', 'auth-secret': 'map', 'auth-secret-type': 'auth-map' },
      [opaque('map', { bob: BCRYPT, alice: `${APR1}\n` })],
    );
    assert.deepEqual(reasons(result), []);
    assert.deepEqual(route.basicAuth?.users, [
      { user: 'alice', hash: APR1 },
      { user: 'bob', hash: BCRYPT },
    ]);
  });

  test('nginx reads the file top down: comments and blank lines skipped, the first entry of a user kept, extra fields cut', () => {
    const { route } = translateWith({ 'auth-type': 'basic', 'auth-secret': 'users' }, [
      opaque('users', { auth: `# admins\r\n\nalice:${APR1}:comment\r\nalice:{PLAIN}x\n` }),
    ]);
    assert.deepEqual(route.basicAuth?.users, [{ user: 'alice', hash: APR1 }]);
  });

  test('a user whose hash Gatehouse cannot verify is left out with a Warning, and never replaced by a later entry', () => {
    const { result, route, closed } = translateWith({ 'auth-type': 'basic', 'auth-secret': 'users' }, [
      opaque('users', { auth: `carol:${SHA512}\ncarol:{PLAIN}x\nalice:${APR1}\nbroken line\n` }),
    ]);
    assert.equal(closed, false);
    assert.deepEqual(route.basicAuth?.users, [{ user: 'alice', hash: APR1 }]);
    assert.deepEqual(reasons(result), [
      `Ingress default/app metadata.annotations["${P}/auth-secret"] AuthSecretEntryIgnored`,
      `Ingress default/app metadata.annotations["${P}/auth-secret"] AuthSecretEntryIgnored`,
    ]);
  });

  test('"foo:" (e2e "invalid content"): nobody can log in, every request 401, never open', () => {
    const { route, closed } = translateWith({ 'auth-type': 'basic', 'auth-secret': 'users' }, [
      opaque('users', { auth: 'foo:' }),
    ]);
    assert.equal(closed, false);
    assert.deepEqual(route.basicAuth?.users, []);
  });

  test('without auth-type the other auth annotations do nothing (the parser finds no auth-type)', () => {
    const { route, result } = translateWith({ 'auth-secret': 'users', 'auth-realm': 'x' }, [users]);
    assert.equal(route.basicAuth, undefined);
    assert.deepEqual(reasons(result), []);
  });

  const refused: Array<[string, Record<string, string>, Secret[], string]> = [
    [
      'a missing Secret (e2e "invalid secret")',
      { 'auth-type': 'basic', 'auth-secret': 'something' },
      [],
      'InvalidAuthSecret',
    ],
    [
      'a Secret without the auth key',
      { 'auth-type': 'basic', 'auth-secret': 'users' },
      [opaque('users', { htpasswd: 'a:b' })],
      'InvalidAuthSecret',
    ],
    ['no auth-secret', { 'auth-type': 'basic' }, [users], 'InvalidAccessAnnotation'],
    [
      'another namespace',
      { 'auth-type': 'basic', 'auth-secret': 'other/users' },
      [opaque('users', { auth: `a:${APR1}` }, 'other')],
      'InvalidAccessAnnotation',
    ],
    [
      'a name with too many slashes',
      { 'auth-type': 'basic', 'auth-secret': 'default/users/x' },
      [users],
      'InvalidAccessAnnotation',
    ],
    [
      'digest, which Gatehouse does not implement',
      { 'auth-type': 'digest', 'auth-secret': 'users' },
      [users],
      'InvalidAccessAnnotation',
    ],
    [
      'an unknown auth-type',
      { 'auth-type': 'Basic', 'auth-secret': 'users' },
      [users],
      'InvalidAccessAnnotation',
    ],
    ['an empty auth-type', { 'auth-type': '', 'auth-secret': 'users' }, [users], 'InvalidAccessAnnotation'],
    [
      'an unknown auth-secret-type',
      { 'auth-type': 'basic', 'auth-secret': 'users', 'auth-secret-type': 'auth-json' },
      [users],
      'InvalidAccessAnnotation',
    ],
    [
      'a realm with a quote (not CharsWithSpace)',
      { 'auth-type': 'basic', 'auth-secret': 'users', 'auth-realm': 'say "hi"' },
      [users],
      'InvalidAccessAnnotation',
    ],
  ];
  for (const [name, annotations, secrets, reason] of refused) {
    test(`${name}: every route answers 503 with a diagnostic, never open`, () => {
      const { result, route, closed } = translateWith(annotations, secrets);
      assert.equal(closed, true);
      assert.equal(route.basicAuth, undefined);
      assert.ok(
        reasons(result).some((r) => r.endsWith(reason)),
        reasons(result).join('\n'),
      );
    });
  }
});
