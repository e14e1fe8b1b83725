// An HTTP/2 stream as the proxy reads an HTTP/1 exchange. One Http2Exchange per stream is both the
// request (the IncomingMessage subset that handler.ts, answers, grpc, metrics and the access log
// read) and the response (the ServerResponse subset they write), straight on Node's core stream
// API. A bare node:http2 server answers about twice the requests per second on that API than on
// its compatibility layer (h2load), which costs a Readable, a Stream and a Proxy per request, a
// dozen stream listeners, and trailers awaited on every response. Here a request costs this
// object, its forwarded header list and one listener ('error'; a proxied request adds 'close').
import type { IncomingMessage } from 'node:http';
import {
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { Readable } from 'node:stream';
import { deleteHopByHop } from '../proxy/hop-by-hop.ts';

const { NGHTTP2_INTERNAL_ERROR } = constants;

// State the stream's listeners reach (module functions, so that no closure is made per request).
const kExchange = Symbol('gatehouse.http2Exchange');
const kOnClose = Symbol('gatehouse.onClose');
const kOnDrain = Symbol('gatehouse.onDrain');
const kTrailers = Symbol('gatehouse.trailers');
const kBody = Symbol('gatehouse.requestBody');
type OwnedStream = ServerHttp2Stream & { [kExchange]?: Http2Exchange };
type Listener = (this: Http2Exchange) => void;

const WAIT_FOR_TRAILERS = { waitForTrailers: true } as const;
const NO_TRAILERS: OutgoingHttpHeaders = {};

/**
 * The request's fields as HTTP/1 lists them: `:authority` becomes Host (RFC 9113 §8.3.1) and the
 * pseudo-headers, which are not fields to forward, are left out. Sets `headers.host` when missing.
 */
export function http1RawHeaders(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) raw.push(name, v);
    else if (value !== undefined) raw.push(name, String(value));
  }
  if (headers.host === undefined) {
    // Neither :authority nor Host: an empty Host, which the resolver refuses with 400 (as nginx).
    const authority = headers[':authority'];
    const host = typeof authority === 'string' ? authority : '';
    headers.host = host;
    raw.push('host', host);
  }
  return raw;
}

/**
 * What Node's compatibility layer answered before any handler ran, kept: 405 to CONNECT (Gatehouse
 * opens no tunnels), 417 to an Expect other than 100-continue (RFC 9110 §10.1.1), 100 to
 * 100-continue so the client sends its body at once; 0 for every other request.
 */
export function interimStatus(headers: IncomingHttpHeaders): 0 | 100 | 405 | 417 {
  if (headers[':method'] === 'CONNECT') return 405;
  const expect = headers.expect;
  if (expect === undefined) return 0;
  return expect.toLowerCase() === '100-continue' ? 100 : 417;
}

