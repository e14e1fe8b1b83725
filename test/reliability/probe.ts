// One request on a fresh connection, answering which worker served it (the connection's owner,
// read while it is still open).
import { Agent, request } from 'node:http';
import { connectionOwners } from './sockets.ts';

export async function probe(
  port: number,
  host: string,
  path = '/',
): Promise<{ status: number; pid: number | undefined } | { error: string }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    return await new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers: { host }, agent, timeout: 5_000 },
        (res) => {
          res.resume();
          res.on('end', () => {
            const pid = connectionOwners(port).get(req.socket?.localPort ?? -1);
            resolve({ status: res.statusCode ?? 0, pid });
          });
          res.on('error', (error) => resolve({ error: String(error) }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => resolve({ error: String(error) }));
      req.end();
    });
  } finally {
    agent.destroy();
  }
}
