// A tiny HTTP backend for e2e tests: answers every request with JSON naming itself and echoing the
// request line and headers, so a test can tell which endpoint served it.
// usage: node echo-backend.ts --host 198.18.N.2 --port 8080 [--name NAME]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { host: { type: 'string' }, port: { type: 'string' }, name: { type: 'string' } },
});
const host = values.host ?? '127.0.0.1';
const port = Number(values.port ?? '8080');
const name = values.name ?? `${host}:${port}`;

const server = createServer((req, res) => {
  const body = JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(port, host, () => console.log(`listening ${host}:${port}`));
// A test backend has no state worth draining: stop at once so teardown is quick.
process.on('SIGTERM', () => process.exit(0));
