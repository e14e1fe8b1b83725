// The request line and headers sent upstream for a routed request, shared by plain requests and
// upgrades so a WebSocket handshake is shaped exactly like any other request on its route.
import type { IncomingMessage } from 'node:http';
import type { CompiledRoute } from '../compile.ts';
import { modifyRequestHeaders, rewritePath } from './filters.ts';
import { type ClientView, upstreamHeaders } from './forwarding.ts';
import type { ViaMarker } from './loop.ts';

/**
 * The path and headers sent upstream for a routed request: forwarding headers, then the route's
 * URL rewrite and request-header filters, then our Via entry. Shared by plain requests and
 * upgrades, so a WebSocket handshake is shaped exactly like any other request on its route.
 */
export function upstreamRequest(
  req: IncomingMessage,
  route: CompiledRoute,
  target: { path: string; query: string | undefined },
  view: ClientView,
  via: ViaMarker,
): { path: string; headers: string[] } {
  let headers = upstreamHeaders(req.rawHeaders, view);
  let path = target.query === undefined ? target.path : `${target.path}?${target.query}`;
  const rewrite = route.rewrite;
  if (rewrite !== undefined) {
    if (rewrite.path) {
      const newPath = rewritePath(target.path, route.matchedPrefix, rewrite.path, route.rewriteRegex);
      path = target.query === undefined ? newPath : `${newPath}?${target.query}`;
    }
    if (rewrite.hostname)
      headers = modifyRequestHeaders(headers, { set: [{ name: 'host', value: rewrite.hostname }] });
  }
  if (route.requestHeaders) headers = modifyRequestHeaders(headers, route.requestHeaders);
  // Last, after the filters, so no route can remove it; a field line of its own after the
  // client's Via lines is the same list with ours appended (RFC 9110 §5.3).
  headers.push('via', via.entry(req.httpVersionMajor, req.httpVersionMinor));
  return { path, headers };
}
