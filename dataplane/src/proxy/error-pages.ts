// Custom error pages (ingress-nginx `custom-http-errors` + `default-backend`; docs/user-guide/
// custom-errors.md, nginx.tmpl's CUSTOM_ERRORS): an upstream answer with a listed status is
// discarded and a GET for `/` goes to the error backend, which is told why in X-Code & co. Its
// answer, status included, is what the client gets (`error_page CODE = @custom_…`: nginx keeps
// the named location's status; the docs ask the error backend to return the right code).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ErrorPages, Route } from '../table/types.ts';
import { type CompiledBackend, pickEndpoint, type UpstreamEndpoint } from '../upstream/balancer.ts';
import { POOLED_SERVERNAME } from '../upstream/pools.ts';
import { type ClientView, downstreamHeaders, relayedHeaders } from './forwarding.ts';
import { answerRequest } from './grpc.ts';

/** Body bytes of an intercepted answer read and dropped to keep its connection; beyond, it is closed. */
export const INTERCEPTED_BODY_MAX_BYTES = 64 * 1024;

/** A route's errorPages, resolved at compile time. */
export interface CompiledErrorPages {
  readonly codes: readonly number[];
  readonly backend: CompiledBackend;
  readonly noEndpoints: boolean;
  /** X-Namespace, X-Ingress-Name, X-Service-Name, X-Service-Port: the same for every request. */
  readonly routeHeaders: readonly string[];
}

export function compileErrorPages(
  route: Route,
  pages: ErrorPages,
  backend: CompiledBackend,
): CompiledErrorPages {
  return {
    codes: pages.codes,
    backend,
    noEndpoints: pages.noEndpoints === true,
    routeHeaders: [
      'x-namespace',
      route.source.namespace,
      'x-ingress-name',
      route.source.name,
      'x-service-name',
      pages.service,
      'x-service-port',
      pages.servicePort,
    ],
  };
}

/**
 * What the error backend is told (nginx.tmpl CUSTOM_ERRORS): the status, the client's Accept, the
 * original request-target and where the request was going (X-Request-ID is a forwarding header).
 * X-Format is left out when the client sent no Accept, as nginx leaves out an empty proxy_set_header.
 */
export function errorPageHeaders(
  pages: CompiledErrorPages,
  code: number,
  req: IncomingMessage,
  originalUri: boolean,
): string[] {
  const headers = ['x-code', String(code)];
  const accept = req.headers.accept;
  if (accept !== undefined && accept !== '') headers.push('x-format', accept);
  if (originalUri) headers.push('x-original-uri', req.url ?? '/');
  headers.push(...pages.routeHeaders);
  return headers;
}

/** The exchange whose answer is replaced: the proxy's Exchange (handler.ts). */
export interface ErrorPageOwner {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly done: boolean;
  view: ClientView | undefined;
  /** Set to the error request's controller, so a client that leaves or reads slowly reaches it. */
  controller: Dispatcher.DispatchController | undefined;
  finish(status: number, error?: Error): void;
}

/**
 * Sends the error request for `code`; when the error backend has no endpoint or fails before
 * answering, the client gets `code` itself, as nginx's own page for it.
 */
export function sendErrorPage(owner: ErrorPageOwner, pages: CompiledErrorPages, code: number): void {
  const req = owner.req;
  const endpoint = pickEndpoint(pages.backend, req.headers, owner.view);
  if (endpoint === undefined || owner.view === undefined) {
    answerRequest(owner.res, code);
    owner.finish(code);
    return;
  }
  const view = owner.view;
  const headers = errorPageHeaders(pages, code, req, true);
  // nginx.tmpl: X-Request-ID $req_id, Host $best_http_host and X-Forwarded-For $remote_addr.
  headers.push(
    'x-request-id',
    view.requestId,
    'host',
    req.headers.host ?? view.host,
    'x-forwarded-for',
    view.address,
  );
  endpoint.health.active++;
  const options = {
    path: '/',
    method: 'GET',
    headers,
    body: null,
    // undici's request option (missing from its types); see POOLED_SERVERNAME.
    servername: POOLED_SERVERNAME,
  };
  endpoint.pool.dispatch(options, new ErrorPageRequest(owner, endpoint, code));
}

/** The error backend's answer, relayed to the client of the replaced exchange. */
class ErrorPageRequest implements Dispatcher.DispatchHandler {
  readonly #owner: ErrorPageOwner;
  readonly #endpoint: UpstreamEndpoint;
  readonly #code: number;
  #status = 0;
  #active = true;

  constructor(owner: ErrorPageOwner, endpoint: UpstreamEndpoint, code: number) {
    this.#owner = owner;
    this.#endpoint = endpoint;
    this.#code = code;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#owner.controller = controller;
    if (this.#owner.done) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return;
    const res = this.#owner.res;
    if (this.#owner.done || res.destroyed) {
      controller.abort(new Error('client closed the connection'));
      return;
    }
    this.#status = statusCode;
    if (this.#owner.req.httpVersionMajor === 1) res.writeHead(statusCode, relayedHeaders(headers));
    else {
      downstreamHeaders(headers);
      res.writeHead(statusCode, headers);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#owner.res;
    if (res.write(chunk)) return;
    controller.pause();
    res.once('drain', () => controller.resume());
  }

  onResponseEnd(): void {
    this.#leave();
    this.#owner.res.end();
    this.#owner.finish(this.#status);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#leave();
    if (this.#owner.done) return;
    const res = this.#owner.res;
    if (res.headersSent) res.destroy();
    else if (!res.destroyed) answerRequest(res, this.#code);
    this.#owner.finish(res.headersSent ? this.#status : this.#code, error);
  }

  #leave(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#endpoint.health.active--;
  }
}
