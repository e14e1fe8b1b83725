import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Secret, Snapshot } from '../snapshot.ts';
import { referencedSecrets } from './secret-references.ts';
import { ingress, ingressClass, OPTIONS, PEM, rule, service, snapshot, tlsSecret } from './testkit.ts';
import { translate } from './translate.ts';

const tlsIngress = (
  name: string,
  secretNames: Array<string | undefined>,
  meta: Parameters<typeof ingress>[2] & { className?: string } = {},
) =>
  ingress(
    name,
    {
      ingressClassName: meta.className ?? 'gatehouse',
      rules: [rule(`${name}.example.com`, ['/'])],
      tls: secretNames.map((secretName) => ({
        hosts: [`${name}.example.com`],
        ...(secretName === undefined ? {} : { secretName }),
      })),
    },
    meta,
  );

describe('the Secrets translation reads are the ones our objects reference', () => {
  it("an Ingress's spec.tls secretNames, in the Ingress's own namespace, each once", () => {
    const refs = referencedSecrets(
      snapshot({
        ingresses: [
          tlsIngress('shop', ['shop-tls', 'shop-tls', undefined, 'extra-tls'], { namespace: 'team-a' }),
          tlsIngress('blog', ['shop-tls'], { namespace: 'team-b' }),
        ],
      }),
      OPTIONS,
    );
    assert.deepEqual([...refs].sort(), ['team-a/extra-tls', 'team-a/shop-tls', 'team-b/shop-tls']);
  });

  it("a RoutePolicy's basicAuth Secret, Opaque-taking, only when the policy targets an Ingress of ours in its namespace", () => {
    const policy = (name: string, namespace: string, target: string, secret: string) => ({
      apiVersion: 'gatehouse.dev/v1alpha1',
      kind: 'RoutePolicy',
      metadata: { name, namespace },
      spec: {
        targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: target }],
        basicAuth: { secretRef: { name: secret } },
      },
    });
    const refs = referencedSecrets(
      snapshot({
        ingresses: [tlsIngress('shop', [], { namespace: 'team' })],
        routePolicies: [
          policy('a', 'team', 'shop', 'users'),
          policy('b', 'team', 'elsewhere', 'not-ours'),
          policy('c', 'other', 'shop', 'other-users'),
        ] as never,
      }),
      OPTIONS,
    );
    assert.deepEqual([...refs].sort(), ['opaque:team/users']);
  });

  it("a RoutePolicy's clientCertificate CA Secret, Opaque-taking, only for a policy targeting an Ingress of ours in its namespace", () => {
    const policy = (name: string, namespace: string, target: string, secret: string) => ({
      apiVersion: 'gatehouse.dev/v1alpha1',
      kind: 'RoutePolicy',
      metadata: { name, namespace },
      spec: {
        targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: target }],
        clientCertificate: { caSecretRef: { name: secret } },
      },
    });
    const refs = referencedSecrets(
      snapshot({
        ingresses: [tlsIngress('shop', [], { namespace: 'team' })],
        routePolicies: [
          policy('a', 'team', 'shop', 'client-ca'),
          policy('b', 'team', 'elsewhere', 'not-ours'),
          policy('c', 'other', 'shop', 'other-ca'),
        ] as never,
      }),
      OPTIONS,
    );
    assert.deepEqual([...refs].sort(), ['opaque:team/client-ca']);
  });

  it('auth-secret with auth-type, name or own-namespace/name, as an Opaque-taking reference; never another namespace', () => {
    const auth = (name: string, annotations: Record<string, string>) =>
      tlsIngress(name, [], {
        namespace: 'team',
        annotations: Object.fromEntries(
          Object.entries(annotations).map(([k, v]) => [`nginx.ingress.kubernetes.io/${k}`, v]),
        ),
      });
    const refs = referencedSecrets(
      snapshot({
        ingresses: [
          auth('a', { 'auth-type': 'basic', 'auth-secret': 'users' }),
          auth('b', { 'auth-type': 'basic', 'auth-secret': 'team/more-users' }),
          auth('c', { 'auth-type': 'basic', 'auth-secret': 'other/users' }),
          auth('d', { 'auth-secret': 'no-auth-type' }),
        ],
      }),
      OPTIONS,
    );
    assert.deepEqual([...refs].sort(), ['opaque:team/more-users', 'opaque:team/users']);
  });

  it("auth-tls-secret, namespace/name in the Ingress's own namespace only, as an Opaque-taking reference", () => {
    const mtls = (name: string, value: string) =>
      ingress(
        name,
        { rules: [rule(`${name}.example.com`, ['/'])] },
        { namespace: 'team', annotations: { 'nginx.ingress.kubernetes.io/auth-tls-secret': value } },
      );
    const refs = referencedSecrets(
      snapshot({
        ingresses: [
          mtls('own', 'team/client-ca'),
          mtls('foreign', 'other/client-ca'),
          mtls('bare', 'client-ca'),
          mtls('bad', 'team/Not_A_Name'),
        ],
      }),
      OPTIONS,
    );
    assert.deepEqual([...refs].sort(), ['opaque:team/client-ca']);
  });

  it("proxy-ssl-secret, only in the Ingress's own namespace (any other is denied, so never read)", () => {
    const upstream = (name: string, namespace: string, value: string) =>
      ingress(
        name,
        { rules: [rule(`${name}.example.com`, ['/'])] },
        { namespace, annotations: { 'nginx.ingress.kubernetes.io/proxy-ssl-secret': value } },
      );
    const refs = referencedSecrets(
      snapshot({
        ingresses: [
          upstream('own', 'team-a', 'team-a/upstream-ca'),
          upstream('foreign', 'team-a', 'team-b/upstream-ca'),
          upstream('bare', 'team-a', 'upstream-ca'),
          upstream('bad', 'team-a', 'team-a/Not_A_Name'),
        ],
      }),
      OPTIONS,
    );
    assert.deepEqual([...refs], ['team-a/upstream-ca']);
  });

  it('Ingresses of another class reference nothing; an IngressClass naming our controller makes them ours', () => {
    const ingresses = [
      tlsIngress('theirs', ['their-tls'], { className: 'nginx' }),
      tlsIngress('mine', ['my-tls'], { className: 'edge' }),
      tlsIngress('plain', ['plain-tls'], { className: '' }),
    ];
    assert.deepEqual([...referencedSecrets(snapshot({ ingresses }), OPTIONS)], []);
    const classes = [
      ingressClass('edge', OPTIONS.controllerName),
      ingressClass('nginx', 'k8s.io/ingress-nginx'),
      ingressClass('everyone', OPTIONS.controllerName, true),
    ];
    // `plain` has no class of its own: the default IngressClass (ours) takes it.
    assert.deepEqual(
      [...referencedSecrets(snapshot({ ingresses, ingressClasses: classes }), OPTIONS)],
      ['default/my-tls', 'default/plain-tls'],
    );
  });

  it('--default-ssl-certificate comes first, then the oldest Ingress first (the order a cap keeps)', () => {
    const refs = referencedSecrets(
      snapshot({
        ingresses: [
          tlsIngress('young', ['young-tls'], { created: '2026-03-01T00:00:00Z' }),
          tlsIngress('old', ['old-tls'], { created: '2025-01-01T00:00:00Z' }),
        ],
      }),
      { ...OPTIONS, defaultSslCertificate: 'ingress/fallback' },
    );
    assert.deepEqual([...refs], ['ingress/fallback', 'default/old-tls', 'default/young-tls']);
  });

  it('names translation refuses are never requested (and cannot smuggle a field selector)', () => {
    const refs = referencedSecrets(
      snapshot({
        ingresses: [tlsIngress('app', ['ok-tls', 'a,type=Opaque', 'Upper', 'x/y', `${'a'.repeat(240)}`])],
      }),
      { ...OPTIONS, defaultSslCertificate: 'not-namespaced' },
    );
    assert.deepEqual([...refs], ['default/ok-tls']);
  });
});

