// The client address of a request. An HTTP/2 session reads its bytes through the frame guard (a
// JS stream, see http2/guarded-socket.ts), whose socket has no peer address, so the listener
// records the TLS socket's address per session.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

const sessionPeers = new WeakMap<object, string>();

export function recordSessionPeer(session: object, address: string | undefined): void {
  if (address !== undefined) sessionPeers.set(session, address);
}

export function peerAddress(req: IncomingMessage): string {
  const address = req.socket?.remoteAddress;
  if (address !== undefined) return address;
  const session = (req as unknown as { stream?: { session?: object } }).stream?.session;
  return (session === undefined ? undefined : sessionPeers.get(session)) ?? '';
}

/** The client's TLS socket of each HTTP/2 session: the session's own socket is the frame guard. */
const sessionSockets = new WeakMap<object, TLSSocket>();

export function recordSessionTls(session: object, socket: TLSSocket): void {
  sessionSockets.set(session, socket);
}

/** The TLS socket an HTTP/2 stream's session runs on; undefined for HTTP/1 and unknown sessions. */
export function sessionTlsSocket(req: IncomingMessage): TLSSocket | undefined {
  const session = (req as unknown as { stream?: { session?: object } }).stream?.session;
  return session === undefined ? undefined : sessionSockets.get(session);
}
