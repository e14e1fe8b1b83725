// Authenticated requests to the API server described by a KubeConfig. The KubeConfig supplies
// credentials and TLS material per request (so rotated tokens are picked up); the connection
// pool is ours, with keep-alive, so frequent calls (lease renewals) do not pay a handshake each.
// A request names its (resource, verb) in the table of access.ts, never a raw method and path:
// what the code can call is what RBAC grants.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { type ApiCall, httpRequestOf } from './access.ts';
import { ApiError } from './transport.ts';

/** Sent with every request, so audit logs and apiserver metrics name the client. */
export const USER_AGENT = 'gatehouse';

export interface KubeRequest extends ApiCall {
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** Whole-request deadline for `json()`; watches have none here (the reflector watches for stalls). */
  timeoutMs?: number;
}

const MAX_ERROR_BODY = 64 * 1024;

export class KubeHttp {
  readonly #kc: KubeConfig;
  readonly #httpsAgent = new https.Agent({ keepAlive: true });
  readonly #httpAgent = new http.Agent({ keepAlive: true });

  constructor(kc: KubeConfig) {
    this.#kc = kc;
  }

  /** Sends a request; resolves with the streaming response on 2xx, rejects with ApiError otherwise. */
  async open(req: KubeRequest): Promise<IncomingMessage> {
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const target = httpRequestOf(req);
    const url = new URL(cluster.server.replace(/\/+$/, '') + target.path);
    for (const [k, v] of Object.entries({ ...req.query, ...target.query })) url.searchParams.set(k, v);
    const opts: https.RequestOptions = { headers: {} };
    await this.#kc.applyToHTTPSOptions(opts);
    const secure = url.protocol === 'https:';
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const auth = Array.isArray(opts.headers) ? {} : (opts.headers as http.OutgoingHttpHeaders);
    const headers: http.OutgoingHttpHeaders = {
      ...auth,
      accept: 'application/json',
      'user-agent': USER_AGENT,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const options: https.RequestOptions = {
      method: target.method,
      headers,
      // A proxy needs the KubeConfig's own agent; otherwise our keep-alive pool.
      agent: cluster.proxyUrl ? opts.agent : secure ? this.#httpsAgent : this.#httpAgent,
      auth: opts.auth,
      signal: req.signal,
    };
    if (secure) {
      for (const k of [
        'ca',
        'cert',
        'key',
        'pfx',
        'passphrase',
        'rejectUnauthorized',
        'servername',
      ] as const) {
        if (opts[k] !== undefined) Object.assign(options, { [k]: opts[k] });
      }
    }
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, options, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        readText(res, MAX_ERROR_BODY).then((text) => reject(toApiError(status, text)), reject);
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  /** A request whose answer is one JSON document. */
  async json<T>(req: KubeRequest): Promise<T> {
    const signal = req.timeoutMs
      ? AbortSignal.any([req.signal ?? new AbortController().signal, AbortSignal.timeout(req.timeoutMs)])
      : req.signal;
    const res = await this.open({ ...req, signal });
    return JSON.parse(await readText(res, Number.POSITIVE_INFINITY)) as T;
  }

  close(): void {
    this.#httpsAgent.destroy();
    this.#httpAgent.destroy();
  }
}

async function readText(res: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size < limit) chunks.push(chunk);
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
