// Demo backends for `make run`: small HTTP servers that answer with who they are and what they
// received, so a newcomer sees which Service a request reached and which headers the edge added.
import { createServer, type Server } from 'node:http';

export const demoBackends = [
  { name: 'shop-web (a)', port: 9101 },
  { name: 'shop-web (b)', port: 9111 },
  { name: 'shop-api', port: 9102 },
  { name: 'blog', port: 9103 },
  { name: 'fallback (default backend)', port: 9104 },
];

export function startDemoBackend(name: string, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    const body = JSON.stringify(
      {
        backend: name,
        method: req.method,
        host: req.headers.host,
        path: req.url,
        'x-forwarded-for': req.headers['x-forwarded-for'],
        'x-forwarded-proto': req.headers['x-forwarded-proto'],
        'x-request-id': req.headers['x-request-id'],
      },
      null,
      2,
    );
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) + 1 });
    res.end(`${body}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
