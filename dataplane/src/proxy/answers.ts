// The proxy's own answers: a small plain-text body and `server: gatehouse`, so a user can tell
// an answer of the edge from an answer of their pod.
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderModifier } from '../table/types.ts';
import { modifyResponseHeadersFor, type StatusHeaderModifier } from './filters.ts';

const bodies = new Map<number, Buffer>();

function bodyFor(status: number): Buffer {
  let body = bodies.get(status);
  if (body === undefined) {
    body = Buffer.from(`${status} ${STATUS_CODES[status] ?? 'Error'}\n`);
    bodies.set(status, body);
  }
  return body;
}

export function answer(res: ServerResponse, status: number, extraHeaders?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = bodyFor(status);
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    server: 'gatehouse',
    ...extraHeaders,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * A route's own answer (DirectResponse, nginx `return CODE [TEXT]`): the text as text/plain, else
 * ours; `headers` (the route's response header changes, as nginx's add_header) edit it first.
 */
export function answerDirect(
  res: ServerResponse,
  status: number,
  body: string | undefined,
  headers: RouteResponseHeaders,
  location?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = body === undefined ? bodyFor(status) : Buffer.from(body);
  const fields: Record<string, string | string[] | undefined> = {
    'content-type': 'text/plain; charset=utf-8',
    server: 'gatehouse',
  };
  modifyResponseHeadersFor(fields, status, headers.responseHeaders, headers.statusResponseHeaders);
  // Set after the changes: a snippet never replaces the Location its own redirect computed.
  if (location !== undefined) fields.location = location;
  // The length is the body's own, whatever a header change said.
  fields['content-length'] = String(text.length);
  res.writeHead(status, fields);
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** `route`: the route whose redirect this is; its response header changes apply, as nginx's add_header on a return. */
export function redirect(
  res: ServerResponse,
  status: number,
  location: string,
  route?: RouteResponseHeaders,
): void {
  if (
    route === undefined ||
    (route.responseHeaders === undefined && route.statusResponseHeaders === undefined)
  ) {
    answer(res, status, { location });
    return;
  }
  answerDirect(res, status, undefined, route, location);
}

/** What an answer of a route needs of it: its response header changes (compile.ts). */
export interface RouteResponseHeaders {
  readonly responseHeaders: HeaderModifier | undefined;
  readonly statusResponseHeaders: readonly StatusHeaderModifier[] | undefined;
}

/** An answer written straight to a socket: for parse errors, before any request object exists. */
export function answerRaw(socket: Duplex, status: number): void {
  writeRaw(socket, status, '');
}

/** A 401 written straight to a socket, with the route's `WWW-Authenticate` challenge (a validated realm). */
export function challengeRaw(socket: Duplex, challenge: string): void {
  writeRaw(socket, 401, `www-authenticate: ${challenge}\r\n`);
}

/**
 * A redirect written straight to a socket (an upgrade has no ServerResponse). Node's header checks
 * are bypassed here, so a Location that could split the header block is refused with a 400.
 */
export function redirectRaw(socket: Duplex, status: number, location: string): void {
  if (isSafeLocation(location)) writeRaw(socket, status, `location: ${location}\r\n`);
  else writeRaw(socket, 400, '');
}

/** No C0 control, space, DEL or character beyond Latin-1: nothing that could end or split a header line. */
export function isSafeLocation(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** An answer with headers written straight to a socket; a value holding CR, LF or NUL makes it a 500. */
export function answerRawWith(
  socket: Duplex,
  status: number,
  headers: Record<string, string | string[]>,
): void {
  let extra = '';
  for (const name in headers) {
    for (const v of Array.isArray(headers[name]) ? headers[name] : [headers[name] as string]) {
      if (/[\r\n\0]/.test(v)) {
        writeRaw(socket, 500, '');
        return;
      }
      extra += `${name}: ${v}\r\n`;
    }
  }
  writeRaw(socket, status, extra);
}

function writeRaw(socket: Duplex, status: number, extraHeaders: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = bodyFor(status);
  // Latin-1, as Node writes header values: the bytes of a path are sent back as they came.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nserver: gatehouse\r\n${extraHeaders}content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    'latin1',
  );
}
