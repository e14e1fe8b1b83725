// Where a request goes, decided in one place for plain requests and upgrades alike, so a WebSocket
// handshake meets the same HTTPS redirect, route redirect and 404 as any other request (issue #14).
// Pure: the runtime in force, the listener and the request's target and headers in, one value out.
import type { IncomingHttpHeaders } from 'node:http';
import type { BlockList } from 'node:net';
import type { CompiledRoute, Runtime } from '../compile.ts';
import { normalizePath } from '../router/index.ts';
import type { HttpsRedirectForm } from '../table/types.ts';
import { isSafeLocation } from './answers.ts';
import { hostWithoutPort, pathModifierApplies, redirectLocation } from './filters.ts';
import { isTrusted, plainAddress } from './forwarding.ts';
import { hasRepeatedHost, isValidHost } from './host.ts';

/** What resolving needs of the listener a request arrived on. */
export interface ResolveListener {
  readonly encrypted: boolean;
  /** The HTTPS port redirects point to (left out of the URL when 443). */
  readonly httpsPort: number;
}

// The three outcomes share one set of fields, in one order, so the engine sees a single shape.

/** Forward to `route`. `path` is normalised: the same path is routed and sent upstream. */
export interface Routed {
  readonly kind: 'route';
  readonly status: 0;
  readonly location: undefined;
  readonly route: CompiledRoute;
  readonly path: string;
  readonly query: string | undefined;
}

/** Answer with a redirect. `location` holds no control character or space (safe to write raw). */
export interface Redirected {
  readonly kind: 'redirect';
  readonly status: number;
  readonly location: string;
  /** The route whose RequestRedirect filter answered; undefined for the host's HTTP→HTTPS redirect. */
  readonly route: CompiledRoute | undefined;
  readonly path: string;
  readonly query: string | undefined;
}

/** The proxy answers itself: 503 no table yet, 400 a bad target or Host, 404 no route. */
export interface Answered {
  readonly kind: 'answer';
  readonly status: 400 | 404 | 503;
  readonly location: undefined;
  readonly route: undefined;
  readonly path: undefined;
  readonly query: undefined;
}

export type Resolution = Routed | Redirected | Answered;

// Shared, never mutated: answering costs no allocation.
const NO_TABLE: Answered = answered(503);
const BAD_TARGET: Answered = answered(400);
const NO_ROUTE: Answered = answered(404);

function answered(status: 400 | 404 | 503): Answered {
  return { kind: 'answer', status, location: undefined, route: undefined, path: undefined, query: undefined };
}

const ABSOLUTE_FORM = /^https?:\/\//i;

/**
 * Resolve a request: its target is split into a normalised path and the raw query (absolute-form,
 * RFC 9112 §3.2.2, accepted too), a Host that is not `host[:port]` is refused (RFC 9110 §7.2), a
 * host's route (or the table's default route) is looked up, a plain request is redirected to HTTPS
 * where the route or else the host's TLS asks for it, and a route with a RequestRedirect redirects.
 */
