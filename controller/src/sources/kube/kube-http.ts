// Authenticated requests to the API server described by a KubeConfig. The KubeConfig supplies
// credentials and TLS material per request (so rotated tokens are picked up); the connections are
// ours, in an undici Agent that speaks HTTP/2 when the apiserver offers it by ALPN, so every watch
// and request shares one connection (a stream each), as the kubelet's do, instead of holding one
// TLS connection per open watch. Plain-HTTP apiservers and proxies without a tunnel stay HTTP/1.1.
// A request names its (resource, verb) in the table of access.ts, never a raw method and path:
// what the code can call is what RBAC grants.
import { createHash } from 'node:crypto';
import type { RequestOptions } from 'node:https';
import type { Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, type Dispatcher, ProxyAgent, request } from 'undici';
import { type ApiCall, httpRequestOf } from './access.ts';
import { ApiError } from './transport.ts';

/** Sent with every request, so audit logs and apiserver metrics name the client. */
export const USER_AGENT = 'gatehouse';

/**
 * Our ceiling on streams per HTTP/2 connection. The apiserver's SETTINGS lower it (Go's default is
 * 250, `--http2-max-streams-per-connection`); undici opens another connection when one is full.
 */
export const MAX_STREAMS_PER_CONNECTION = 1000;

export interface KubeRequest extends ApiCall {
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** Whole-request deadline for `json()`; watches have none here (the reflector watches for stalls). */
  timeoutMs?: number;
}

/** A 2xx response's body, streamed; destroying it (or aborting the request's signal) ends the stream. */
export type ResponseBody = Readable & AsyncIterable<Buffer>;

const MAX_ERROR_BODY = 64 * 1024;
/**
 * Ceiling on one JSON answer (a LIST page). etcd stores objects of at most 1.5 MiB by default
 * (`--max-request-bytes`), and the reflector asks for 500 per page; the watched kinds are small
 * (an EndpointSlice of 1 000 endpoints is ~200 KiB), so a page near this size is not an apiserver
 * answer we should hold in memory (it would be held twice: bytes and parsed objects).
 */
export const MAX_JSON_BODY = 256 * 1024 * 1024;
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

export class KubeHttp {
  readonly #kc: KubeConfig;
  /** The pool for the current TLS material; replaced (old one drained) when a file rotates. */
  #pool: { key: string; dispatcher: Dispatcher } | undefined;
  readonly #retired = new Set<Dispatcher>();

  readonly #maxJsonBytes: number;

  constructor(kc: KubeConfig, options: { maxJsonBytes?: number } = {}) {
    this.#kc = kc;
    this.#maxJsonBytes = options.maxJsonBytes ?? MAX_JSON_BODY;
  }

  /** Sends a request; resolves with the streaming body on 2xx, rejects with ApiError otherwise. */
  async open(req: KubeRequest): Promise<ResponseBody> {
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const target = httpRequestOf(req);
    const url = new URL(cluster.server.replace(/\/+$/, '') + target.path);
    for (const [k, v] of Object.entries({ ...req.query, ...target.query })) url.searchParams.set(k, v);
    const opts: RequestOptions = { headers: {} };
    await this.#kc.applyToHTTPSOptions(opts);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = {};
    if (opts.headers && !Array.isArray(opts.headers)) {
      for (const [k, v] of Object.entries(opts.headers))
        if (v !== undefined) headers[k.toLowerCase()] = String(v);
    }
    if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    headers.accept = 'application/json';
    headers['user-agent'] = USER_AGENT;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const tls: Record<string, unknown> = {};
    for (const k of TLS_KEYS) if (opts[k] !== undefined) tls[k] = opts[k];
    const res = await request(url, {
      method: target.method as Dispatcher.HttpMethod,
      headers,
      body,
      signal: req.signal,
      dispatcher: this.#dispatcher(cluster.proxyUrl, tls),
    });
    if (res.statusCode >= 200 && res.statusCode < 300) return res.body as ResponseBody;
    throw toApiError(res.statusCode, await readText(res.body, MAX_ERROR_BODY, { truncate: true }));
  }