export class Http2Exchange {
  readonly stream: ServerHttp2Stream;
  /** Node's header object, pseudo-headers included, with `host` set from `:authority`. */
  readonly headers: IncomingHttpHeaders;
  /** The fields to forward, as HTTP/1 lists them (see http1RawHeaders). */
  readonly rawHeaders: string[];
  readonly method: string | undefined;
  readonly url: string | undefined;
  /** The response headers as written, for getHeader (declared lengths, metrics/bytes.ts). */
  #written: OutgoingHttpHeaders | undefined = undefined;
  /** Set before the head (setHeader), as ServerResponse's: the head's own fields win over them. */
  #preset: OutgoingHttpHeaders | undefined = undefined;
  #closeHooked = false;
  #drainHooked = false;
  [kTrailers]: OutgoingHttpHeaders | undefined = undefined;
  [kOnClose]: Listener | undefined = undefined;
  [kOnDrain]: Listener | undefined = undefined;
  [kBody]: RequestBody | undefined = undefined;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders) {
    this.stream = stream;
    this.headers = headers;
    this.rawHeaders = http1RawHeaders(headers);
    this.method = headers[':method'];
    this.url = headers[':path'];
    (stream as OwnedStream)[kExchange] = this;
    // A stream reset by the client with an error code emits 'error'; unheard, it would end the worker.
    stream.on('error', ignoreError);
  }

  get httpVersionMajor(): number {
    return 2;
  }

  get httpVersionMinor(): number {
    return 0;
  }

  get httpVersion(): string {
    return '2.0';
  }

  /** ServerResponse.req: this object is the request too. */
  get req(): this {
    return this;
  }

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  /** The stream is gone or going: reset by the client, or closed by the frame guard before any answer. */
  get destroyed(): boolean {
    return this.stream.destroyed || this.stream.closed;
  }

  /** Whether any of the body was read from the client (a retry cannot send it again then). */
  get readableDidRead(): boolean {
    return this.stream.readableDidRead;
  }

  /**
   * The request body, as a Readable of its own: undici destroys the body it sent, and the stream
   * must live on. Typed as an IncomingMessage (a Readable with headers), as HTTP/1's body is one;
   * proxy/body-guard.ts reads it.
   */
  requestBody(): IncomingMessage {
    let body = this[kBody];
    if (body === undefined) {
      body = this[kBody] = new RequestBody(this.stream, this.headers);
      this.#hookClose();
    }
    return body as unknown as IncomingMessage;
  }

  /**
   * Sends the response head. `headers` (lower-case names) gains `:status` and loses hop-by-hop
   * fields, which HTTP/2 forbids (RFC 9113 §8.2.2) and a route's header filter may set.
   * Trailers are awaited only where they can come or are asked for: awaiting them costs an empty
   * DATA frame and a turn through JS per response, and a response of declared length from an
   * HTTP/1 upstream has none (only chunked coding carries them). So trailers of a declared-length
   * HTTP/2 upstream response reach only clients that sent `te: trailers` (gRPC clients do), which
   * RFC 9110 §6.5.1 allows.
   */
  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    const stream = this.stream;
    // Reset by the client: the exchange's 'close' listener is about to end it.
    if (stream.closed || stream.destroyed) return this;
    const out = headers === undefined ? {} : deleteHopByHop(headers);
    const preset = this.#preset;
    if (preset !== undefined) for (const name in preset) out[name] ??= preset[name];
    out[':status'] = status;
    this.#written = out;
    if (out['content-length'] === undefined || this.headers.te !== undefined) {
      stream.respond(out, WAIT_FOR_TRAILERS);
      stream.on('wantTrailers', onWantTrailers);
    } else {
      stream.respond(out);
    }
    return this;
  }

  /** A field of the head to come (ServerResponse.setHeader); `name` lower-case. */
  setHeader(name: string, value: string): this {
    this.#preset ??= {};
    this.#preset[name] = value;
    return this;
  }

  /** False when the client's window is full: wait for 'drain'. */
  write(chunk: Buffer | string): boolean {
    const stream = this.stream;
    if (stream.destroyed) return false;
    if (!stream.headersSent) this.writeHead(200);
    // respond() already ended a HEAD, 204 or 304 response: a payload there means nothing (RFC 9110 §6.4.1).
    if (stream.writableEnded) return true;
    return stream.write(chunk);
  }

  end(chunk?: Buffer | string): this {
    const stream = this.stream;
    if (stream.destroyed) return this;
    if (!stream.headersSent) this.writeHead(200);
    if (stream.writableEnded) return this;
    if (chunk === undefined) stream.end();
    else stream.end(chunk);
    return this;
  }

  /** Sent once the body has ended, if the head awaited trailers (see writeHead). */
  addTrailers(trailers: OutgoingHttpHeaders): void {
    this[kTrailers] = trailers;
  }

  getHeader(name: string): OutgoingHttpHeaders[string] {
    return this.#written?.[name];
  }

  /** Resets the stream: a client must not take a response cut short for a whole one (nginx does the same). */
  destroy(): void {
    const stream = this.stream;
    if (!stream.destroyed && !stream.closed) stream.close(NGHTTP2_INTERNAL_ERROR);
  }

  /** The one 'close' listener handler.ts adds; called with this exchange as `this`. */
  on(event: string, listener: Listener): this {
    if (event !== 'close' || this[kOnClose] !== undefined)
      throw new Error(`Http2Exchange takes one 'close' listener, not another '${event}' one`);
    this[kOnClose] = listener;
    this.#hookClose();
    return this;
  }

  /** The 'drain' listener handler.ts adds under backpressure; called once, with this exchange as `this`. */
  once(event: string, listener: Listener): this {
    if (event !== 'drain') throw new Error(`Http2Exchange takes a 'drain' listener only, not '${event}'`);
    this[kOnDrain] = listener;
    if (!this.#drainHooked) {
      this.#drainHooked = true;
      this.stream.on('drain', onStreamDrain);
    }
    return this;
  }

  #hookClose(): void {
    if (this.#closeHooked) return;
    this.#closeHooked = true;
    this.stream.once('close', onStreamClose);
  }
}

function onStreamClose(this: OwnedStream): void {
  const exchange = this[kExchange];
  if (exchange === undefined) return;
  exchange[kBody]?.streamClosed();
  const listener = exchange[kOnClose];
  exchange[kOnClose] = undefined;
  listener?.call(exchange);
}

function onStreamDrain(this: OwnedStream): void {
  const exchange = this[kExchange];
  if (exchange === undefined) return;
  const listener = exchange[kOnDrain];
  exchange[kOnDrain] = undefined;
  listener?.call(exchange);
}

function onWantTrailers(this: OwnedStream): void {
  try {
    this.sendTrailers(this[kExchange]?.[kTrailers] ?? NO_TRAILERS);
  } catch {
    // A field HTTP/2 forbids in trailers (a connection-specific one): reset rather than lose it quietly.
    this.close(NGHTTP2_INTERNAL_ERROR);
  }
}

function ignoreError(): void {}

/**
 * A request body read from its stream with backpressure. It carries the request's headers too, as
 * an IncomingMessage does. Destroying it (undici does once the body is sent, or when the upstream
 * failed) never resets the stream: the client's
 * remaining upload is read and dropped, so that the response can still be delivered.
 */
export class RequestBody extends Readable {
  readonly headers: IncomingHttpHeaders;
  /** The client ended the body (IncomingMessage.complete). */
  complete = false;
  readonly #stream: OwnedStream;
  #reading = false;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders) {
    super();
    this.headers = headers;
    this.#stream = stream;
    // undici reports a failed body through the exchange; one unheard here must not end the worker.
    this.on('error', ignoreError);
  }

  override _read(): void {
    const stream = this.#stream;
    if (this.#reading) {
      stream.resume();
      return;
    }
    this.#reading = true;
    stream.on('data', onBodyData);
    stream.on('end', onBodyEnd);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const stream = this.#stream;
    stream.off('data', onBodyData);
    stream.off('end', onBodyEnd);
    if (!stream.readableEnded && !stream.destroyed) stream.resume();
    callback(error);
  }

  /**
   * The stream closed: a body that had not ended was cut off by the client. Closed without an
   * error, which nobody may be listening for any more: a reader still there sees a premature close.
   */
  streamClosed(): void {
    if (!this.complete && !this.destroyed) this.destroy();
  }
}

function onBodyData(this: OwnedStream, chunk: Buffer): void {
  if (this[kExchange]?.[kBody]?.push(chunk) === false) this.pause();
}

function onBodyEnd(this: OwnedStream): void {
  const body = this[kExchange]?.[kBody];
  if (body === undefined) return;
  body.complete = true;
  body.push(null);
}