export function resolve(
  runtime: Runtime | undefined,
  listener: ResolveListener,
  url: string,
  method: string,
  headers: IncomingHttpHeaders,
  /** The request's raw field lines, to refuse a repeated Host (the parsed headers keep only one). */
  rawHeaders?: readonly string[],
  /** The client's address (peer.ts) and the peers whose X-Forwarded-Proto is believed. */
  peer = '',
  trusted?: BlockList,
): Resolution {
  if (runtime === undefined) return NO_TABLE;
  let target = url;
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    if (!ABSOLUTE_FORM.test(target)) return BAD_TARGET;
    const slash = target.indexOf('/', target.indexOf('//') + 2);
    target = slash === -1 ? '/' : target.slice(slash);
  }
  const q = target.indexOf('?');
  const path = normalizePath(q === -1 ? target : target.slice(0, q));
  if (path === undefined) return BAD_TARGET;
  const query = q === -1 ? undefined : target.slice(q + 1);

  // No Host at all: HTTP/1.0 (Node's parser answers 400 to HTTP/1.1 without one), default route.
  const hostHeader = headers.host ?? '';
  if (headers.host !== undefined && !isValidHost(hostHeader)) return BAD_TARGET;
  if (rawHeaders !== undefined && hasRepeatedHost(rawHeaders)) return BAD_TARGET;
  const host = runtime.router.host(hostHeader);
  const tls = host?.entry.tls;
  const route = host?.match(path, method, headers, query) ?? runtime.router.defaultRoute;
  // ingress-nginx decides the redirect per location (lua_ingress.lua redirect_to_https): the route's
  // ssl-redirect / force-ssl-redirect, else the host's TLS. The default route speaks only for hosts
  // without an entry, so it never lifts the redirect of a TLS host whose paths it does not hold.
  const ownRoute = route !== undefined && route.host === host?.entry ? route.route : undefined;
  if (
    (ownRoute?.httpsRedirect ?? tls?.redirect ?? false) &&
    !reachedOverTls(listener, headers, peer, trusted)
  ) {
    const location = httpsLocation(listener, hostHeader, path, query, ownRoute?.httpsRedirectForm);
    return redirected(tls?.redirectStatus ?? 308, location, undefined, path, query);
  }
  if (route === undefined) return NO_ROUTE;
  if (route.redirect !== undefined && pathModifierApplies(path, route.redirectRegex)) {
    const scheme = reachedOverTls(listener, headers, peer, trusted) ? 'https' : 'http';
    const location = redirectLocation(
      route.redirect,
      scheme,
      hostHeader,
      path,
      query,
      route.matchedPrefix,
      route.redirectRegex,
    );
    return redirected(route.redirect.statusCode, location, route, path, query);
  }
  return { kind: 'route', status: 0, location: undefined, route, path, query };
}

/**
 * The HTTPS redirect's Location, as lua_ingress.lua redirect_to_https writes it: the Host without
 * its port; the HTTPS listener's port, never a forwarded X-Forwarded-Port (ingress-nginx does not
 * read it either). `form.trimTrailingSlash` drops one trailing slash of the request URI, checked on
 * the URI with its query as ingress-nginx does, so `/a/` becomes `/a` and `/` an empty path.
 */
function httpsLocation(
  listener: ResolveListener,
  hostHeader: string,
  path: string,
  query: string | undefined,
  form: HttpsRedirectForm | undefined,
): string {
  const port = listener.httpsPort === 443 && form?.alwaysNamePort !== true ? '' : `:${listener.httpsPort}`;
  if (query !== undefined) return `https://${hostWithoutPort(hostHeader)}${port}${path}?${query}`;
  const trim = form?.trimTrailingSlash === true && path.endsWith('/');
  return `https://${hostWithoutPort(hostHeader)}${port}${trim ? path.slice(0, -1) : path}`;
}

/**
 * Whether the client reached the edge over TLS: the listener says so, unless a trusted proxy
 * (--trusted-proxies) forwarded X-Forwarded-Proto — ingress-nginx's $pass_access_scheme with
 * use-forwarded-headers, which redirects when it is http on either listener. Read only when a
 * redirect depends on it; a header other than `https` counts as plain (redirecting is the safe side).
 */
function reachedOverTls(
  listener: ResolveListener,
  headers: IncomingHttpHeaders,
  peer: string,
  trusted: BlockList | undefined,
): boolean {
  const forwarded = headers['x-forwarded-proto'];
  if (forwarded === undefined || !isTrusted(trusted, plainAddress(peer))) return listener.encrypted;
  const proto = typeof forwarded === 'string' ? forwarded : forwarded[0];
  return proto.trim().toLowerCase() === 'https';
}

function redirected(
  status: number,
  location: string,
  route: CompiledRoute | undefined,
  path: string,
  query: string | undefined,
): Resolution {
  // Host and path passed the HTTP parser, which refuses CR/LF; a Location is written raw on
  // upgrades, so this holds it regardless: a URI never contains controls or spaces (RFC 3986 §2).
  if (!isSafeLocation(location)) return BAD_TARGET;
  return { kind: 'redirect', status, location, route, path, query };
}