  /** A request whose answer is one JSON document. */
  async json<T>(req: KubeRequest): Promise<T> {
    const signal = req.timeoutMs
      ? AbortSignal.any([req.signal ?? new AbortController().signal, AbortSignal.timeout(req.timeoutMs)])
      : req.signal;
    const res = await this.open({ ...req, signal });
    const text = await readText(res, this.#maxJsonBytes);
    if (text === undefined) {
      res.destroy();
      throw new Error(`answer to ${req.verb} ${req.resource.resource} is over ${this.#maxJsonBytes} bytes`);
    }
    return JSON.parse(text) as T;
  }

  close(): void {
    for (const d of [this.#pool?.dispatcher, ...this.#retired]) d?.destroy().catch(() => {});
    this.#pool = undefined;
    this.#retired.clear();
  }

  /** The pool for this TLS material: the same one while it is unchanged, a new one once it rotates. */
  #dispatcher(proxyUrl: string | undefined, tls: Record<string, unknown>): Dispatcher {
    const key = fingerprint(proxyUrl, tls);
    if (this.#pool?.key === key) return this.#pool.dispatcher;
    const old = this.#pool?.dispatcher;
    if (old) {
      // Open watches finish on the old connections (they end within the watch timeout).
      this.#retired.add(old);
      old.close().then(
        () => this.#retired.delete(old),
        () => this.#retired.delete(old),
      );
    }
    const options = {
      allowH2: true,
      connections: null,
      maxConcurrentStreams: MAX_STREAMS_PER_CONNECTION,
      // Deadlines are the callers' (json's timeoutMs, the reflector's stall timer), as before.
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    const dispatcher = proxyUrl
      ? new ProxyAgent({ ...options, uri: proxyUri(proxyUrl), requestTls: tls })
      : new Agent({ ...options, connect: tls });
    this.#pool = { key, dispatcher };
    return dispatcher;
  }
}

/**
 * undici tunnels through http(s) proxies by CONNECT and through SOCKS5 (names resolved by the
 * proxy, so socks5h is the same); SOCKS4 is not supported and says so rather than misrouting.
 */
export function proxyUri(proxyUrl: string): string {
  const url = new URL(proxyUrl);
  if (url.protocol === 'socks5h:') return `socks5:${proxyUrl.slice('socks5h:'.length)}`;
  if (['http:', 'https:', 'socks5:', 'socks:'].includes(url.protocol)) return proxyUrl;
  throw new Error(`kubeconfig proxy-url ${url.protocol}// is not supported (http, https, socks5)`);
}

function fingerprint(proxyUrl: string | undefined, tls: Record<string, unknown>): string {
  const hash = createHash('sha256').update(proxyUrl ?? '');
  for (const k of TLS_KEYS) hash.update(`\0${k}=`).update(tls[k] === undefined ? '' : toBytes(tls[k]));
  return hash.digest('base64');
}

function toBytes(v: unknown): Buffer | string {
  if (Buffer.isBuffer(v) || typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x) => (Buffer.isBuffer(x) ? x.toString('base64') : x)) ?? '';
}

/**
 * The body as text, holding at most `limit` bytes: past it, the rest is drained and dropped
 * (`truncate`, for error bodies only ever quoted) or reading stops with undefined.
 */
async function readText(body: AsyncIterable<Buffer>, limit: number): Promise<string | undefined>;
async function readText(body: AsyncIterable<Buffer>, limit: number, o: { truncate: true }): Promise<string>;
async function readText(
  body: AsyncIterable<Buffer>,
  limit: number,
  o: { truncate?: boolean } = {},
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      if (!o.truncate) return undefined;
      if (size < limit) chunks.push(chunk.subarray(0, limit - size));
      size = limit;
      continue;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The API server answers errors with a metav1.Status; anything else keeps the HTTP status alone. */
function toApiError(status: number, text: string): ApiError {
  try {
    const s = JSON.parse(text) as { message?: unknown; reason?: unknown };
    const message = typeof s.message === 'string' ? s.message : `HTTP ${status}`;
    return new ApiError(status, message, typeof s.reason === 'string' ? s.reason : undefined);
  } catch {
    return new ApiError(status, text.slice(0, 200) || `HTTP ${status}`);
  }
}
