// Upstream annotations through real workers, from manifests as a user writes them:
// `backend-protocol: HTTPS` + `proxy-ssl-secret` + `proxy-ssl-verify: on` verifies the pod against
// the Secret's ca.crt and presents its tls.crt/tls.key (annotations.md#backend-certificate-
// authentication, test/e2e/annotations/proxyssl.go); `service-upstream: "true"` sends to the
// Service's ClusterIP and port instead of its endpoints (annotations.md#service-upstream).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { Client } from 'undici';
import { makeTestCerts, type TestCerts } from '../../dataplane/src/upstream/test-certs.ts';
import {
  type Backend,
  type Gatehouse,
  get,
  ingress,
  ingressClass,
  ManifestDir,
  serviceFor,
  startBackend,
  startGatehouse,
  waitFor,
  withAnnotations,
} from './harness.ts';

const P = 'nginx.ingress.kubernetes.io';

/** A Secret as proxyssl.go's e2e test makes it: client certificate and key, and the CA of the backend. */
function proxySslSecret(name: string, client: TestCerts, caPem: string): object {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'apps' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(client.certPem), 'tls.key': b64(client.keyPem), 'ca.crt': b64(caPem) },
  };
}

/** An HTTPS Service on port 443 whose one endpoint is 127.0.0.1:`port`. */
function httpsService(name: string, port: number): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'apps' },
      spec: { ports: [{ name: 'https', port: 443 }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-0`, namespace: 'apps', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'https', port }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    },
  ];
}

describe('upstream annotations through workers', () => {
  const dir = new ManifestDir();
  let server: TestCerts;
  let client: TestCerts;
  let pod: Server;
  let clusterIpBackend: Backend;
  let endpointBackend: Backend;
  let g: Gatehouse;
  const seen: Array<{ sni: string | false; clientCn: string | undefined }> = [];

  before(async () => {
    server = makeTestCerts('backend.test');
    client = makeTestCerts('gatehouse.client');
    // The pod demands a client certificate its CA signed: mTLS, as proxy_ssl_certificate gives.
    pod = createServer(
      {
        cert: server.certPem,
        key: server.keyPem,
        ca: client.caPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const socket = req.socket as TLSSocket & { servername?: string | false };
        const cn = socket.getPeerCertificate().subject?.CN;
        seen.push({ sni: socket.servername ?? false, clientCn: Array.isArray(cn) ? cn.join(',') : cn });
        res.end('secure');
      },
    );
    pod.listen(0, '127.0.0.1');
    await once(pod, 'listening');
    const podPort = (pod.address() as AddressInfo).port;
    clusterIpBackend = await startBackend('cluster-ip');
    endpointBackend = await startBackend('endpoint');

    const https = { [`${P}/backend-protocol`]: 'HTTPS' };
    const secure = (name: string, annotations: Record<string, string>) =>
      withAnnotations(
        ingress('apps', name, [
          { host: `${name}.example`, paths: [{ path: '/', service: 'secure', port: 443 }] },
        ]),
        { ...https, ...annotations },
      );
    // service-upstream: the Service's ClusterIP (127.0.0.1 here) and port reach one backend; its
    // endpoints reach another, so the answer says which one was used.
    const [viaService, ...viaSlices] = serviceFor('apps', 'balanced', [endpointBackend]);
    const balanced = viaService as { spec: Record<string, unknown> };
    balanced.spec = { clusterIP: '127.0.0.1', ports: [{ name: 'http', port: clusterIpBackend.port }] };
    const sliceObject = viaSlices[0] as { ports: Array<{ name: string; port: number }> };
    sliceObject.ports = [{ name: 'http', port: endpointBackend.port }];

    dir.write('objects.yaml', [
      ingressClass(),
      ...httpsService('secure', podPort),
      proxySslSecret('upstream', client, server.caPem),
      proxySslSecret('wrong-ca', client, server.otherCaPem),
      secure('verified', {
        [`${P}/proxy-ssl-secret`]: 'apps/upstream',
        [`${P}/proxy-ssl-verify`]: 'on',
        [`${P}/proxy-ssl-name`]: 'backend.test',
        [`${P}/proxy-ssl-server-name`]: 'on',
      }),
      secure('mismatched', {
        [`${P}/proxy-ssl-secret`]: 'apps/wrong-ca',
        [`${P}/proxy-ssl-verify`]: 'on',
        [`${P}/proxy-ssl-name`]: 'backend.test',
      }),
      secure('missing', { [`${P}/proxy-ssl-secret`]: 'apps/absent', [`${P}/proxy-ssl-verify`]: 'on' }),
      secure('foreign', { [`${P}/proxy-ssl-secret`]: 'other/upstream', [`${P}/proxy-ssl-verify`]: 'on' }),
      viaService,
      ...viaSlices,
      withAnnotations(
        ingress('apps', 'service-upstream', [
          {
            host: 'clusterip.example',
            paths: [{ path: '/', service: 'balanced', port: clusterIpBackend.port }],
          },
        ]),
        { [`${P}/service-upstream`]: 'true' },
      ),
      withAnnotations(
        ingress('apps', 'quiet', [
          { host: 'quiet.example', paths: [{ path: '/', service: 'balanced', port: clusterIpBackend.port }] },
        ]),
        { [`${P}/enable-access-log`]: 'false' },
      ),
      ingress('apps', 'endpoints', [
        {
          host: 'endpoints.example',
          paths: [{ path: '/', service: 'balanced', port: clusterIpBackend.port }],
        },
      ]),
    ]);
    g = await startGatehouse(dir.dir, { workers: 2, args: ['--access-log'] });
    await g.waitReady();
  });

  after(async () => {
    await g?.stop();
    pod?.closeAllConnections();
    pod?.close();
    await clusterIpBackend?.close();
    await endpointBackend?.close();
    dir.cleanup();
  });

  it("proxy-ssl-secret + verify on: the pod's certificate verified against ca.crt, the client certificate presented", async () => {
    seen.length = 0;
    const res = await get(g, 'verified.example', '/');
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, 'secure');
    assert.deepEqual(seen, [{ sni: 'backend.test', clientCn: 'gatehouse.client' }]);
  });

  it('a ca.crt that did not sign the pod certificate: 502, and the pod sees no request', async () => {
    seen.length = 0;
    const res = await get(g, 'mismatched.example', '/');
    assert.equal(res.status, 502, res.body);
    assert.equal(seen.length, 0);
  });

  it('a missing Secret, or one of another namespace: 503, never an unverified connection', async () => {
    seen.length = 0;
    assert.equal((await get(g, 'missing.example', '/')).status, 503);
    assert.equal((await get(g, 'foreign.example', '/')).status, 503);
    assert.equal(seen.length, 0);
  });

  it('service-upstream: "true" sends to the ClusterIP and Service port; without it, the endpoints', async () => {
    const viaClusterIp = await get(g, 'clusterip.example', '/');
    assert.equal(viaClusterIp.status, 200, viaClusterIp.body);
    assert.equal(viaClusterIp.headers.get('x-backend'), 'cluster-ip');
    const viaEndpoints = await get(g, 'endpoints.example', '/');
    assert.equal(viaEndpoints.headers.get('x-backend'), 'endpoint');
  });

  it('enable-access-log: "false" leaves the Ingress out of the access log; other Ingresses are logged', async () => {
    // One connection, so one worker: its lines are written in order, and the quiet request's
    // would come before the loud one's.
    const client = new Client(g.url('/').slice(0, -1), { pipelining: 1 });
    try {
      for (const [host, id] of [
        ['quiet.example', 'quiet-request'],
        ['endpoints.example', 'loud-request'],
      ]) {
        const res = await client.request({ method: 'GET', path: '/', headers: { host, 'x-request-id': id } });
        assert.equal(res.statusCode, 200);
        await res.body.text();
      }
    } finally {
      await client.close();
    }
    await waitFor('the logged request in the access log', () =>
      g.output().includes('"host":"endpoints.example"'),
    );
    assert.equal(g.output().includes('"host":"quiet.example"'), false);
  });
});
