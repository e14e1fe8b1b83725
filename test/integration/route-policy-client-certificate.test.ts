// A RoutePolicy's clientCertificate through a real worker (standalone manifests): the host of the
// Ingress it targets requires a client certificate its CA Secret signed, as auth-tls-secret does
// (annotations.md "Client Certificate Authentication"); another Ingress's host stays open.
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { type ClientCerts, makeClientCerts } from './client-certs.ts';
import {
  type Backend,
  type Gatehouse,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  withTls,
} from './harness.ts';
import { tlsSecret } from './tls-objects.ts';

const HOSTS = ['mtls.test', 'open.test'];

describe('RoutePolicy clientCertificate through a worker (standalone manifests)', () => {
  const dir = new ManifestDir();
  let app: Backend;
  let g: Gatehouse;
  let certs: ClientCerts;

  before(async () => {
    certs = makeClientCerts(HOSTS);
    app = await startBackend('app');
    const site = (name: string, host: string) =>
      withTls(ingress('apps', name, [{ host, paths: [{ path: '/', service: 'app' }] }]), [host], 'server');
    dir.write('objects.yaml', [
      ingressClass(),
      ...serviceFor('apps', 'app', [app]),
      tlsSecret('apps', 'server', certs.server),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { namespace: 'apps', name: 'client-ca' },
        stringData: { 'ca.crt': certs.caPem },
      },
      site('mtls', 'mtls.test'),
      site('open', 'open.test'),
      {
        apiVersion: 'gatehouse.dev/v1alpha1',
        kind: 'RoutePolicy',
        metadata: { name: 'mtls', namespace: 'apps', creationTimestamp: '2026-01-01T00:00:00Z' },
        spec: {
          targetRefs: [{ group: 'networking.k8s.io', kind: 'Ingress', name: 'mtls' }],
          clientCertificate: { caSecretRef: { name: 'client-ca' } },
        },
      },
    ]);
    g = await startGatehouse(dir.dir, { workers: 1 });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    await app?.close();
    dir.cleanup();
  });

  /** The status of one request over a new TLS connection for `host`, with the client certificate given. */
  function statusOf(host: string, client?: { certPem: string; keyPem: string }) {
    return new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: g.httpsPort,
          path: '/',
          servername: host,
          headers: { host },
          rejectUnauthorized: false,
          agent: false,
          ...(client === undefined ? {} : { cert: client.certPem, key: client.keyPem }),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('no certificate and one of another CA: 400, never at the backend', async () => {
    const seen = app.seen.length;
    assert.equal(await statusOf('mtls.test'), 400);
    assert.equal(await statusOf('mtls.test', certs.stranger), 400);
    assert.equal(app.seen.length, seen);
  });

  it('a certificate its CA signed: 200', async () => {
    assert.equal(await statusOf('mtls.test', certs.client), 200);
  });

  it('the host of an Ingress the policy does not target asks for none', async () => {
    assert.equal(await statusOf('open.test'), 200);
  });
});
