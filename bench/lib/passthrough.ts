// The floor the issue calibrates against: a minimal pass-through proxy — node:http in, undici
// Pool.dispatch out, no routing, no header rules, no metrics. One process per instance; the
// benchmark starts as many as Gatehouse has workers, all on one SO_REUSEPORT port.
// Run: node bench/lib/passthrough.ts PORT UPSTREAM_PORT
import { createServer, type ServerResponse } from 'node:http';
import { type Dispatcher, Pool } from 'undici';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 1024, pipelining: 1 });

class Relay implements Dispatcher.DispatchHandler {
  readonly res: ServerResponse;
  constructor(res: ServerResponse) {
    this.res = res;
  }
  onRequestStart() {}
  onResponseStart(
    _c: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ) {
    delete headers.connection;
    delete headers['keep-alive'];
    this.res.writeHead(status, headers);
  }
  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer) {
    this.res.write(chunk);
  }
  onResponseEnd() {
    this.res.end();
  }
  onResponseError(_c: Dispatcher.DispatchController, error: Error) {
    if (process.env.PASSTHROUGH_DEBUG) process.stderr.write(`${error.stack}\n`);
    this.res.destroy();
  }
}

createServer({ keepAliveTimeout: 75_000 }, (req, res) => {
  pool.dispatch(
    { path: req.url ?? '/', method: req.method ?? 'GET', headers: req.rawHeaders, body: null },
    new Relay(res),
  );
}).listen({ port, host: '127.0.0.1', reusePort: true });
process.on('SIGTERM', () => process.exit(0));
