import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, get } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { openAcceptors } from './acceptors.ts';

function opened(server: Server, count: number): Promise<Server[]> {
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('not listening');
  return new Promise((resolve, reject) => {
    const acceptors = openAcceptors(
      server,
      { port: address.port, host: '127.0.0.1', backlog: 511 },
      count,
      () => resolve(acceptors),
      reject,
    );
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('acceptors', () => {
  it('hand every connection they accept to the server, which answers it as its own', async () => {
    const server = createHttpServer((_req, res) => res.end('ok'));
    server.listen({ port: 0, host: '127.0.0.1', reusePort: true });
    await once(server, 'listening');
    const acceptors = await opened(server, 3);
    const byAcceptors: Socket[] = [];
    for (const acceptor of acceptors) acceptor.on('connection', (socket: Socket) => byAcceptors.push(socket));
    try {
      const port = (server.address() as { port: number }).port;
      const answers = await Promise.all(
        Array.from(
          { length: 40 },
          () =>
            new Promise<string>((resolve, reject) => {
              get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
                let body = '';
                res.on('data', (d: Buffer) => {
                  body += d.toString();
                });
                res.on('end', () => resolve(`${res.statusCode} ${body}`));
              })
                // A connection nobody serves would wait forever: fail instead.
                .setTimeout(5000, function (this: { destroy(e: Error): void }) {
                  this.destroy(new Error('no answer within 5 s'));
                })
                .on('error', reject);
            }),
        ),
      );
      assert.deepEqual(new Set(answers), new Set(['200 ok']));
      // The kernel spreads connections over the four sockets by their ports: none of 40 on the
      // three acceptors is a 4^-40 chance.
      assert.ok(byAcceptors.length > 0, 'the acceptors accepted no connection');
    } finally {
      // Served connections are closed already; these destroys matter only when a test failed.
      server.closeAllConnections();
      for (const socket of byAcceptors) socket.destroy();
      await Promise.all([close(server), ...acceptors.map(close)]);
    }
  });

  it('report a port they cannot share', async () => {
    // Bound without SO_REUSEPORT: nothing else may listen on the port.
    const exclusive = createNetServer();
    exclusive.listen({ port: 0, host: '127.0.0.1' });
    await once(exclusive, 'listening');
    try {
      const error = await opened(exclusive, 1).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      assert.equal(error?.code, 'EADDRINUSE');
    } finally {
      await close(exclusive);
    }
  });

  it('pass a failed accept, once listening, to the server as its own error', async () => {
    const server = createNetServer();
    const errors: Error[] = [];
    server.on('error', (e) => errors.push(e));
    server.listen({ port: 0, host: '127.0.0.1', reusePort: true });
    await once(server, 'listening');
    const acceptors = await opened(server, 1);
    try {
      // What net.Server emits when accept() fails, e.g. out of file descriptors.
      acceptors[0].emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
      assert.deepEqual(
        errors.map((e) => e.message),
        ['accept EMFILE'],
      );
      assert.equal(acceptors[0].listening, true, 'the acceptor keeps listening');
    } finally {
      await Promise.all([close(server), ...acceptors.map(close)]);
    }
  });

  it('with none to open, report ready at once', async () => {
    const server = createNetServer();
    server.listen({ port: 0, host: '127.0.0.1', reusePort: true });
    await once(server, 'listening');
    try {
      assert.deepEqual(await opened(server, 0), []);
    } finally {
      await close(server);
    }
  });
});
