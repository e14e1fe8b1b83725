// What one per-name Secret watch costs the controller (--max-secret-watches): a KubeSource on the
// real HTTPS transport watches N referenced Secrets of a stand-in API server on 127.0.0.1 (a child
// process: empty LISTs, watches held open), and this process's RSS and heap are read before and after.
// Run: node --expose-gc bench/secret-watches.ts [N ...]   (default 250 1000 2000)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createSecureServer, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, kubeSource } from '../controller/src/sources/kube/index.ts';

const testdata = new URL('../controller/src/translate/testdata/', import.meta.url);
const tls = {
  cert: readFileSync(new URL('example.crt.pem', testdata)),
  key: readFileSync(new URL('example.key.pem', testdata)),
};

/** The stand-in API server; tells its parent the port, then how many watches are open when asked. */
async function serve(): Promise<void> {
  const open = new Set<Http2ServerResponse>();
  // HTTP/2 by ALPN, as kube-apiserver offers it (Go's default of 250 streams a connection), and
  // HTTP/1.1 for clients that do not ask for h2.
  const server = createSecureServer(
    { ...tls, allowHTTP1: true, settings: { maxConcurrentStreams: 250 } },
    (req, res) => {
      res.setHeader('content-type', 'application/json');
      if (!req.url?.includes('watch=true')) {
        res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
        return;
      }
      res.writeHead(200);
      res.write('');
      open.add(res);
      res.on('close', () => open.delete(res));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send?.({ port: (server.address() as AddressInfo).port });
  process.on('message', () => process.send?.({ open: open.size }));
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number);
  const child = fork(new URL(import.meta.url), ['--serve'], { stdio: 'inherit' });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  const openWatches = async (): Promise<number> => {
    child.send('count');
    const [{ open }] = (await once(child, 'message')) as [{ open: number }];
    return open;
  };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });

  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const measure = () => {
    gc();
    const m = process.memoryUsage();
    return { rss: m.rss, heap: m.heapUsed };
  };
  for (const n of counts.length ? counts : [250, 1000, 2000]) {
    const client = new KubeHttp(kc);
    const names = Array.from({ length: n }, (_, i) => `ns${i % 50}/site-${i}`);
    const before = measure();
    const source = kubeSource(client, { secretReferences: () => names, maxSecretWatches: n });
    source.start();
    const deadline = Date.now() + 120_000;
    while (!(source.hasSynced() && (await openWatches()) >= n + 4)) {
      if (Date.now() > deadline) throw new Error(`only ${await openWatches()} watches open`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = measure();
    const perWatch = (k: 'rss' | 'heap') => Math.round((after[k] - before[k]) / n / 1024);
    process.stdout.write(
      `${n} secret watches: +${Math.round((after.rss - before.rss) / 2 ** 20)} MiB RSS ` +
        `(${perWatch('rss')} KiB each), +${Math.round((after.heap - before.heap) / 2 ** 20)} MiB heap ` +
        `(${perWatch('heap')} KiB each) in the primary; ${source.secretWatches()} watches\n`,
    );
    await source.stop();
    client.close();
    while ((await openWatches()) > 0) await new Promise((r) => setTimeout(r, 20));
  }
  child.kill();
}

(process.argv.includes('--serve') ? serve() : main()).catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
