// One HTTP/1.1 GET with an explicit Host header (fetch forbids setting Host). `fresh` opens a new
// connection for it, so successive probes land on whichever worker the kernel picks.
import { Agent, request } from 'node:http';

const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

export function get(
  port: number,
  host: string,
  path: string,
  fresh = false,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { host, ...(fresh ? { connection: 'close' } : {}) },
        agent: fresh ? false : keepAlive,
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
    req.end();
  });
}

export function closeProbes(): void {
  keepAlive.destroy();
}
