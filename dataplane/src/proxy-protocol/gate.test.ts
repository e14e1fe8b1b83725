import assert from 'node:assert/strict';
import { once } from 'node:events';
import { BlockList, connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type RefusalReason, requireProxyHeader } from './gate.ts';

/** A server behind the gate that records what its own connection listener gets. */
async function gatedServer(trustedAddress: string, timeoutMs: number) {
  const handed: Array<{ address: string | undefined; port: number | undefined; first: string }> = [];
  const refused: RefusalReason[] = [];
  const server: Server = createServer((socket: Socket) => {
    socket.once('data', (d: Buffer) => {
      handed.push({ address: socket.remoteAddress, port: socket.remotePort, first: d.toString('latin1') });
      socket.end('ok');
    });
  });
  const trusted = new BlockList();
  trusted.addAddress(trustedAddress, 'ipv4');
  requireProxyHeader(server, { trusted, timeoutMs, onRefused: (reason) => refused.push(reason) });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, handed, refused };
}

/** Sends `pieces` one write each; resolves with what came back once the server closed. */
async function converse(port: number, pieces: string[], from = '127.0.0.1', end = false): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  socket.on('error', () => {});
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  const closed = once(socket, 'close');
  for (const piece of pieces) await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
  if (end) socket.end();
  await closed;
  return received;
}

describe('the PROXY header gate on a listening socket', () => {
  let gated: Awaited<ReturnType<typeof gatedServer>>;

  before(async () => {
    gated = await gatedServer('127.0.0.1', 300);
  });

  after(() => {
    gated.server.close();
  });

  test('a whole header hands the socket over with the named client and the bytes after it', async () => {
    const answer = await converse(gated.port, ['PROXY TCP4 203.0.113.7 198.51.100.1 4000 443\r\nhel', 'lo']);
    assert.equal(answer, 'ok');
    const last = gated.handed.at(-1);
    assert.equal(last?.address, '203.0.113.7');
    assert.equal(last?.port, 4000);
    assert.match(last?.first ?? '', /^hel/);
  });

  test('a header in pieces is put together before the hand-over', async () => {
    const answer = await converse(gated.port, ['PRO', 'XY UNKNOWN\r', '\nping']);
    assert.equal(answer, 'ok');
    assert.equal(gated.handed.at(-1)?.address, '127.0.0.1');
    assert.equal(gated.handed.at(-1)?.first, 'ping');
  });

  const refusals: Array<[RefusalReason, string, string[], string?, boolean?]> = [
    ['untrusted', 'a peer outside the trusted list', ['PROXY UNKNOWN\r\nping'], '127.0.0.2'],
    ['malformed', 'a request with no PROXY header', ['GET / HTTP/1.1\r\n\r\n']],
    ['malformed', 'a v1 line past 107 bytes', [`PROXY UNKNOWN ${'x'.repeat(120)}`]],
    ['timeout', 'a header that never ends', ['PROXY TCP4 ']],
    ['incomplete', 'a peer closing mid-header', ['PROXY TCP4 '], undefined, true],
  ];
  for (const [reason, what, pieces, from, end] of refusals) {
    test(`${what} is closed unanswered and counted as ${reason}`, async () => {
      const handedBefore = gated.handed.length;
      const refusedBefore = gated.refused.length;
      assert.equal(await converse(gated.port, pieces, from, end), '');
      assert.equal(gated.handed.length, handedBefore);
      assert.deepEqual(gated.refused.slice(refusedBefore), [reason]);
    });
  }
});
