// A TLS-terminating proxy between one Gatehouse replica and the e2e kube-apiserver, so the suite can
// fault the control plane without patching the apiserver: it passes every request through, and on
// demand stalls watches (no byte for a while, then the connection is cut, as a middlebox that
// black-holed it finally does) or answers every watch with 410 Gone (a storm of compactions).
// LISTs, Lease and status writes always pass, so only the watch path is faulted.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { Cluster } from './cluster.ts';

export type ApiFault = 'none' | 'stall' | 'gone';

export interface ApiProxy {
  /** A kubeconfig for the gatehouse identity whose server is this proxy. */
  kubeconfig: string;
  /** Watches opened (and passed, stalled or answered 410) so far, by what happened to them. */
  watches: Record<'passed' | 'stalled' | 'gone', number>;
  /**
   * Sets the fault for watches from now on. Entering `stall` freezes the open watches too; leaving
   * it cuts every stalled one. Entering `gone` cuts the open watches, so each one reconnects into it.
   */
  fault(mode: ApiFault): void;
  close(): Promise<void>;
}

// What the apiserver sends when the requested resourceVersion was compacted (k8s.io/apimachinery
// watch ERROR event with a metav1.Status, reason Expired, code 410).
const GONE_EVENT = `${JSON.stringify({
  type: 'ERROR',
  object: {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'too old resource version: 1 (2)',
    reason: 'Expired',
    code: 410,
  },
})}\n`;
const GONE_STATUS = JSON.stringify(JSON.parse(GONE_EVENT).object);

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'te']);

/** A serving certificate for 127.0.0.1 signed by the cluster's CA, so the kubeconfig's CA trusts it. */
function servingCert(stateDir: string): { key: string; cert: string } {
  const pki = join(stateDir, 'pki');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=api-proxy',
    '-keyout',
    join(pki, 'api-proxy.key'),
    '-out',
    join(pki, 'api-proxy.csr'),
  ]);
  writeFileSync(
    join(pki, 'api-proxy.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n',
  );
  run([
    'x509',
    '-req',
    '-in',
    join(pki, 'api-proxy.csr'),
    '-CA',
    join(pki, 'ca.crt'),
    '-CAkey',
    join(pki, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    join(pki, 'api-proxy.ext'),
    '-out',
    join(pki, 'api-proxy.crt'),
  ]);
  return {
    key: readFileSync(join(pki, 'api-proxy.key'), 'utf8'),
    cert: readFileSync(join(pki, 'api-proxy.crt'), 'utf8'),
  };
}

function isWatch(url: URL): boolean {
  const w = url.searchParams.get('watch');
  return w === 'true' || w === '1';
}

export async function startApiProxy(cluster: Cluster): Promise<ApiProxy> {
  const upstream = new URL(cluster.server);
  const ca = readFileSync(join(cluster.stateDir, 'pki', 'ca.crt'), 'utf8');
  const agent = new Agent({ connect: { ca }, connections: 256 });
  let mode: ApiFault = 'none';
  /** Open watch responses; `held` is set while a stall freezes one. */
  const open = new Set<{ res: Http2ServerResponse; held: boolean; cut(): void }>();
  const watches = { passed: 0, stalled: 0, gone: 0 };

  const handle = async (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const url = new URL(req.url, upstream);
    const watch = isWatch(url);
    if (watch && mode === 'gone') {
      watches.gone++;
      // Both ways the apiserver says it: an ERROR event on a 200 stream, or a 410 answer.
      if (watches.gone % 2 === 0) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(GONE_EVENT);
      } else {
        res.writeHead(410, { 'content-type': 'application/json' });
        res.end(GONE_STATUS);
      }
      return;
    }
    const ac = new AbortController();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith(':') || HOP_BY_HOP.has(name) || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    // Cutting a watch drops its whole connection (with HTTP/2, every stream on it): a stream reset
    // alone went unnoticed by the client in this suite, and a dead connection is what a middlebox leaves.
    const entry = {
      res,
      held: false,
      cut: () => {
        ac.abort();
        if (req.httpVersionMajor === 2) req.stream.session?.destroy();
        else req.socket.destroy();
      },
    };
    try {
      const answer = await request(url, {
        method: req.method as 'GET',
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req,
        dispatcher: agent,
        signal: ac.signal,
      });
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
      }
      res.writeHead(answer.statusCode, out);
      if (watch) {
        open.add(entry);
        if (mode === 'stall') {
          entry.held = true;
          watches.stalled++;
        } else watches.passed++;
      }
      res.on('close', () => ac.abort());
      for await (const chunk of answer.body) {
        // A stalled watch sends nothing; it is cut when the stall ends (the loop then throws).
        while (entry.held && !ac.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 50));
        if (ac.signal.aborted) break;
        res.write(chunk);
      }
      // Cut: reset the stream (HTTP/2) or the connection (HTTP/1.1), never a clean end.
      if (ac.signal.aborted) req.destroy();
      else res.end();
    } catch {
      if (!res.headersSent) {
        res.writeHead(502);
        res.end();
      } else req.destroy();
    } finally {
      open.delete(entry);
    }
  };

  const server = createSecureServer({ ...servingCert(cluster.stateDir), allowHTTP1: true }, (req, res) => {
    handle(req, res).catch(() => req.destroy());
  });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = join(cluster.stateDir, 'gatehouse-via-proxy.kubeconfig');
  writeFileSync(
    kubeconfig,
    readFileSync(cluster.gatehouseKubeconfig, 'utf8').replace(
      `server: ${cluster.server}`,
      `server: https://127.0.0.1:${port}`,
    ),
  );
  if (!readFileSync(kubeconfig, 'utf8').includes(`127.0.0.1:${port}`))
    throw new Error('kubeconfig not rewritten');

  return {
    kubeconfig,
    watches,
    fault(next) {
      const previous = mode;
      mode = next;
      for (const entry of open) {
        if (next === 'stall' && !entry.held) {
          entry.held = true;
          watches.stalled++;
        } else if (previous === 'stall' && next !== 'stall' && entry.held) entry.cut();
        else if (next === 'gone') entry.cut();
      }
    },
    async close() {
      for (const entry of open) entry.cut();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await agent.close().catch(() => {});
    },
  };
}
