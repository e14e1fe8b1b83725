// The admin port: /healthz (the process and its sources are alive), /readyz (every worker serves
// the current table), /metrics. Never on a data-plane port, so a route can never shadow it.
import { createServer, type Server } from 'node:http';

export interface AdminHandlers {
  healthy(): { ok: boolean; detail: string };
  ready(): { ok: boolean; detail: string };
  metrics?(accept: string | undefined): Promise<{ contentType: string; body: string }>;
}

export function startAdminServer(port: number, host: string, handlers: AdminHandlers): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (path === '/healthz' || path === '/readyz') {
      const check = path === '/healthz' ? handlers.healthy() : handlers.ready();
      return reply(check.ok ? 200 : 503, `${check.ok ? 'ok' : 'not ok'}: ${check.detail}\n`);
    }
    if (path === '/metrics' && handlers.metrics) {
      handlers.metrics(req.headers.accept).then(
        (m) => reply(200, m.body, m.contentType),
        (error: Error) => reply(500, `metrics unavailable: ${error.message}\n`),
      );
      return;
    }
    reply(404, 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
