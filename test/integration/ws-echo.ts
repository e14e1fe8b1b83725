// A WebSocket echo backend on node:http's 'upgrade' event (RFC 6455 handshake and framing, enough
// for text and binary messages under 64 KiB and the closing handshake): no `ws` dependency needed
// to judge the proxy's tunnel from the server side. Any other Upgrade protocol is echoed raw.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface EchoServer {
  port: number;
  server: Server;
  /** Upgrade requests seen, with their headers as the backend received them. */
  upgrades: IncomingMessage['headers'][];
  /** Tunnels currently open on the backend side. */
  open: Set<Duplex>;
  close(): Promise<void>;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const head =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

/** Echo every data frame back; answer a close frame with a close frame and end. */
function echo(socket: Duplex): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < 2) return;
      const opcode = buffered[0] & 0x0f;
      let length = buffered[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      }
      const masked = (buffered[1] & 0x80) !== 0;
      const maskAt = offset;
      if (masked) offset += 4;
      if (buffered.length < offset + length) return;
      const payload = Buffer.from(buffered.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= buffered[maskAt + (i % 4)];
      buffered = buffered.subarray(offset + length);
      if (opcode === 0x8) {
        socket.end(frame(0x8, payload));
        return;
      }
      if (opcode === 0x9) socket.write(frame(0xa, payload));
      else if (opcode === 0x1 || opcode === 0x2) socket.write(frame(opcode, payload));
    }
  });
}

export async function startEchoServer(): Promise<EchoServer> {
  const upgrades: EchoServer['upgrades'] = [];
  const open = new Set<Duplex>();
  const server = createServer((_req, res) => {
    res.writeHead(426, { upgrade: 'websocket' });
    res.end();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    upgrades.push(req.headers);
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    // node:http sockets allow half-open: close our side when the proxy closes its side.
    socket.on('end', () => socket.end());
    const protocol = req.headers.upgrade ?? '';
    const key = req.headers['sec-websocket-key'];
    if (protocol.toLowerCase() !== 'websocket') {
      // Any other protocol: switch, then echo raw bytes.
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${protocol}\r\nconnection: Upgrade\r\n\r\n`);
      socket.pipe(socket);
      return;
    }
    if (typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`,
    );
    echo(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    server,
    upgrades,
    open,
    close: async () => {
      for (const socket of open) socket.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}
