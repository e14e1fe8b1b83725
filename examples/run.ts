// `make run`: the demo backends, then Gatehouse serving examples/manifests in standalone mode,
// then the curl commands to try. Ctrl-C stops everything it started.
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { demoBackends, startDemoBackend } from './demo-backends.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const httpPort = Number(process.env.GATEHOUSE_HTTP_PORT ?? 8080);
const adminPort = Number(process.env.GATEHOUSE_ADMIN_PORT ?? 10254);

const servers: Server[] = [];
for (const b of demoBackends) {
  try {
    servers.push(await startDemoBackend(b.name, b.port));
  } catch (error) {
    console.error(`cannot start demo backend ${b.name} on 127.0.0.1:${b.port}: ${(error as Error).message}`);
    process.exit(1);
  }
}

const gatehouse = spawn(
  process.execPath,
  [
    'controller/src/main.ts',
    '--manifests',
    'examples/manifests',
    '--bind-address',
    '127.0.0.1',
    '--http-port',
    String(httpPort),
    '--admin-port',
    String(adminPort),
    '--workers',
    '2',
    '--log-format',
    'text',
  ],
  { cwd: root, stdio: 'inherit' },
);

const deadline = Date.now() + 15_000;
let ready = false;
while (!ready && Date.now() < deadline && gatehouse.exitCode === null) {
  ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (!ready) await new Promise((r) => setTimeout(r, 100));
}
if (!ready) {
  console.error('gatehouse did not become ready within 15 s; see its log above');
  gatehouse.kill('SIGTERM');
  process.exit(1);
}

const base = `http://127.0.0.1:${httpPort}`;
console.log(`
Gatehouse serves examples/manifests on ${base} (admin on :${adminPort}). Try:

  curl -H 'Host: shop.example.com' ${base}/               # Prefix /  → shop-web (round robin over two endpoints)
  curl -H 'Host: shop.example.com' ${base}/api/orders     # Prefix /api → shop-api
  curl -H 'Host: shop.example.com' ${base}/api/health     # Exact /api/health beats Prefix /api → shop-web
  curl -H 'Host: BLOG.example.com:8080' ${base}/posts/1   # host is case-insensitive, port ignored → blog
  curl -H 'Host: unknown.example.com' ${base}/            # no host matches → default backend
  curl http://127.0.0.1:${adminPort}/readyz                # 200 once every worker serves the current table

Edit a file under examples/manifests/ and the change is served within a moment, without a restart.
Press Ctrl-C to stop.
`);

const stop = (): void => {
  gatehouse.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
gatehouse.on('exit', (code) => {
  for (const s of servers) s.close();
  process.exit(code ?? 0);
});
