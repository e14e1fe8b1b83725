// The proxy's side of auth-url (auth/external.ts): what the subrequest is told of the client's
// request, the auth headers set on the upstream request, and the answers of a refusal.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthRequest } from '../auth/external.ts';
import { answer } from './answers.ts';
import type { ClientView } from './forwarding.ts';

export function authRequestOf(req: IncomingMessage, view: ClientView): AuthRequest {
  const authority = req.headers[':authority'];
  return {
    method: req.method ?? 'GET',
    requestUri: req.url ?? '/',
    scheme: view.proto,
    host: req.headers.host ?? (typeof authority === 'string' ? authority : view.host),
    clientAddress: view.address,
    requestId: view.requestId,
    headers: req.headers,
  };
}

/** nginx.tmpl's `proxy_set_header NAME $authHeaderN`: replaces the client's header of that name. */
export function addAuthHeaders(headers: string[], auth: readonly string[]): void {
  if (auth.length === 0) return;
  for (let i = 0; i < headers.length; ) {
    let replaced = false;
    for (let j = 0; j < auth.length; j += 2) {
      if (headers[i].toLowerCase() === auth[j]) {
        replaced = true;
        break;
      }
    }
    if (replaced) headers.splice(i, 2);
    else i += 2;
  }
  headers.push(...auth);
}

/** 401 (with the auth service's challenge), 403, the signin redirect (302) or 500. */
export function answerAuthDenied(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
): void {
  for (const name in headers) {
    const value = headers[name];
    // A Location built from a Host header Node let through, or an odd challenge: never a thrown writeHead.
    if ((Array.isArray(value) ? value : [value]).some((v) => !SAFE_VALUE.test(v))) {
      answer(res, 500);
      return;
    }
  }
  answer(res, status, headers as Record<string, string>);
}

/** What Node's writeHead accepts in a header value (validateHeaderValue): tab, printable Latin-1. */
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