describe('translation from only the referenced Secrets is translation from all of them', () => {
  // Cluster mode holds only referenced Secrets, standalone mode every TLS Secret of its folder:
  // both must give the same table and the same diagnostics.
  const other = { cert: PEM.defaultCert, key: PEM.defaultKey };
  const cases: Array<[string, Snapshot, string | undefined]> = [
    [
      'valid, missing, mismatched and default certificates, with Secrets nobody references',
      snapshot({
        ingresses: [
          tlsIngress('example', ['example-tls', 'missing-tls']),
          tlsIngress('broken', ['broken-tls'], { namespace: 'team' }),
          tlsIngress('theirs', ['their-tls'], { className: 'nginx' }),
        ],
        services: [service('web'), service('web', undefined, { namespace: 'team' })],
        secrets: [
          tlsSecret('example-tls'),
          tlsSecret('broken-tls', { namespace: 'team', key: PEM.otherKey }),
          tlsSecret('their-tls'),
          tlsSecret('unreferenced-tls', other),
          tlsSecret('example-tls', { namespace: 'team' }),
          tlsSecret('fallback', { namespace: 'ingress', ...other }),
        ],
      }),
      'ingress/fallback',
    ],
    [
      "proxy-ssl-secret of the own namespace read, another namespace's never",
      snapshot({
        ingresses: [
          ingress(
            'app',
            { rules: [rule('app.example.com', ['/'])] },
            {
              namespace: 'team',
              annotations: {
                'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
                'nginx.ingress.kubernetes.io/proxy-ssl-secret': 'team/upstream-ca',
              },
            },
          ),
          ingress(
            'other',
            { rules: [rule('other.example.com', ['/'])] },
            { annotations: { 'nginx.ingress.kubernetes.io/proxy-ssl-secret': 'team/upstream-ca' } },
          ),
        ],
        services: [service('web', undefined, { namespace: 'team' }), service('web')],
        secrets: [tlsSecret('upstream-ca', { namespace: 'team' }), tlsSecret('upstream-ca')],
      }),
      undefined,
    ],
    [
      'a Secret of the right name in the wrong namespace, no default certificate',
      snapshot({
        ingresses: [tlsIngress('example', ['example-tls'], { namespace: 'team' })],
        secrets: [tlsSecret('example-tls')],
      }),
      undefined,
    ],
  ];
  for (const [why, full, defaultSslCertificate] of cases) {
    it(why, () => {
      const options = { ...OPTIONS, defaultSslCertificate, now: new Date('2026-06-01T00:00:00Z') };
      const refs = referencedSecrets(full, options);
      const only = (s: Secret) => refs.has(`${s.metadata.namespace}/${s.metadata.name}`);
      const referenced = { ...full, secrets: full.secrets.filter(only) };
      assert.ok(referenced.secrets.length < full.secrets.length, 'the case has unreferenced Secrets');
      assert.deepEqual(translate(referenced, options), translate(full, options));
    });
  }
});
